#!/usr/bin/env bash
# The aggregator under load (issue 11): N simulated nodes, each with its own key and a backlog of E events, pushing
# concurrently over HTTP on loopback (one `simpul-bench load` process), starting within a window as offices coming
# back online; beside a baseline of the same rows written straight into the same kind of database in the same run
# (three times, each into a new file or schema; the median run is the one compared).
#
#   scripts/bench-load.sh [--backend sqlite|postgres] [--replicas R] [--nodes N] [--events E] [--bin DIR]
#                         [--batch B] [--window S] [--concurrency K] [--seed S] [--json] [--keep]
#                         [--kill-db-at S --db-down S] [--pool P]
#
# sqlite (default): one aggregator, SQLite in its data directory; baseline: a new SQLite file beside it.
# postgres: a throwaway PostgreSQL cluster (scripts/throwaway-postgres.sh), database simpul_load for R replicas
# (--replicas, default 1; the first made by `init --database`, the others by `init --database --signing-key` with
# the first one's key); baseline: a scratch schema in a second database of the same cluster.
# Every config gets allow_unknown_node_ids = true and its own listen port (max_entries and max_connections raised
# when --batch or --concurrency need it); the nodes are enrolled from `simpul-bench load --enrol-file` with
# `simpul-aggregator nodes add --file`. Peak memory is sampled for each replica and for the postmaster with its
# backends. At the end the script compares the heads the aggregator holds with N x E.
# Defaults: --nodes 700 --events 200 --batch 200 --window 10 --concurrency 512 --seed 1; binaries from
# .build/release (build both first: swift build -c release --product simpul-bench, then the same with
# --product simpul-aggregator; one --product per build).
# --kill-db-at S (postgres): SIGKILL the PostgreSQL postmaster S seconds into the load and start it again --db-down
# seconds later (default 5): pushes meanwhile get 503 and are retried; afterwards the entries stored must be exactly
# N x E (nothing lost, nothing doubled) and every node must have completed.
# --pool P (postgres): each replica's database_pool_size (default: the config's, 10).
# Only the processes and the cluster this script started are stopped (by PID). --keep keeps the work directory.
# Exit 1 when the load had errors or the heads do not add up.
set -euo pipefail
cd "$(dirname "$0")/.."

backend=sqlite replicas=1 nodes=700 events=200 bin=.build/release batch=200 window=10 concurrency=512 seed=1 json=0 keep=0
kill_db_at="" db_down=5 pool=""
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend=$2; shift 2 ;;
    --replicas) replicas=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    --events) events=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --json) json=1; shift ;;
    --kill-db-at) kill_db_at=$2; shift 2 ;;
    --pool) pool=$2; shift 2 ;;
    --db-down) db_down=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
done
case "$backend" in sqlite|postgres) ;; *) echo "--backend must be sqlite or postgres" >&2; exit 2 ;; esac
for v in "$replicas" "$nodes" "$events" "$batch" "$concurrency" "$seed"; do
  case "$v" in ''|*[!0-9]*) echo "--replicas, --nodes, --events, --batch, --concurrency and --seed take whole numbers" >&2; exit 2 ;; esac
done
[ "$replicas" -ge 1 ] && [ "$nodes" -ge 1 ] && [ "$events" -ge 1 ] || { echo "--replicas, --nodes and --events must be at least 1" >&2; exit 2; }
[ -z "$kill_db_at" ] || [ "$backend" = postgres ] || { echo "--kill-db-at needs --backend postgres" >&2; exit 2; }
[ "$backend" = postgres ] || [ "$replicas" = 1 ] || { echo "--replicas above 1 needs --backend postgres (SQLite is one process's)" >&2; exit 2; }
[ -d "$bin" ] || { echo "no directory $bin (build first, or pass --bin DIR)" >&2; exit 2; }
bin=$(cd "$bin" && pwd)
for p in simpul-bench simpul-aggregator; do
  [ -x "$bin/$p" ] || { echo "no $bin/$p: swift build -c release --product $p, or pass --bin DIR" >&2; exit 2; }
done

