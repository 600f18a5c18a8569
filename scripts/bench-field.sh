#!/usr/bin/env bash
# Sync over a slow field link (3G/VSAT): a node with a backlog recorded offline pushes it to a fresh
# aggregator through Tests/support/link-emulator.py (a shared pipe of --rate-kbit each way, --delay-ms one
# way, optionally a link drop every ~--drop-every s that resets every open connection).
#
#   scripts/bench-field.sh [--bin DIR] [--runs N] [--only day|month] [--rate-kbit 64] [--delay-ms 300]
#                          [--drop-every 45] [--keep]
#
# Scenarios: day (300 events) and month (30 days of 200 = 6,000 events), each without and with drops.
# Each run: fresh aggregator (SQLite) and node, record the events (offline), start the emulator, time
# `simpul sync now --wait 30m --json`, then check exactly-once (the aggregator holds N entries with N
# distinct event ids) and `simpul-aggregator verify`.
# The limit is what the link allows in the same run: bytes needed / rate + 3 RTT, where bytes needed is
# max(bytes up, bytes down) the emulator carried on the drop-free run of the same scenario. So the
# drop-free ratio shows the protocol's round trips, the ratio with drops what the drops cost.
# Without --bin, release binaries are built first. --keep keeps the work directory (logs) for inspection.
set -euo pipefail
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }   # arithmetic without bc
cd "$(dirname "$0")/.."
root=$(pwd)

bin="" runs=1 only="" rate_kbit=64 delay_ms=300 drop_every=45 keep=0
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --rate-kbit) rate_kbit=$2; shift 2 ;;
    --delay-ms) delay_ms=$2; shift 2 ;;
    --drop-every) drop_every=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
done
case "$only" in ""|day|month) ;; *) echo "--only must be day or month" >&2; exit 2 ;; esac

if [ -z "$bin" ]; then
  echo "== building release binaries ==" >&2
  for p in simpul simpul-aggregator simpul-bench; do swift build -c release --product "$p" >/dev/null; done
  bin=$(swift build -c release --show-bin-path)
fi
bin=$(cd "$bin" && pwd)
for p in simpul simpul-aggregator simpul-bench; do
  [ -x "$bin/$p" ] || { echo "no $bin/$p (build it, or pass --bin DIR)" >&2; exit 2; }
done
S="$bin/simpul" A="$bin/simpul-aggregator" emulator="$root/Tests/support/link-emulator.py"

work=$(mktemp -d /tmp/simpul-field.XXXXXX)
. scripts/lib/bench-processes.sh   # the script has cd-ed to the repository root

# The events: the same for every run (fixed seeds), dated just before today so no rule finds them in the future.
head -c 32 /dev/urandom | base64 > "$work/province-pseudonym.key"
gen() { # N DAY SEED -> exactly N events
  "$bin/simpul-bench" generate --kecamatan 35.07.01 --events "$1" --day "$2" --seed "$3" > "$work/gen.tmp"
  head -n "$1" "$work/gen.tmp"
}
gen 300 "$(date -d yesterday +%F)" 1 > "$work/day.ndjson"
: > "$work/month.ndjson"
for i in $(seq 30 -1 1); do gen 200 "$(date -d "$i days ago" +%F)" $((100 + i)) >> "$work/month.ndjson"; done

