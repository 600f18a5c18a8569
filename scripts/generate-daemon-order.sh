#!/usr/bin/env bash
# Regenerates scripts/simpul-daemon.order: the functions `simpul daemon` runs (startup, a sync, idle), in
# the order lld should lay them out (scripts/build-release.sh passes it with --symbol-ordering-file, and fails
# when the list has gone stale). Packing them together keeps the idle daemon's resident code small; see
# docs/benchmarks.md. A stale list costs memory only (lld ignores unknown names), which is why the release build
# checks it. Rerun after a toolchain or dependency upgrade, or when scripts/build-release.sh says so.
#   scripts/generate-daemon-order.sh [BIN_DIR]     (needs valgrind; default: the static release build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-$(scripts/build-release.sh --skip-order-check | tail -n 1)}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
work=$(mktemp -d /tmp/simpul-order.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
port=$(free_port)
api=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
# valgrind cannot read the DWARF of a Swift binary this large: profile a copy without it (symbols stay).
strip --strip-debug -o "$work/simpul" "$bin/simpul"
"$bin/simpul-aggregator" init --data-dir "$work/agg" --listen "127.0.0.1:$port" --config "$work/agg.toml" >/dev/null
"$bin/simpul-aggregator" serve --config "$work/agg.toml" 2>/dev/null & pids+=($!)
key=$("$work/simpul" init --node-id 35.07.01 --aggregator "http://127.0.0.1:$port" --data-dir "$work/node" --config "$work/node.toml" 2>/dev/null | tail -n 1)
"$bin/simpul-aggregator" nodes add 35.07.01 --public-key "$key" --config "$work/agg.toml" >/dev/null
SIMPUL_DAEMON_API_LISTEN="127.0.0.1:$api" valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/callgrind.out" \
    "$work/simpul" daemon --config "$work/node.toml" 2>"$work/daemon.log" & daemon=$!; pids+=($daemon)
sleep 60   # startup, the first sync, idle ticks (valgrind runs ~50x slower)
kill -TERM "$daemon"; wait "$daemon" || true
nm --defined-only "$work/simpul" | awk '$2 ~ /^[tTwW]$/ {print $3}' | sort -u >"$work/defined"
# Function names in first-seen order, kept when the program defines them.
sed -n 's/^c\{0,1\}fn=([0-9]*) //p' "$work/callgrind.out" | awk '!seen[$0]++' \
    | awk 'NR == FNR { defined[$0] = 1; next } defined[$0]' "$work/defined" - >scripts/simpul-daemon.order
echo "scripts/simpul-daemon.order: $(wc -l <scripts/simpul-daemon.order) functions"