work=$(mktemp -d /tmp/simpul-load.XXXXXX)
pgdir=""
# Copies, so that a build running meanwhile cannot swap a binary under the run.
mkdir "$work/bin" && cp "$bin/simpul-bench" "$bin/simpul-aggregator" "$work/bin/"
B="$work/bin/simpul-bench" A="$work/bin/simpul-aggregator"
. scripts/lib/bench-processes.sh   # the script has cd-ed to the repository root
trap finish_with_postgres EXIT
log() { echo "== $*" >&2; }

# --- the database ---------------------------------------------------------------------------------------------
database="" baseline="sqlite:$work/baseline.db" postmaster=""
if [ "$backend" = postgres ]; then
  # Outside $work: as root the cluster runs as 'postgres', which cannot enter a mktemp directory of root's.
  pgdir=$(mktemp -d /tmp/simpul-load-pg.XXXXXX)
  admin=$(SIMPUL_PG_STATS=1 scripts/throwaway-postgres.sh start "$pgdir") || fail "the throwaway PostgreSQL did not start"
  postmaster=$(head -n 1 "$pgdir/data/postmaster.pid")
  for db in simpul_load simpul_baseline; do
    psql "$admin" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db" >/dev/null || fail "psql: CREATE DATABASE $db"
  done
  database=${admin/\/postgres\?/\/simpul_load?}
  baseline=${admin/\/postgres\?/\/simpul_baseline?}
  log "PostgreSQL (postmaster pid $postmaster): $database"
fi

# --- the replicas ---------------------------------------------------------------------------------------------
max_connections=$(( concurrency > 512 ? concurrency : 512 ))
urls=() watch=()
for r in $(seq 1 "$replicas"); do
  port=$(freeport) dir="$work/agg$r" cfg="$work/agg$r.toml"
  args=(init --data-dir "$dir" --config "$cfg")
  [ -n "$database" ] && args+=(--database "$database")
  [ "$r" -gt 1 ] && args+=(--signing-key "$work/agg1/aggregator.key")
  "$A" "${args[@]}" >"$work/init$r.log" 2>&1 || fail "simpul-aggregator ${args[*]}: $(cat "$work/init$r.log")"
  sed -i -e "s/^listen = .*/listen = \"127.0.0.1:$port\"/" \
         -e "s/^allow_unknown_node_ids = .*/allow_unknown_node_ids = true/" \
         -e "s/^max_connections = .*/max_connections = $max_connections/" "$cfg"
  [ -n "$pool" ] && sed -i "s/^database_pool_size = .*/database_pool_size = $pool/" "$cfg"
  max_entries=$(sed -n 's/^max_entries = //p' "$cfg")
  [ -n "$max_entries" ] && [ "$batch" -gt "$max_entries" ] && sed -i "s/^max_entries = .*/max_entries = $batch/" "$cfg"
  grep -q "^listen = \"127.0.0.1:$port\"" "$cfg" && grep -q '^allow_unknown_node_ids = true' "$cfg" \
    || fail "could not set listen and allow_unknown_node_ids in $cfg"
  urls+=("http://127.0.0.1:$port")
done

log "enrolling $nodes nodes (seed $seed)"
"$B" load --enrol-file "$work/enrol.csv" --nodes "$nodes" --seed "$seed" 2>"$work/enrol.log" || fail "simpul-bench load --enrol-file: $(cat "$work/enrol.log")"
"$A" nodes add --config "$work/agg1.toml" --file "$work/enrol.csv" >"$work/nodes-add.log" 2>&1 \
  || fail "simpul-aggregator nodes add --file: $(tail -n 5 "$work/nodes-add.log")"

for r in $(seq 1 "$replicas"); do
  "$A" serve --config "$work/agg$r.toml" 2>"$work/agg$r.log" & pid=$!; pids+=("$pid")
  url=${urls[$((r - 1))]}
  for _ in $(seq 1 100); do curl -fsS "$url/healthz" >/dev/null 2>&1 && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  curl -fsS "$url/healthz" >/dev/null 2>&1 || fail "replica $r did not answer $url/healthz: $(tail -n 20 "$work/agg$r.log")"
  name=aggregator; [ "$replicas" -gt 1 ] && name+=$r
  watch+=(--watch-pid "$name=$pid")
  log "replica $r: pid $pid on $url"
