#!/usr/bin/env bash
# The feed: a provider's answers travelling back to the office that referred the cases.
#
#   scripts/bench-feed.sh [--bin DIR] [--runs N] [--only loopback|field] [--events 100000] [--cases 150]
#                         [--rate-kbit 64] [--delay-ms 300] [--keep]
#
# loopback: `simpul-bench feed --events N --runs N`, a provider node catching up on N routed events (half
# requests, half referrals to it) through its feed from an aggregator on loopback, against inserting the
# same rows straight into SQLite (same table, 500 rows a transaction). It prints its own ratio (its events/s
# over SQLite's rows/s, the median of --runs) and the feed's wire bytes per event.
# field: a day's feed for an office over the field link. Each run: fresh aggregator (SQLite), an office node
# 35.07.01 that talks to it through Tests/support/link-emulator.py (a shared pipe of --rate-kbit each way,
# --delay-ms one way, no drops) and a provider node DISDUKCAPIL.35.07 that talks to it directly. The office
# records --cases requests referred to the provider and syncs them up; the provider pulls them, acknowledges
# and answers every case, and syncs. Then, with fresh link stats, the office's
# `simpul sync now --wait 30m --json` is timed: it pulls the provider's 2 x cases events. The run checks
# that the sync exits 0 having pulled exactly 2 x cases events, and that `simpul cases` on the office lists
# every case as responded.
# The limit is what the link allows in the same run: max(bytes up, bytes down) the emulator carried during
# the timed sync / rate + 3 RTT; ratio = time / limit shows the protocol's round trips. Wire bytes per pulled
# event = bytes down / events pulled.
# Without --bin, release binaries are built first. --keep keeps the work directory (logs) for inspection.
set -euo pipefail
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }   # arithmetic without bc
cd "$(dirname "$0")/.."
root=$(pwd)

bin="" runs=1 only="" events=100000 cases=150 rate_kbit=64 delay_ms=300 keep=0
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --events) events=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    --rate-kbit) rate_kbit=$2; shift 2 ;;
    --delay-ms) delay_ms=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
done
case "$only" in ""|loopback|field) ;; *) echo "--only must be loopback or field" >&2; exit 2 ;; esac
for v in runs events cases; do
  case "${!v}" in ''|*[!0-9]*|0) echo "--$v must be a positive integer" >&2; exit 2 ;; esac
done

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

work=$(mktemp -d /tmp/simpul-feed.XXXXXX)
stop_children=1
. scripts/lib/bench-processes.sh   # the script has cd-ed to the repository root

failed=0

# ---- loopback ----
if [ -z "$only" ] || [ "$only" = loopback ]; then
  echo "== loopback: simpul-bench feed --events $events --runs $runs ==" >&2
  # In the background and waited for, so that a SIGTERM to this script stops it at once (see the traps).
  # Its temporary directories go under the work directory: stopped by a signal, it leaves them behind.
  mkdir -p "$work/loopback-tmp"
  TMPDIR="$work/loopback-tmp/" "$bin/simpul-bench" feed --events "$events" --runs "$runs" > "$work/loopback.out" \
    2>"$work/loopback.err" & bench=$!
  pids+=("$bench"); rc=0; wait "$bench" || rc=$?; forget "$bench"
  echo
  echo "feed catch-up on loopback: $events routed events, $runs run(s)"
  cat "$work/loopback.out"
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: simpul-bench feed exited $rc" >&2
    tail -n 20 "$work/loopback.err" | sed 's/^/   | /' >&2
    failed=1
  fi
fi

[ -z "$only" ] || [ "$only" = field ] || exit "$failed"

# ---- field ----
# The day: the same for every run. The office's requests, each referred to the provider; the provider's answers.
head -c 32 /dev/urandom | base64 > "$work/province-pseudonym.key"
for i in $(seq 1 "$cases"); do
  printf '{"kind":"request.received","case":"K-%d","service":"ADM.KTPEL","desa":"35.07.01.2001","channel":"counter"}\n' "$i"
  printf '{"kind":"request.referred","case":"K-%d","service":"ADM.KTPEL","provider":"DISDUKCAPIL.35.07"}\n' "$i"
done > "$work/office.ndjson"
for i in $(seq 1 "$cases"); do
  printf '{"kind":"provider.acknowledged","case":"K-%d"}\n' "$i"
  printf '{"kind":"provider.responded","case":"K-%d","outcome":"completed"}\n' "$i"
done > "$work/provider.ndjson"
expected=$((2 * cases))

