#!/usr/bin/env bash
# The aggregator under hostile pushes (issue 10): its peak memory while --concurrency hostile requests hit
# POST /v1/nodes/{node}/push at once, against its idle figure.
#
#   scripts/bench-hostile.sh [--bin DIR] [--rounds 3] [--concurrency 64] [--hold 5] [--kinds LIST] [--keep]
#
# A fresh aggregator (SQLite) with node 35.07.01 enrolled under a random Ed25519 key (python3 `cryptography`,
# else `simpul init`), and a second node, 35.07.02, made by `simpul init` for the normal request at the end.
# After /healthz answers and 2 s of settling, the idle RSS (VmRSS). Then each round fires --concurrency
# requests at once at POST /v1/nodes/35.07.01/push (Simpul-Protocol: 1), these kinds in turn (--kinds, comma-
# separated, picks some, to see what each costs):
#   bomb      16 KiB of gzip (Content-Encoding: gzip) that inflates to 16 MiB of one byte
#   longline  a plain body whose first line is a 3 MiB JSON string (an oversized header line)
#   random    max_body_bytes (4 MiB) of random bytes
#   half      headers with Content-Length max_body_bytes, half the body, then nothing for --hold s; then closed
#   badsig    a well-formed push header signed with the wrong key, then junk entries up to max_body_bytes
# The server's VmRSS and VmHWM are sampled every 50 ms during the round (VmHWM reset through clear_refs before
# it), until 1 s after its last request ends. Peak = the larger of the highest VmRSS sample and VmHWM.
# At the end /healthz must still answer and node 35.07.02 must still record and sync an event (a real push).
# Exit 1 if peak - idle exceeds 100 MB (MB = 10^6 bytes) in any round, the server died, a hostile request
# was accepted (2xx), or the normal request failed.
# Without --bin, the release simpul-aggregator and simpul are built first. --keep keeps the work directory.
set -euo pipefail
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }   # arithmetic without bc
cd "$(dirname "$0")/.."

bin="" rounds=3 concurrency=64 hold=5 kinds=bomb,longline,random,half,badsig keep=0 limit_mb=100
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --hold) hold=$2; shift 2 ;;
    --kinds) kinds=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
done
for v in "$rounds" "$concurrency" "$hold"; do
  case "$v" in ''|*[!0-9]*) echo "--rounds, --concurrency and --hold take whole numbers" >&2; exit 2 ;; esac
done
[ "$rounds" -ge 1 ] && [ "$concurrency" -ge 1 ] || { echo "--rounds and --concurrency must be at least 1" >&2; exit 2; }
IFS=, read -r -a kind_list <<<"$kinds"
[ "${#kind_list[@]}" -ge 1 ] || { echo "--kinds: name at least one kind" >&2; exit 2; }
for k in "${kind_list[@]}"; do
  case "$k" in bomb|longline|random|half|badsig) ;; *) echo "--kinds: no kind '$k' (bomb, longline, random, half, badsig)" >&2; exit 2 ;; esac
done

if [ -z "$bin" ]; then
  echo "== building release binaries ==" >&2
  for p in simpul simpul-aggregator; do swift build -c release --product "$p" >/dev/null; done
  bin=$(swift build -c release --show-bin-path)
fi
bin=$(cd "$bin" && pwd)
for p in simpul simpul-aggregator; do
  [ -x "$bin/$p" ] || { echo "no $bin/$p (build it, or pass --bin DIR)" >&2; exit 2; }
done

work=$(mktemp -d /tmp/simpul-hostile.XXXXXX)
# Copies, so that a build running meanwhile cannot pair a new node with an old aggregator.
mkdir "$work/bin" && cp "$bin/simpul" "$bin/simpul-aggregator" "$work/bin/"
S="$work/bin/simpul" A="$work/bin/simpul-aggregator"
. scripts/lib/bench-processes.sh   # the script has cd-ed to the repository root
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
mb() { printf '%.1f' "$(calc "$1 * 1024 / 1000000")"; }   # kB (KiB, as /proc counts) -> MB
alive() { kill -0 "$1" 2>/dev/null && [ -r "/proc/$1/status" ] && ! grep -q '^State:.*Z' "/proc/$1/status"; }

# --- the hostile client (python3 standard library; `cryptography` only to sign with a wrong key) -------------
cat > "$work/hostile.py" <<'PY'
import argparse, asyncio, base64, datetime, gzip, json, os, threading, time

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--node", required=True)
p.add_argument("--pid", type=int, required=True)
p.add_argument("--concurrency", type=int, required=True)
p.add_argument("--hold", type=float, required=True)
p.add_argument("--limits", required=True)          # the aggregator's GET /v1/limits answer
p.add_argument("--kinds", required=True)
p.add_argument("--out", required=True)
a = p.parse_args()
limits = json.load(open(a.limits))
max_body, max_entry = limits["max_body_bytes"], limits["max_entry_bytes"]
KINDS = a.kinds.split(",")