done
[ -n "$postmaster" ] && watch+=(--watch-pid "postgres=$postmaster")

# --- the load -------------------------------------------------------------------------------------------------
aggregators=$(IFS=,; echo "${urls[*]}")
bench_args=(load --nodes "$nodes" --events "$events" --aggregators "$aggregators" --batch "$batch" --window "$window"
            --concurrency "$concurrency" --seed "$seed" --baseline "$baseline" "${watch[@]}")
[ "$json" = 1 ] && bench_args+=(--json)
log "simpul-bench ${bench_args[*]}"
# In the background and waited for, so that a SIGTERM to this script stops it at once (see the traps).
"$B" "${bench_args[@]}" >"$work/load.out" 2>"$work/load.err" & bench=$!; pids+=("$bench")
if [ -n "$kill_db_at" ]; then
  sleep "$kill_db_at"
  log "SIGKILL to the PostgreSQL postmaster (pid $postmaster) mid-load; starting it again in $db_down s"
  scripts/throwaway-postgres.sh kill "$pgdir"
  sleep "$db_down"
  SIMPUL_PG_STATS=1 scripts/throwaway-postgres.sh restart "$pgdir" >/dev/null || fail "PostgreSQL did not start again: $(tail -n 5 "$pgdir/server.log")"
  log "PostgreSQL is back (pid $(head -n 1 "$pgdir/data/postmaster.pid"))"
fi
rc=0; wait "$bench" || rc=$?; forget "$bench"
[ -s "$work/load.out" ] || fail "simpul-bench load exited $rc without figures: $(tail -n 20 "$work/load.err")"

# --- what the aggregator holds --------------------------------------------------------------------------------
held=$("$A" nodes list --json --config "$work/agg1.toml" 2>>"$work/nodes-add.log" \
  | python3 -c 'import json, sys; print(sum(n["head_seq"] for n in json.load(sys.stdin)))') || held="?"
expected=$(( nodes * events ))
for r in $(seq 1 "$replicas"); do
  kill -0 "${pids[$((r - 1))]}" 2>/dev/null || { echo "replica $r died during the load: $(tail -n 5 "$work/agg$r.log")" >&2; rc=1; }
done

cat "$work/load.out"
summary="backend $backend, $replicas replica(s); the aggregator holds $held entries in its nodes' heads (expected $expected)"
if [ "$json" = 1 ]; then echo "$summary" >&2; else echo "  $summary"; fi
[ "$held" = "$expected" ] || { echo "FAIL: the heads add up to $held entries, not $expected" >&2; rc=1; }
if [ -n "$database" ]; then
  # Counted in the database itself: every entry once (event_id is unique there too).
  stored=$(psql "$database" -Atc "SELECT count(*) || ' ' || count(DISTINCT event_id) FROM entries")
  if [ "$json" = 1 ]; then echo "  entries in PostgreSQL (rows, distinct events): $stored" >&2; else echo "  entries in PostgreSQL (rows, distinct events): $stored"; fi
  [ "$stored" = "$expected $expected" ] || { echo "FAIL: PostgreSQL holds $stored entries, not $expected once each" >&2; rc=1; }
  # How the tables were read during the load: a sequential scan of a growing table per push makes ingest quadratic.
  echo "  table reads in PostgreSQL (table: sequential scans, rows they read, index scans):" >&2
  psql "$database" -Atc "SELECT '    ' || relname || ': ' || seq_scan || ', ' || seq_tup_read || ', ' || coalesce(idx_scan, 0)
    FROM pg_stat_user_tables ORDER BY seq_tup_read DESC LIMIT 6" >&2
  echo "  statements by time in PostgreSQL (the load's and the baseline's):" >&2
  psql "$database" -qc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >&2
  psql "$database" -Atc "SELECT '    ' || round(total_exec_time::numeric) || ' ms in ' || calls || ' calls: '
    || left(regexp_replace(query, '\s+', ' ', 'g'), 100) FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 10" >&2
fi
[ "$rc" = 0 ] || echo "FAIL: see $work (kept)" >&2
[ "$rc" = 0 ] || keep=1
exit "$rc"