# emulate DIR AGG_PORT EMU_PORT STATS: start the link emulator; sets emu
emulate() {
  python3 "$emulator" --upstream "127.0.0.1:$2" --listen "127.0.0.1:$3" --rate-kbit "$rate_kbit" \
    --delay-ms "$delay_ms" --stats "$4" > "$1/link.out" 2>"$1/link.err" & emu=$!; pids+=("$emu")
  for _ in $(seq 1 100); do grep -q '^listening ' "$1/link.out" 2>/dev/null && break; sleep 0.1; done
  grep -q "^listening 127.0.0.1:$3\$" "$1/link.out" || fail "the link emulator did not start: $(cat "$1/link.err")"
}

# record NAME CONFIG FILE D: record an NDJSON file on a node, every line
record() {
  "$S" record --file "$3" --config "$2" > "$4/$1-ids.txt" 2>"$4/$1-record.err" \
    || fail "simpul record on the $1: $(cat "$4/$1-record.err")"
  [ "$(wc -l < "$4/$1-ids.txt")" -eq "$(wc -l < "$3")" ] \
    || fail "the $1 recorded $(wc -l < "$4/$1-ids.txt") of $(wc -l < "$3") events"
}

# sync_untimed NAME CONFIG D: a sync that prepares the measured one
sync_untimed() {
  local rc=0
  "$S" sync now --json --wait 30m --config "$2" > "$3/$1.json" 2>"$3/$1.err" & local sync=$!
  pids+=("$sync"); wait "$sync" || rc=$?; forget "$sync"
  [ "$rc" -eq 0 ] || fail "$1 (simpul sync now) exited $rc: $(cat "$3/$1.json") $(tail -n 5 "$3/$1.err")"
}

