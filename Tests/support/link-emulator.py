#!/usr/bin/env python3
"""A TCP proxy that behaves like a slow field link (3G, VSAT), in user space, Python 3 stdlib only.

    link-emulator.py --upstream HOST:PORT [--listen 127.0.0.1:0] --rate-kbit 64 --delay-ms 300
                     [--drop-every SECONDS] [--seed N] [--stats FILE]

It prints `listening HOST:PORT` on stdout once it accepts connections (port 0 picks a free one).

The model
- The link has two directions, up (client -> upstream) and down (upstream -> client). Each direction is ONE
  pipe of `rate-kbit` (rate-kbit * 1000 / 8 payload bytes per second; TCP/IP headers are not counted) shared
  by every connection, as on a real link: two concurrent requests each get about half.
- Bytes read from a socket wait in that connection's queue (at most QUEUE_BYTES; beyond that the proxy stops
  reading, so the sender feels the bottleneck through TCP flow control, once the loopback socket buffers,
  like a modem's, are full). The pipe takes CHUNK bytes at a time
  from the queues in round robin, serialises them (len / rate seconds, back to back), and delivers each chunk
  `delay-ms` after its last byte left (one-way propagation delay). Order within a connection is kept.
- Connection setup costs one round trip (the TCP handshake): the proxy accepts at once but only starts to
  read the client and connects upstream after 2 x delay, so a request/response takes about 2 RTT plus
  serialisation, as it would on the link.
- With --drop-every S the link drops at random moments (gaps uniform in [0.5 S, 1.5 S], from --seed; the
  clock starts as if the link had been up a while, so the first drop may come at any time): every
  open connection is reset on both sides (SO_LINGER 0, then close: the peers see RST) and all bytes queued or
  in flight are lost. Connections opened after a drop work again.
- Stats: payload bytes delivered up and down, connections accepted, drops. Written as JSON to --stats every
  second and on SIGTERM/SIGINT (the proxy then exits with status 0).
"""
import argparse
import asyncio
import collections
import json
import os
import random
import signal
import socket
import struct
import sys

CHUNK = 512            # bytes serialised at a time: the unit of round-robin fairness
QUEUE_BYTES = 16384    # per connection and direction: the proxy stops reading beyond this
READ_SIZE = 4096

stats = {"bytes_up": 0, "bytes_down": 0, "connections": 0, "drops": 0}


class Flow:
    """One direction of one connection: source reader -> queue -> pipe -> in flight -> destination writer."""

    def __init__(self, pipe, src, dst, counter):
        self.pipe, self.src, self.dst, self.counter = pipe, src, dst, counter
        self.queue = bytearray()
        self.eof = False          # the source ended; an EOF marker follows the queued bytes
        self.eof_sent = False
        self.dead = False         # reset by a drop: nothing more is carried
        self.space = asyncio.Event()
        self.in_flight = asyncio.Queue()   # (delivery time, bytes or None for EOF)

    async def read_source(self):
        while True:
            while len(self.queue) >= QUEUE_BYTES:
                self.space.clear()
                await self.space.wait()
            data = await self.src.read(READ_SIZE)
            if not data:
                self.eof = True
                self.pipe.wake(self)
                return
            self.queue += data
            self.pipe.wake(self)

    async def deliver(self):
        loop = asyncio.get_running_loop()
        while True:
            at, chunk = await self.in_flight.get()
            if at > loop.time():
                await asyncio.sleep(at - loop.time())
            if chunk is None:
                if self.dst.can_write_eof():
                    self.dst.write_eof()
                return
            self.dst.write(chunk)
            stats[self.counter] += len(chunk)
            await self.dst.drain()


class Pipe:
    """One direction of the link: a single serialiser shared by all flows, round robin in CHUNK bytes."""

    def __init__(self, rate_bytes, delay):
        self.rate, self.delay = rate_bytes, delay
        self.ready = collections.deque()
        self.event = asyncio.Event()
        self.free_at = 0.0        # when the serialiser finishes what it has started (a virtual clock: no drift)

    def wake(self, flow):
        if flow not in self.ready:
            self.ready.append(flow)
        self.event.set()

    async def run(self):
        loop = asyncio.get_running_loop()
        while True:
            while not self.ready:
                self.event.clear()
                await self.event.wait()
            flow = self.ready.popleft()
            if flow.dead:
                continue
            if flow.queue:
                chunk = bytes(flow.queue[:CHUNK])
                del flow.queue[:CHUNK]
                flow.space.set()
                self.free_at = max(loop.time(), self.free_at) + len(chunk) / self.rate
                await asyncio.sleep(self.free_at - loop.time())
                if not flow.dead:     # a drop while serialising loses the chunk
                    flow.in_flight.put_nowait((self.free_at + self.delay, chunk))
            elif flow.eof and not flow.eof_sent:
                flow.eof_sent = True
                flow.in_flight.put_nowait((max(loop.time(), self.free_at) + self.delay, None))
            if not flow.dead and (flow.queue or (flow.eof and not flow.eof_sent)):
                self.ready.append(flow)