def clock():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

def wrong_signature(message):
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        return base64.b64encode(Ed25519PrivateKey.generate().sign(message)).decode()
    except ImportError:   # 64 random bytes verify under no key either
        return base64.b64encode(os.urandom(64)).decode()

def bodies():
    out = {}
    out["bomb"] = (gzip.compress(b"A" * (16 << 20), 9), ["Content-Encoding: gzip"])
    out["longline"] = (b'"' + b"a" * ((3 << 20) - 3) + b'"\n', [])
    rnd = bytearray(os.urandom(max_body))
    if rnd[:2] == b"\x1f\x8b": rnd[0] = 0   # not mistaken for gzip
    out["random"] = (bytes(rnd), [])
    out["half"] = (bytes(rnd), [])          # only the first half is ever sent
    n = (max_body - 1024) // (max_entry + 1)
    last_hash = os.urandom(32).hex()
    message = f"simpul-push-v1\n{a.node}\n1\n{n}\n{'0' * 64}\n{last_hash}".encode()
    header = {"protocol": 1, "node": a.node, "from_seq": 1, "to_seq": n, "prev_hash": "0" * 64,
              "last_hash": last_hash, "clock": clock(), "signature": wrong_signature(message)}
    junk = base64.b64encode(os.urandom(max_entry)).replace(b"/", b"_")[:max_entry]
    out["badsig"] = (json.dumps(header, separators=(",", ":")).encode() + b"\n" + b"\n".join([junk] * n), [])
    assert len(out["badsig"][0]) <= max_body
    return out

def request_head(length, extra):
    lines = [f"POST /v1/nodes/{a.node}/push HTTP/1.1", f"Host: 127.0.0.1:{a.port}", "Simpul-Protocol: 1",
             f"Simpul-Node: {a.node}", f"Simpul-Clock: {clock()}", "Content-Type: application/x-ndjson",
             f"Content-Length: {length}", "Connection: close"] + extra
    return ("\r\n".join(lines) + "\r\n\r\n").encode()

def status_of(pid):
    got = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    k, v = line.split(":", 1)
                    got[k] = int(v.split()[0])
    except OSError:
        return None
    return got

class Sampler(threading.Thread):
    """VmRSS and VmHWM of the server every 50 ms."""
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.samples, self.done, self.died = pid, [], threading.Event(), False
    def run(self):
        while True:
            s = status_of(self.pid)
            if s is None or "VmRSS" not in s:
                self.died = True
                return
            self.samples.append((time.monotonic(), s["VmRSS"], s.get("VmHWM", 0)))
            if self.done.wait(0.05):
                return

async def read_answer(reader):
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        return ("eof" if not e.partial else "bad-answer"), ""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    status = parts[1] if len(parts) > 1 else "bad-answer"
    length = 0
    for line in lines[1:]:
        if line.lower().startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    ptype = ""
    if 0 < length <= 1 << 20:
        try:
            ptype = json.loads(await reader.readexactly(length)).get("type", "")
        except Exception:
            pass
    return status, ptype

