#!/usr/bin/env bash
# The dashboard in a real browser: headless Chromium (Debian's chromium package) driven over the DevTools protocol
# (Tests/browser/dashboard_check.py) against an aggregator seeded by two real nodes (35.07.01 Donomulyo, Jawa Timur,
# WIB; 52.01.01 Gerung, NTB, WITA) that recorded a day of events and synced. Checks the pages through the DOM
# (area names, a chart, drill-down to a kecamatan, the language switch) and fails on any request a page makes to a
# host other than the aggregator. Network: 127.0.0.1 only, and the package index for websocket-client.
#
#   Tests/browser/run.sh [BIN_DIR] [SCREENSHOT.png]     BIN_DIR holds simpul, simpul-aggregator and simpul-bench
#                                                       (default .build/debug); the screenshot is of Donomulyo's page.
set -euo pipefail
caller=$PWD
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo=$PWD
bin=${1:-.build/debug}
if [[ "$bin" != /* ]]; then bin="$caller/$bin"; [ -d "$bin" ] || bin="$repo/${1:-.build/debug}"; fi
shot=${2:-}
if [[ -n "$shot" && "$shot" != /* ]]; then shot="$caller/$shot"; fi
websocket_client_version=1.8.0
for tool in simpul simpul-aggregator simpul-bench; do [ -x "$bin/$tool" ] || { echo "FAIL: no $tool in $bin" >&2; exit 1; }; done
browser=$(command -v chromium || true)
[ -n "$browser" ] || { echo "FAIL: chromium is not installed (apt-get install chromium)" >&2; exit 1; }

work=$(mktemp -d /tmp/simpul-browser.XXXXXX)
agg_pid=""; browser_pid=""
stop() {  # stops one process this script started, by its PID
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() { stop "$browser_pid"; stop "$agg_pid"; rm -rf "$work"; }
trap cleanup EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "websocket-client==$websocket_client_version" >"$work/pip.log" 2>&1 \
  || { cat "$work/pip.log" >&2; echo "FAIL: pip could not install websocket-client" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

port=$(free_port)
base="http://127.0.0.1:$port"
A="$bin/simpul-aggregator"; S="$bin/simpul"
"$A" init --data-dir "$work/aggregator" --listen "127.0.0.1:$port" --config "$work/aggregator.toml" >"$work/init.log" 2>&1
"$A" serve --config "$work/aggregator.toml" --log-level notice 2>"$work/aggregator.log" &
agg_pid=$!
for _ in $(seq 1 100); do curl -fsS --max-time 2 "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS --max-time 2 "$base/healthz" >/dev/null || { cat "$work/aggregator.log" >&2; echo "FAIL: the aggregator did not start" >&2; exit 1; }

head -c 32 /dev/urandom | base64 > "$work/pseudonym.key"
for node in 35.07.01 52.01.01; do
  dir="$work/node-$node"
  "$S" init --node-id "$node" --aggregator "$base" --data-dir "$dir" --pseudonym-key "$work/pseudonym.key" --config "$dir.toml" > "$dir.init" 2> "$dir.init.log"
  "$A" nodes add "$node" --public-key "$(tail -n 1 "$dir.init")" --config "$work/aggregator.toml" >/dev/null
  "$bin/simpul-bench" generate --kecamatan "$node" --events 120 --day "$(date +%F)" > "$dir.ndjson"
  SIMPUL_CONFIG="$dir.toml" "$S" record --file "$dir.ndjson" >/dev/null
  SIMPUL_CONFIG="$dir.toml" "$S" sync now >/dev/null
done
# The server takes what was stored into its figures about once a second.
for _ in $(seq 1 100); do curl -fsS "$base/?area=52.01.01" | grep -q 'data-received=' && break; sleep 0.1; done

devtools=$(free_port)
flags=(--headless=new --disable-gpu --no-first-run --no-default-browser-check --disable-background-networking
       --disable-component-update --disable-sync --disable-default-apps --disable-extensions --mute-audio
       --user-data-dir="$work/profile" --remote-debugging-address=127.0.0.1 --remote-debugging-port="$devtools"
       # Nothing but loopback resolves for the browser itself either.
       --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
[ "$(id -u)" = 0 ] && flags+=(--no-sandbox)  # Chromium's sandbox refuses to run as root (CI runs as root)
"$browser" "${flags[@]}" about:blank >"$work/chromium.log" 2>&1 &
browser_pid=$!
for _ in $(seq 1 150); do curl -fsS "http://127.0.0.1:$devtools/json/version" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$devtools/json/version" >/dev/null || { tail -20 "$work/chromium.log" >&2; echo "FAIL: chromium did not start" >&2; exit 1; }

"$work/venv/bin/python" Tests/browser/dashboard_check.py "$base" "$devtools" ${shot:+"$shot"}