def reset(writer):
    """Close with SO_LINGER 0, so the peer gets RST instead of FIN."""
    try:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()


class Connection:
    def __init__(self, task):
        self.task, self.writers, self.flows = task, [], []


class Link:
    def __init__(self, args):
        self.upstream = args.upstream
        self.delay = args.delay_ms / 1000
        rate = args.rate_kbit * 1000 / 8
        self.up, self.down = Pipe(rate, self.delay), Pipe(rate, self.delay)
        self.connections = set()

    async def handle(self, client_reader, client_writer):
        stats["connections"] += 1
        conn = Connection(asyncio.current_task())
        conn.writers.append(client_writer)
        self.connections.add(conn)
        try:
            await asyncio.sleep(2 * self.delay)             # the handshake's round trip
            try:
                server_reader, server_writer = await asyncio.open_connection(*self.upstream)
            except OSError:
                reset(client_writer)
                return
            conn.writers.append(server_writer)
            up = Flow(self.up, client_reader, server_writer, "bytes_up")
            down = Flow(self.down, server_reader, client_writer, "bytes_down")
            conn.flows = [up, down]
            deliveries = [asyncio.create_task(up.deliver()), asyncio.create_task(down.deliver())]
            tasks = deliveries + [asyncio.create_task(up.read_source()), asyncio.create_task(down.read_source())]
            failed, pending = False, set(tasks)
            try:
                # Done when both directions have delivered their EOF; a socket error on either side ends it.
                while not failed and not all(t.done() for t in deliveries):
                    done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                    failed = any(t.exception() for t in done)
            finally:
                for t in tasks:
                    t.cancel()
            for w in conn.writers:
                reset(w) if failed else w.close()
        except asyncio.CancelledError:
            pass
        finally:
            self.connections.discard(conn)

    def drop(self):
        """The link goes down: every open connection is reset and what it had queued or in flight is lost."""
        for conn in list(self.connections):
            for flow in conn.flows:
                flow.dead = True
                flow.queue.clear()
            for w in conn.writers:
                reset(w)
            conn.task.cancel()
        self.connections.clear()


def write_stats(path):
    if not path:
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(stats, f)
        f.write("\n")
    os.replace(tmp, path)


async def main(args):
    link = Link(args)
    host, port = args.listen
    server = await asyncio.start_server(link.handle, host, port)
    bound = server.sockets[0].getsockname()
    print(f"listening {bound[0]}:{bound[1]}", flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    background = [asyncio.create_task(link.up.run()), asyncio.create_task(link.down.run())]

    async def drops():
        rng = random.Random(args.seed)
        gap = lambda: rng.uniform(0.5 * args.drop_every, 1.5 * args.drop_every)
        # The link has been up for a while when we start: run the drop clock from well before now, so the
        # first drop comes at a random phase (anywhere in [0, 1.5 S]) rather than never before 0.5 S.
        next_drop = -10 * args.drop_every
        while next_drop <= 0:
            next_drop += gap()
        start = loop.time()
        while True:
            await asyncio.sleep(start + next_drop - loop.time())
            stats["drops"] += 1
            link.drop()
            next_drop += gap()

    async def stats_writer():
        while True:
            await asyncio.sleep(1)
            write_stats(args.stats)

    if args.drop_every:
        background.append(asyncio.create_task(drops()))
    if args.stats:
        background.append(asyncio.create_task(stats_writer()))
    await stop.wait()
    server.close()
    for t in background:
        t.cancel()
    link.drop()
    write_stats(args.stats)


def address(text):
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"'{text}' is not HOST:PORT")
    return host, int(port)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--upstream", type=address, required=True, help="HOST:PORT to forward to")
    p.add_argument("--listen", type=address, default=("127.0.0.1", 0), help="HOST:PORT (default 127.0.0.1:0)")
    p.add_argument("--rate-kbit", type=float, required=True, help="bandwidth of each direction, kbit/s")
    p.add_argument("--delay-ms", type=float, required=True, help="one-way propagation delay, ms")
    p.add_argument("--drop-every", type=float, default=0, help="mean seconds between link drops (0: never)")
    p.add_argument("--seed", type=int, default=1, help="seed for the drop times")
    p.add_argument("--stats", help="write JSON stats here every second and on exit")
    try:
        asyncio.run(main(p.parse_args()))
    except KeyboardInterrupt:
        pass
    sys.exit(0)