# run N: one measured feed pull; sets r_time r_pulled r_up r_down r_status
run() {
  local n=$1 d="$work/run$1"
  mkdir -p "$d"
  local agg_port emu_port; agg_port=$(freeport); emu_port=$(freeport)
  "$A" init --data-dir "$d/agg" --listen "127.0.0.1:$agg_port" --config "$d/agg.toml" >/dev/null 2>"$d/init.log" \
    || fail "simpul-aggregator init: $(cat "$d/init.log")"
  "$A" serve --config "$d/agg.toml" 2>"$d/aggregator.log" & local agg=$!; pids+=("$agg")
  local office_key provider_key
  office_key=$("$S" init --node-id 35.07.01 --aggregator "http://127.0.0.1:$emu_port" --data-dir "$d/office" \
    --pseudonym-key "$work/province-pseudonym.key" --config "$d/office.toml" 2>>"$d/init.log" | tail -n 1) \
    || fail "simpul init (office): $(cat "$d/init.log")"
  provider_key=$("$S" init --provider DISDUKCAPIL.35.07 --aggregator "http://127.0.0.1:$agg_port" --data-dir "$d/provider" \
    --pseudonym-key "$work/province-pseudonym.key" --config "$d/provider.toml" 2>>"$d/init.log" | tail -n 1) \
    || fail "simpul init (provider): $(cat "$d/init.log")"
  "$A" nodes add 35.07.01 --public-key "$office_key" --config "$d/agg.toml" >/dev/null 2>>"$d/init.log" \
    || fail "simpul-aggregator nodes add 35.07.01: $(cat "$d/init.log")"
  "$A" nodes add DISDUKCAPIL.35.07 --public-key "$provider_key" --config "$d/agg.toml" >/dev/null 2>>"$d/init.log" \
    || fail "simpul-aggregator nodes add DISDUKCAPIL.35.07: $(cat "$d/init.log")"
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$agg_port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fsS "http://127.0.0.1:$agg_port/healthz" >/dev/null || fail "the aggregator did not start: $(cat "$d/aggregator.log")"

  local emu
  emulate "$d" "$agg_port" "$emu_port" "$d/link-setup.json"

  # The day, up to the measured sync: the office's referrals go up (through the link), the provider pulls
  # them, answers every case and pushes the answers (directly).
  echo "-- field, $cases cases, run $n: the office records and syncs, the provider answers" >&2
  record office "$d/office.toml" "$work/office.ndjson" "$d"
  sync_untimed office-sync "$d/office.toml" "$d"
  sync_untimed provider-pull "$d/provider.toml" "$d"
  record provider "$d/provider.toml" "$work/provider.ndjson" "$d"
  sync_untimed provider-push "$d/provider.toml" "$d"

  # A fresh emulator, so that its stats count only the measured sync.
  stop "$emu"
  emulate "$d" "$agg_port" "$emu_port" "$d/link.json"

  echo "-- field, $cases cases, run $n: the office pulls the feed" >&2
  local t0 t1 rc=0; t0=$(now)
  # In the background and waited for, so that a SIGTERM to this script stops it at once (see the traps).
  "$S" sync now --wait 30m --json --verbose --config "$d/office.toml" > "$d/sync.json" 2>"$d/sync.err" & local sync=$!
  pids+=("$sync"); wait "$sync" || rc=$?
  t1=$(now); forget "$sync"
  stop "$emu"
  r_time=$(calc "$t1 - $t0")
  read -r r_up r_down < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["bytes_up"], s["bytes_down"])' "$d/link.json")
  local report
  report=$(python3 -c '
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except ValueError:
    r = {}
print(r.get("status", "-"), r.get("pulled", 0), r.get("pushed", 0), r.get("feed_cursor"), r.get("bytes_received"))' "$d/sync.json")
  local status pushed cursor received
  read -r status r_pulled pushed cursor received <<<"$report"
  echo "   report: status $status, pushed $pushed, pulled $r_pulled, feed_cursor $cursor, bytes_received $received" >&2
  local curl_errors; curl_errors=$(grep -o 'curl error [0-9]*: [^(;"]*' "$d/sync.err" | sort | uniq -c | sed 's/^ *//' | paste -sd ';' || true)
  if [ -n "$curl_errors" ]; then echo "   node saw: $curl_errors" >&2; fi
  r_status=ok
  if [ "$rc" -ne 0 ]; then
    r_status="sync exit $rc"
    echo "   simpul sync now exited $rc after ${r_time}s: $(cat "$d/sync.json")" >&2
    tail -n 5 "$d/sync.err" | sed 's/^/   | /' >&2
  elif [ "$r_pulled" -ne "$expected" ]; then
    fail "run $n: sync reported success but pulled $r_pulled of $expected feed events"
  fi

  # The office sees every case answered.
  "$S" cases --json --config "$d/office.toml" > "$d/cases.json" 2>"$d/cases.err" \
    || fail "run $n: simpul cases failed: $(cat "$d/cases.err")"
  local seen
  seen=$(python3 -c '
import json, sys
cases = json.load(open(sys.argv[1]))
print(len(cases), sum(1 for c in cases if c.get("state") == "responded"))' "$d/cases.json")
  local listed responded; read -r listed responded <<<"$seen"
  [ "$listed" -eq "$cases" ] || fail "run $n: the office lists $listed cases, not $cases"
  if [ "$responded" -ne "$cases" ]; then
    [ "$r_status" = ok ] && fail "run $n: sync succeeded but only $responded of $cases cases are responded on the office"
    r_status="$r_status, $responded/$cases responded"
  fi
  stop "$agg"
}

rtt=$(printf '%.3f' "$(calc "2 * $delay_ms / 1000")")
rate_bytes=$(calc "$rate_kbit * 1000 / 8")
rows=()
for n in $(seq 1 "$runs"); do
  run "$n"
  needed=$(( r_up > r_down ? r_up : r_down ))
  limit=$(calc "$needed / $rate_bytes + 3 * $rtt")
  ratio=$(calc "$r_time / $limit")
  per_event=-; [ "$r_pulled" -le 0 ] || per_event=$(printf '%.0f' "$(calc "$r_down / $r_pulled")")
  [ "$r_status" = ok ] || failed=1
  rows+=("$(printf '%3d %7d %8.1f %9d %9d %9s %7.1f %6.2f  %s' "$n" "$r_pulled" "$r_time" "$r_up" "$r_down" "$per_event" \
    "$limit" "$ratio" "$r_status")")
  echo "   ${rows[-1]}" >&2
done

echo
echo "a day's feed for an office over a field link: $cases cases answered ($expected events), ${rate_kbit} kbit/s each way, ${delay_ms} ms one way (RTT ${rtt}s); $runs run(s)"
echo "limit = max(bytes up, bytes down) of the same sync / $(printf '%.0f' "$rate_bytes") B/s + 3 RTT; ratio = time / limit"
echo "bytes = payload the link delivered during the timed sync; B/event = bytes down / events pulled"
printf '%3s %7s %8s %9s %9s %9s %7s %6s  %s\n' run pulled "time s" "bytes up" "bytes dn" "B/event" "limit s" ratio status
printf '%s\n' "${rows[@]}"
exit "$failed"
