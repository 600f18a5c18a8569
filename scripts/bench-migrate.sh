#!/usr/bin/env bash
# Moving a province from SQLite to PostgreSQL, timed (issue 11): a SQLite aggregator filled with N x E entries over
# HTTP by `simpul-bench load` (default 1000 nodes x 1000 events = 1,000,000 entries), then
# `simpul-aggregator migrate --to URL` into an empty database of a throwaway PostgreSQL cluster, then
# `simpul-aggregator verify` on the result through a config that names the PostgreSQL database.
#
#   scripts/bench-migrate.sh [--nodes N] [--events E] [--bin DIR] [--keep]
#
# Binaries from .build/release (swift build -c release --product simpul-bench, then --product simpul-aggregator).
# Only the processes and the cluster this script started are stopped (by PID).
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
work=$(mktemp -d /tmp/simpul-migrate.XXXXXX)
mkdir "$work/bin" && cp "$bin/simpul-bench" "$bin/simpul-aggregator" "$work/bin/"
B="$work/bin/simpul-bench" A="$work/bin/simpul-aggregator"
. scripts/lib/bench-processes.sh
pgdir=""
trap finish_with_postgres EXIT
log() { echo "== $*" >&2; }

port=$(freeport)
"$A" init --data-dir "$work/agg" --config "$work/agg.toml" >"$work/init.log" 2>&1 || fail "init: $(cat "$work/init.log")"
sed -i -e "s/^listen = .*/listen = \"127.0.0.1:$port\"/" -e "s/^allow_unknown_node_ids = .*/allow_unknown_node_ids = true/" \
       -e "s/^max_entries = .*/max_entries = 500/" "$work/agg.toml"
"$B" load --enrol-file "$work/enrol.csv" --nodes "$nodes" 2>/dev/null
"$A" nodes add --config "$work/agg.toml" --file "$work/enrol.csv" >/dev/null
"$A" serve --config "$work/agg.toml" 2>"$work/serve.log" & pid=$!; pids+=("$pid")
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
log "filling the SQLite aggregator: $nodes nodes x $events events over HTTP"
"$B" load --nodes "$nodes" --events "$events" --aggregators "http://127.0.0.1:$port" --batch 500 --window 0 >"$work/fill.out" 2>"$work/fill.err" \
  || fail "the fill failed: $(tail -n 5 "$work/fill.err")"
stop "$pid"
size=$(du -sh "$work/agg/aggregator.db" | cut -f1)

pgdir=$(mktemp -d /tmp/simpul-migrate-pg.XXXXXX)
admin=$(scripts/throwaway-postgres.sh start "$pgdir")
psql "$admin" -qc "CREATE DATABASE simpul" >/dev/null
url=${admin/\/postgres\?/\/simpul?}
log "migrate --to $url"
start=$(now)
"$A" migrate --config "$work/agg.toml" --to "$url" >"$work/migrate.out" 2>"$work/migrate.err" || fail "migrate: $(tail -n 5 "$work/migrate.err")"
migrate_s=$(python3 -c "print(round($(now) - $start, 1))")
cp "$work/agg.toml" "$work/pg.toml"
sed -i "s|^database = .*|database = \"$url\"|" "$work/pg.toml"
start=$(now)
"$A" verify --config "$work/pg.toml" >"$work/verify.out" 2>&1 || fail "verify on PostgreSQL: $(tail -n 5 "$work/verify.out")"
verify_s=$(python3 -c "print(round($(now) - $start, 1))")
entries=$(psql "$url" -Atc "SELECT count(*) FROM entries")
pgsize=$(psql "$url" -Atc "SELECT pg_size_pretty(pg_database_size('simpul'))")
cat "$work/migrate.out"
echo "SQLite aggregator: $size on disk, $(( nodes * events )) entries of $nodes nodes"
echo "migrate --to (copy + verify + counts): $migrate_s s; PostgreSQL now holds $entries entries ($pgsize)"
echo "verify on PostgreSQL afterwards: $verify_s s, $(grep -c '^ok ' "$work/verify.out") nodes ok"
[ "$entries" = "$(( nodes * events ))" ] || fail "PostgreSQL holds $entries entries, not $(( nodes * events ))"
