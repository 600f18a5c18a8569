#!/usr/bin/env bash
# Idle daemon cost: starts `simpul daemon` (release build) against a reachable aggregator, lets it settle,
# then samples its RSS and CPU time over 60 s. Baseline in the same run: `sleep` (a process doing nothing).
#   scripts/bench-daemon-idle.sh [BIN_DIR]     (default: the shipped build, scripts/build-release.sh)
#   scripts/bench-daemon-idle.sh --deb DIR     (the binaries as packaged: unpacked from DIR's simpul*.deb)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/simpul-idle.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
if [ "${1:-}" = "--deb" ]; then
    for deb in "${2:?--deb needs the directory of the .debs}"/simpul_*.deb "$2"/simpul-aggregator_*.deb; do dpkg-deb -x "$deb" "$work/unpacked"; done
    bin=$work/unpacked/usr/bin
else
    bin=${1:-$(scripts/build-release.sh | tail -n 1)}
fi
[ -x "$bin/simpul" ] && [ -x "$bin/simpul-aggregator" ] || { echo "no simpul and simpul-aggregator in $bin" >&2; exit 2; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
api=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
# On failure the daemon log is printed.
"$bin/simpul-aggregator" init --data-dir "$work/agg" --listen "127.0.0.1:$port" --config "$work/agg.toml" >/dev/null
"$bin/simpul-aggregator" serve --config "$work/agg.toml" 2>/dev/null & pids+=($!)
key=$("$bin/simpul" init --node-id 35.07.01 --aggregator "http://127.0.0.1:$port" --data-dir "$work/node" --config "$work/node.toml" 2>/dev/null | tail -n 1)
"$bin/simpul-aggregator" nodes add 35.07.01 --public-key "$key" --config "$work/agg.toml" >/dev/null
SIMPUL_DAEMON_API_LISTEN="127.0.0.1:$api" "$bin/simpul" daemon --config "$work/node.toml" 2>"$work/daemon.log" & daemon=$!; pids+=($daemon)
sleep 1000 & idle=$!; pids+=($idle)
sleep 10   # settle: first sync, caches
kill -0 "$daemon" 2>/dev/null || { echo "the daemon exited:" >&2; cat "$work/daemon.log" >&2; exit 1; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)
d0=$(ticks "$daemon"); b0=$(ticks "$idle"); max=0
for _ in $(seq 1 60); do r=$(rss "$daemon"); [ "$r" -gt "$max" ] && max=$r; sleep 1; done
d1=$(ticks "$daemon"); b1=$(ticks "$idle")
echo "idle daemon over 60 s (after 10 s settling), release build:"
echo "  simpul daemon : RSS $(rss "$daemon") kB (max $max kB), CPU $(( (d1 - d0) * 1000 / hz )) ms"
echo "  sleep baseline: RSS $(rss "$idle") kB, CPU $(( (b1 - b0) * 1000 / hz )) ms"