async def one(kind, payload):
    body, extra = payload
    t0 = time.monotonic()
    status, ptype, sender, writer = "", "", None, None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", a.port), 10)
        if kind == "half":
            writer.write(request_head(len(body), extra) + body[: len(body) // 2])
            await writer.drain()
            try:   # an answer the server sends while the body is unfinished counts; otherwise we give up and close
                status, ptype = await asyncio.wait_for(read_answer(reader), a.hold)
            except asyncio.TimeoutError:
                status = "held"
        else:
            writer.write(request_head(len(body), extra) + body)
            sender = asyncio.ensure_future(writer.drain())
            status, ptype = await asyncio.wait_for(read_answer(reader), 120)
    except asyncio.TimeoutError:
        status = "timeout"
    except (ConnectionResetError, BrokenPipeError):
        status = "reset"
    except OSError as e:
        status = "oserror-" + (e.__class__.__name__)
    finally:
        if sender is not None:
            sender.cancel()
            try:
                await sender
            except BaseException:
                pass
        if writer is not None:
            # Abort, not close: a body the server refused early (503, 413) may still sit unsent in the buffer, and a
            # graceful close would wait for it forever.
            writer.transport.abort()
    return {"kind": kind, "status": status, "type": ptype, "seconds": round(time.monotonic() - t0, 3)}

async def fire(payloads):
    return await asyncio.gather(*(one(KINDS[i % len(KINDS)], payloads[KINDS[i % len(KINDS)]]) for i in range(a.concurrency)))

payloads = bodies()
try:   # VmHWM from here on is this round's peak
    with open(f"/proc/{a.pid}/clear_refs", "w") as f:
        f.write("5")
    hwm_reset = True
except OSError:
    hwm_reset = False
sampler = Sampler(a.pid)
sampler.start()
t0 = time.monotonic()
results = asyncio.run(fire(payloads))
seconds = time.monotonic() - t0
time.sleep(1.0)
sampler.done.set()
sampler.join()
samples = sampler.samples
peak_rss = max((s[1] for s in samples), default=0)
hwm = samples[-1][2] if samples else 0
peak = max(peak_rss, hwm) if hwm_reset else peak_rss
after = samples[-1][1] if samples else 0
json.dump({"seconds": seconds, "peak_rss_kb": peak_rss, "hwm_kb": hwm, "hwm_reset": hwm_reset, "peak_kb": peak,
           "after_kb": after, "samples": len(samples), "died": sampler.died, "results": results}, open(a.out, "w"))
print(f"{seconds:.2f} {peak} {peak_rss} {hwm} {after} {len(samples)} {int(sampler.died)} {int(hwm_reset)}")
PY

# --- setup ----------------------------------------------------------------------------------------------------
port=$(freeport)
url="http://127.0.0.1:$port"
"$A" init --data-dir "$work/agg" --listen "127.0.0.1:$port" --config "$work/agg.toml" >/dev/null 2>"$work/init.log" \
  || fail "simpul-aggregator init: $(cat "$work/init.log")"
if key=$(python3 -c '
import base64
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
print(base64.b64encode(Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode())' 2>/dev/null); then
  key_from="python3 cryptography"
else
  key=$("$S" init --node-id 35.07.01 --aggregator http://127.0.0.1:9 --data-dir "$work/keynode" --config "$work/keynode/node.toml" \
    2>>"$work/init.log" | tail -n 1) || fail "simpul init (for a key): $(cat "$work/init.log")"
  key_from="simpul init"
fi
"$A" nodes add 35.07.01 --public-key "$key" --config "$work/agg.toml" >/dev/null 2>>"$work/init.log" \
  || fail "simpul-aggregator nodes add 35.07.01: $(cat "$work/init.log")"
# The bystander: a real node, for the normal request at the end.
key2=$("$S" init --node-id 35.07.02 --aggregator "$url" --data-dir "$work/node" --config "$work/node.toml" \
  2>>"$work/init.log" | tail -n 1) || fail "simpul init: $(cat "$work/init.log")"
"$A" nodes add 35.07.02 --public-key "$key2" --config "$work/agg.toml" >/dev/null 2>>"$work/init.log" \
  || fail "simpul-aggregator nodes add 35.07.02: $(cat "$work/init.log")"

"$A" serve --config "$work/agg.toml" 2>"$work/aggregator.log" & agg=$!; pids+=("$agg")
for _ in $(seq 1 100); do curl -fsS "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$url/healthz" >/dev/null || fail "the aggregator did not start: $(cat "$work/aggregator.log")"
curl -fsS "$url/v1/limits" > "$work/limits.json" || fail "GET /v1/limits failed"
sleep 2
idle_kb=$(rss_kb "$agg")
echo "== aggregator pid $agg on $url (binaries $bin); node 35.07.01 key from $key_from" >&2
echo "   idle RSS $(mb "$idle_kb") MB; limits $(cat "$work/limits.json")" >&2

# --- the rounds -----------------------------------------------------------------------------------------------
rows=() failed=0 died=0 worst_kb=0
for n in $(seq 1 "$rounds"); do
  echo "-- round $n: $concurrency hostile requests at once" >&2
  # In the background and waited for, so that a SIGTERM to this script stops it at once (see the traps).
  python3 "$work/hostile.py" --port "$port" --node 35.07.01 --pid "$agg" --concurrency "$concurrency" --hold "$hold" \
    --kinds "$kinds" --limits "$work/limits.json" --out "$work/round-$n.json" > "$work/round-$n.txt" 2>"$work/round-$n.err" & client=$!
  pids+=("$client"); rc=0; wait "$client" || rc=$?; forget "$client"
  [ "$rc" -eq 0 ] || fail "round $n: the hostile client exited $rc: $(tail -n 5 "$work/round-$n.err")"
  read -r secs peak_kb peak_rss_kb hwm_kb after_kb samples round_died hwm_reset < "$work/round-$n.txt"
  over_kb=$(( peak_kb - idle_kb ))
  [ "$over_kb" -gt "$worst_kb" ] && worst_kb=$over_kb
  statuses=$(python3 -c '
import json, sys, collections
r = json.load(open(sys.argv[1]))["results"]
c = collections.Counter((x["kind"], x["status"], x["type"]) for x in r)
print("; ".join("%s %s%s x%d" % (k, s, " " + t if t else "", v) for (k, s, t), v in sorted(c.items())))' "$work/round-$n.json")
  echo "   $statuses" >&2
  rows+=("$(printf '%5d %8.1f %9s %9s %9s %9s %7d  %s' "$n" "$secs" "$(mb "$peak_rss_kb")" "$(mb "$hwm_kb")" \
    "$(mb "$over_kb")" "$(mb "$after_kb")" "$samples" "$([ "$hwm_reset" = 1 ] && echo "" || echo "VmHWM not reset")")")
  echo "   ${rows[-1]}" >&2
  if [ "$round_died" = 1 ] || ! alive "$agg"; then died=1; echo "   the aggregator died in round $n" >&2; break; fi
  sleep 1
done

# --- after ----------------------------------------------------------------------------------------------------
health=ok normal=ok
if [ "$died" = 1 ] || ! alive "$agg"; then died=1 health="server died" normal="server died"
else
  curl -fsS -m 10 "$url/healthz" >/dev/null 2>&1 || health="no answer to /healthz"
  if ! "$S" record --kind request.received --service ADM.KTPEL --desa 35.07.02.2001 --channel counter \
       --config "$work/node.toml" > "$work/normal-record.txt" 2>"$work/normal.err"; then
    normal="simpul record failed: $(tail -n 1 "$work/normal.err")"
  elif ! "$S" sync now --json --wait 30s --config "$work/node.toml" > "$work/normal-sync.json" 2>>"$work/normal.err"; then
    normal="simpul sync now failed: $(cat "$work/normal-sync.json") $(tail -n 1 "$work/normal.err")"
  else
    held=$("$A" events --node 35.07.02 --json --config "$work/agg.toml" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') \
      || held="(simpul-aggregator events failed)"
    [ "$held" = 1 ] || normal="the aggregator holds $held entries of 35.07.02, not 1"
  fi
fi
end_kb=$(rss_kb "$agg" || true)

echo
echo "aggregator under hostile pushes: $rounds round(s) of $concurrency requests at once at POST /v1/nodes/35.07.01/push"
echo "kinds in turn: $kinds (half: half the body, then ${hold} s of nothing)"
echo "idle RSS $(mb "$idle_kb") MB (VmRSS 2 s after /healthz answered); MB = 10^6 bytes; sampled every 50 ms"
printf '%5s %8s %9s %9s %9s %9s %7s\n' round "time s" "peak RSS" "VmHWM" "peak-idle" "after" samples
printf '%s\n' "${rows[@]}"
echo
python3 -c '
import glob, json, sys, collections
counts, worst, sent = collections.defaultdict(collections.Counter), collections.defaultdict(float), collections.Counter()
for path in sorted(glob.glob(sys.argv[1] + "/round-*.json")):
    for x in json.load(open(path))["results"]:
        counts[x["kind"]][x["status"] + ((" " + x["type"]) if x["type"] else "")] += 1
        worst[x["kind"]] = max(worst[x["kind"]], x["seconds"])
        sent[x["kind"]] += 1
print("%-9s %5s %9s  %s" % ("kind", "sent", "slowest s", "answers (all rounds)"))
for kind in ["bomb", "longline", "random", "half", "badsig"]:
    if sent[kind]:
        print("%-9s %5d %9.2f  %s" % (kind, sent[kind], worst[kind], ", ".join(f"{s} x{c}" for s, c in counts[kind].most_common())))
' "$work"
accepted=$(python3 -c '
import glob, json, sys
print(sum(1 for p in glob.glob(sys.argv[1] + "/round-*.json") for x in json.load(open(p))["results"] if x["status"].startswith("2")))' "$work")
echo
echo "worst peak - idle: $(mb "$worst_kb") MB (limit $limit_mb MB); RSS at the end $( [ -n "$end_kb" ] && echo "$(mb "$end_kb") MB" || echo "-")"
echo "after the rounds: /healthz $health; normal push (35.07.02 record + sync now) $normal"

[ "$died" = 0 ] || { echo "FAIL: the aggregator died (log: $work/aggregator.log)" >&2; tail -n 20 "$work/aggregator.log" >&2; failed=1; }
[ "$health" = ok ] || { echo "FAIL: $health" >&2; failed=1; }
[ "$normal" = ok ] || { echo "FAIL: normal request: $normal" >&2; failed=1; }
[ "$accepted" = 0 ] || { echo "FAIL: $accepted hostile request(s) were accepted (2xx)" >&2; failed=1; }
if awk "BEGIN { exit !($worst_kb * 1024 / 1000000 > $limit_mb) }"; then
  echo "FAIL: peak memory $(mb "$worst_kb") MB above idle, over the $limit_mb MB limit" >&2; failed=1
fi
exit "$failed"
