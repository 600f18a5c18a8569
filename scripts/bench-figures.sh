#!/usr/bin/env bash
# The province's figures with many stored events (issue 12): a SQLite aggregator filled over HTTP by
# `simpul-bench load` (default 1000 nodes x 1000 events = 1,000,000 entries of realistic cases), its figure job
# catching up, then every level of the dashboard timed (all areas, a province, a kabupaten, a kecamatan, a desa) and
# the full CSV exports timed (events and cases). Each figure beside what it is compared with in the same run: the
# page times against a plain `/healthz` round trip, the export rate against reading the same entries with Python's
# sqlite3 (no parsing, no formatting).
#
#   scripts/bench-figures.sh [--nodes N] [--events E] [--bin DIR] [--keep]
#
# Binaries from .build/release (swift build -c release --product simpul-bench, then --product simpul-aggregator).
# Only the processes this script started are stopped (by PID).
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=1000 events=1000 bin=.build/release keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --events) events=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--nodes N] [--events E] [--bin DIR] [--keep]" >&2; exit 2 ;;
  esac
done
bin=$(cd "$bin" && pwd)
work=$(mktemp -d /tmp/simpul-figures.XXXXXX)
mkdir "$work/bin" && cp "$bin/simpul-bench" "$bin/simpul-aggregator" "$work/bin/"
B="$work/bin/simpul-bench" A="$work/bin/simpul-aggregator"
. scripts/lib/bench-processes.sh
log() { echo "== $*" >&2; }

port=$(freeport) base="http://127.0.0.1:$port"
"$A" init --data-dir "$work/agg" --config "$work/agg.toml" >"$work/init.log" 2>&1 || fail "init: $(cat "$work/init.log")"
sed -i -e "s/^listen = .*/listen = \"127.0.0.1:$port\"/" -e "s/^allow_unknown_node_ids = .*/allow_unknown_node_ids = true/" \
       -e "s/^max_entries = .*/max_entries = 500/" "$work/agg.toml"
"$B" load --enrol-file "$work/enrol.csv" --nodes "$nodes" 2>/dev/null
"$A" nodes add --config "$work/agg.toml" --file "$work/enrol.csv" >/dev/null
"$A" serve --config "$work/agg.toml" 2>"$work/serve.log" & pid=$!; pids+=("$pid")
for _ in $(seq 1 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
db="$work/agg/aggregator.db"
taken() { python3 - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=30)
print(c.execute("SELECT COALESCE(SUM(seq), 0) FROM figure_marks").fetchone()[0], c.execute("SELECT COUNT(*) FROM entries").fetchone()[0])
PY
}

log "filling: $nodes nodes x $events events over HTTP, the figure job running beside"
start=$(now)
"$B" load --nodes "$nodes" --events "$events" --aggregators "$base" --batch 500 --window 0 >"$work/fill.out" 2>"$work/fill.err" \
  || fail "the fill failed: $(tail -n 5 "$work/fill.err")"
fill_s=$(python3 -c "print(round($(now) - $start, 1))")
read -r marked total < <(taken)
log "stored $total entries in $fill_s s; the figures had taken in $marked of them by then; waiting for the rest"
start=$(now)
while :; do
  read -r marked total < <(taken)
  [ "$marked" -ge "$total" ] && break
  sleep 1
done
catchup_s=$(python3 -c "print(round($(now) - $start, 1))")
cases=$(python3 -c "import sqlite3; print(sqlite3.connect('file:$db?mode=ro', uri=True).execute('SELECT COUNT(*) FROM case_figures').fetchone()[0])")

# Pages: 20 requests each, the median and the slowest; beside /healthz (the server's own round trip).
desa=$(python3 -c "import sqlite3; print(sqlite3.connect('file:$db?mode=ro', uri=True).execute('SELECT desa FROM case_figures WHERE desa IS NOT NULL GROUP BY desa ORDER BY COUNT(*) DESC LIMIT 1').fetchone()[0])")
kecamatan=${desa:0:8}; kabupaten=${desa:0:5}; province=${desa:0:2}
timing() {
  local path=$1 i t=()
  for i in $(seq 1 20); do t+=("$(curl -fsS -o /dev/null -w '%{time_total}' "$base$path")"); done
  printf '%s\n' "${t[@]}" | sort -n | awk -v p="$path" '{a[NR]=$1} END {printf "| `%s` | %.1f ms | %.1f ms |\n", p, a[10]*1000, a[20]*1000}'
}
echo "| page | median of 20 | slowest |"
echo "|---|---|---|"
for path in /healthz / "/?area=$province" "/?area=$kabupaten" "/?area=$kecamatan" "/?area=$desa" "/?area=$kecamatan&lang=en"; do timing "$path"; done

# Exports, full province, to /dev/null; beside Python's sqlite3 reading the same rows' bytes.
start=$(now); rows=$("$A" export events --config "$work/agg.toml" | tail -n +2 | wc -l); events_s=$(python3 -c "print(round($(now) - $start, 2))")
start=$(now); crows=$("$A" export cases --config "$work/agg.toml" | tail -n +2 | wc -l); cases_s=$(python3 -c "print(round($(now) - $start, 2))")
start=$(now)
python3 -c "import sqlite3; c = sqlite3.connect('file:$db?mode=ro', uri=True); n = sum(1 for _ in c.execute('SELECT node, seq, bytes FROM entries ORDER BY node, seq')); print(n)" >/dev/null
read_s=$(python3 -c "print(round($(now) - $start, 2))")
python3 - "$rows" "$events_s" "$crows" "$cases_s" "$total" "$read_s" "$fill_s" "$catchup_s" "$cases" <<'PY'
import sys
rows, events_s, crows, cases_s, total, read_s, fill_s, catchup_s, cases = sys.argv[1:]
rows, crows, total, cases = int(rows), int(crows), int(total), int(cases)
events_s, cases_s, read_s, fill_s, catchup_s = map(float, (events_s, cases_s, read_s, fill_s, catchup_s))
print(f"\nfill: {total} entries in {fill_s} s ({total / fill_s:,.0f} events/s over HTTP, the figure job running beside)")
print(f"figures: {cases} cases; caught up {catchup_s} s after the fill ended")
print(f"export events (CSV): {rows} rows in {events_s} s = {rows / events_s:,.0f} rows/s; "
      f"Python's sqlite3 reading the same rows: {read_s} s = {total / read_s:,.0f} rows/s")
print(f"export cases (CSV): {crows} rows in {cases_s} s = {crows / cases_s:,.0f} rows/s")
PY