# run SCENARIO DROP_EVERY RUN: one measured sync; sets r_time r_up r_down r_drops r_status
run() {
  local scenario=$1 drops=$2 n=$3 d="$work/$1-drop$2-run$3"
  local events; events=$(wc -l < "$work/$scenario.ndjson")
  mkdir -p "$d"
  local agg_port emu_port; agg_port=$(freeport); emu_port=$(freeport)
  "$A" init --data-dir "$d/agg" --listen "127.0.0.1:$agg_port" --config "$d/agg.toml" >/dev/null 2>"$d/init.log" \
    || fail "simpul-aggregator init: $(cat "$d/init.log")"
  "$A" serve --config "$d/agg.toml" 2>"$d/aggregator.log" & local agg=$!; pids+=("$agg")
  local key; key=$("$S" init --node-id 35.07.01 --aggregator "http://127.0.0.1:$emu_port" --data-dir "$d/node" \
    --pseudonym-key "$work/province-pseudonym.key" --config "$d/node.toml" 2>>"$d/init.log" | tail -n 1) \
    || fail "simpul init: $(cat "$d/init.log")"
  "$A" nodes add 35.07.01 --public-key "$key" --config "$d/agg.toml" >/dev/null 2>>"$d/init.log" \
    || fail "simpul-aggregator nodes add: $(cat "$d/init.log")"

  # Offline: recording never contacts the aggregator, and it is done before the link comes up.
  "$S" record --file "$work/$scenario.ndjson" --config "$d/node.toml" > "$d/ids.txt"
  [ "$(wc -l < "$d/ids.txt")" -eq "$events" ] || fail "$scenario: recorded $(wc -l < "$d/ids.txt") of $events events"
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$agg_port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fsS "http://127.0.0.1:$agg_port/healthz" >/dev/null || fail "the aggregator did not start: $(cat "$d/aggregator.log")"

  local drop_args=(); [ "$drops" = 0 ] || drop_args=(--drop-every "$drops" --seed "$n")
  python3 "$emulator" --upstream "127.0.0.1:$agg_port" --listen "127.0.0.1:$emu_port" --rate-kbit "$rate_kbit" \
    --delay-ms "$delay_ms" "${drop_args[@]}" --stats "$d/link.json" > "$d/link.out" 2>"$d/link.err" & local emu=$!; pids+=("$emu")
  for _ in $(seq 1 100); do grep -q '^listening ' "$d/link.out" 2>/dev/null && break; sleep 0.1; done
  grep -q "^listening 127.0.0.1:$emu_port\$" "$d/link.out" || fail "the link emulator did not start: $(cat "$d/link.err")"

  echo "-- $scenario, $events events, $([ "$drops" = 0 ] && echo "no drops" || echo "drops every ~${drops}s"), run $n: syncing" >&2
  local t0 t1 rc=0; t0=$(now)
  # In the background and waited for, so that a SIGTERM to this script stops it at once (see the traps).
  "$S" sync now --wait 30m --json --verbose --config "$d/node.toml" > "$d/sync.json" 2>"$d/sync.err" & local sync=$!
  pids+=("$sync"); wait "$sync" || rc=$?
  t1=$(now); forget "$sync"
  stop "$emu"; stop "$agg"
  r_time=$(calc "$t1 - $t0")
  read -r r_up r_down r_drops < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["bytes_up"], s["bytes_down"], s["drops"])' "$d/link.json")
  local curl_errors; curl_errors=$(grep -o 'curl error [0-9]*: [^(;"]*' "$d/sync.err" | sort | uniq -c | sed 's/^ *//' | paste -sd ';' || true)
  if [ -n "$curl_errors" ]; then echo "   node saw: $curl_errors" >&2; fi
  r_status=ok
  if [ "$rc" -ne 0 ]; then
    r_status="sync exit $rc"
    echo "   simpul sync now exited $rc after ${r_time}s: $(cat "$d/sync.json")" >&2
    tail -n 5 "$d/sync.err" | sed 's/^/   | /' >&2
  fi

  # Exactly once: N entries, N distinct event ids, every chain and signature verifies.
  local held
  held=$("$A" events --node 35.07.01 --json --config "$d/agg.toml" | python3 -c '
import json, sys
entries = json.load(sys.stdin)
def event_id(e):
    ev = e.get("event") if isinstance(e.get("event"), dict) else e
    return ev.get("id", json.dumps(e, sort_keys=True))
ids = {event_id(e) for e in entries}
print(len(entries), len(ids))')
  read -r count distinct <<<"$held"
  [ "$count" -eq "$distinct" ] || fail "$scenario run $n: the aggregator holds $count entries but only $distinct distinct events (duplicates)"
  "$A" verify --config "$d/agg.toml" > "$d/verify.txt" 2>&1 || fail "$scenario run $n: simpul-aggregator verify failed: $(cat "$d/verify.txt")"
  if [ "$r_status" = ok ] && [ "$count" -ne "$events" ]; then
    fail "$scenario run $n: sync reported success but the aggregator holds $count of $events entries"
  fi
  [ "$count" -eq "$events" ] || r_status="$r_status, holds $count/$events"
}

rtt=$(printf '%.3f' "$(calc "2 * $delay_ms / 1000")")
rate_bytes=$(calc "$rate_kbit * 1000 / 8")
rows=() failed=0
scenarios=(day month); [ -z "$only" ] || scenarios=("$only")
drop_values=(0); [ "$drop_every" = 0 ] || drop_values+=("$drop_every")
for scenario in "${scenarios[@]}"; do
  for n in $(seq 1 "$runs"); do
    limit=""
    for drops in "${drop_values[@]}"; do
      run "$scenario" "$drops" "$n"
      if [ "$drops" = 0 ]; then
        needed=$(( r_up > r_down ? r_up : r_down ))
        limit=$(calc "$needed / $rate_bytes + 3 * $rtt")
      fi
      ratio=$(calc "$r_time / $limit")
      [ "$r_status" = ok ] || failed=1
      label=$scenario; [ "$drops" = 0 ] || label="$scenario+drops"
      rows+=("$(printf '%-12s %3d %7d %5d %8.1f %9d %9d %7.1f %6.2f  %s' "$label" "$n" "$(wc -l < "$work/$scenario.ndjson")" \
        "$r_drops" "$r_time" "$r_up" "$r_down" "$limit" "$ratio" "$r_status")")
      echo "   ${rows[-1]}" >&2
    done
  done
done

echo
echo "sync over a field link: ${rate_kbit} kbit/s each way, ${delay_ms} ms one way (RTT ${rtt}s), drops every ~${drop_every}s; $runs run(s)"
echo "limit = max(bytes up, bytes down) of the same run's drop-free sync / $(printf '%.0f' "$rate_bytes") B/s + 3 RTT; ratio = time / limit"
echo "drops = link drops during the sync (every open connection reset); bytes = payload the link delivered"
printf '%-12s %3s %7s %5s %8s %9s %9s %7s %6s  %s\n' scenario run events drops "time s" "bytes up" "bytes dn" "limit s" ratio status
printf '%s\n' "${rows[@]}"
exit "$failed"
