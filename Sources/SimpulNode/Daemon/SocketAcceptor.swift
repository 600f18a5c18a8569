import Foundation
import ServiceLifecycle
import SimpulCore

/// Accepts connections on a listening socket until graceful shutdown, handling each in a child task.
///
/// `accept` blocks, so it runs on a thread of its own and hands client sockets over through a stream; the
/// handlers stay in structured concurrency. Shutdown wakes the blocked `accept` with `shutdown(2)`. At most
/// `maxConnections` are handled at once: one more is closed at once, so slow or idle clients cannot pile up threads.
enum SocketAcceptor {
    /// Connections handled at once on one socket (the local API, the control socket).
    static let maxConnections = 32
    /// The whole time a client has to send its request, however slowly it trickles.
    static let requestDeadline: Duration = .seconds(10)

    static func serve(listenFD: Int32, maxConnections: Int = SocketAcceptor.maxConnections,
                      handle: @escaping @Sendable (Int32) async -> Void) async {
        let (connections, continuation) = AsyncStream.makeStream(of: Int32.self)
        let active = Allowance(capacity: maxConnections)
        let acceptor = Thread {
            while true {
                let client = accept(listenFD, nil, nil)
                if client < 0 {
                    if errno == EINTR || errno == ECONNABORTED { continue }
                    break
                }
                guard active.tryTake() else {
                    close(client)
                    continue
                }
                continuation.yield(client)
            }
            continuation.finish()
        }
        acceptor.start()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await client in connections {
                    group.addTask {
                        await handle(client)
                        active.giveBack()
                    }
                }
            }
        } onGracefulShutdown: {
            shutdown(listenFD, Int32(SHUT_RDWR))
        }
        close(listenFD)
    }

    /// Runs blocking socket I/O on a dispatch thread, off Swift's cooperative pool.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body()) }
        }
    }

    /// Sets the receive timeout to what is left until `deadline`; false when nothing is left.
    static func setReceiveTimeout(_ fd: Int32, until deadline: ContinuousClock.Instant) -> Bool {
        let left = ContinuousClock.now.duration(to: deadline)
        guard left > .zero else { return false }
        let micros = max(1000, Int(left.inSeconds * 1_000_000))
        var timeout = timeval(tv_sec: micros / 1_000_000, tv_usec: Int(micros % 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return true
    }

    /// Writes the answer and closes the client socket, off the cooperative pool and inside the connection's slot. A
    /// client that stops reading gets 10 s.
    ///
    /// A refused request's body is never read, and closing a socket with unread input resets the connection, which
    /// can destroy the answer before the client reads it. So the write side is shut first, and what the client still
    /// sends is read and dropped for at most a second and 1 MiB, as HTTP servers' lingering close does.
    static func reply(_ client: Int32, _ data: Data) async {
        await blocking {
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if UnixSocket.writeAll(client, data) {
                shutdown(client, Int32(SHUT_WR))
                let until = ContinuousClock.now + .seconds(1)
                var sink = [UInt8](repeating: 0, count: 16 * 1024)
                var drained = 0
                while drained < 1 << 20, setReceiveTimeout(client, until: until) {
                    let n = recv(client, &sink, sink.count, 0)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { break }
                    drained += n
                }
            }
            close(client)
        }
    }
}
