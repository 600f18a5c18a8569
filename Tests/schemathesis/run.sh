#!/usr/bin/env bash
# Schema-based API testing: schemathesis (PyPI, 4.x) against a live `simpul-aggregator serve`, generated from
# docs/openapi.yaml. Fails on any 5xx, and on any answer whose status, content type, headers or body the document
# does not describe.
#
#   Tests/schemathesis/run.sh [BIN_DIR]       BIN_DIR holds simpul-aggregator (default: $SIMPUL_BIN_DIR, else
#                                             .build/debug); the binary is copied before use.
#   SIMPUL_ST_EXAMPLES=N                      most cases per operation in the fuzzing phase (default 300)
#   SIMPUL_ST_SEED=N                          the seed (default fixed, so two runs send the same requests)
#   SIMPUL_ST_ARGS="..."                      more `st run` options (e.g. --max-failures 1)
#   SIMPUL_ST_KEEP=1                          keep the temporary directory (server log, reports) for a look
#
# It makes a venv in a temporary directory and installs schemathesis there, initialises an aggregator in a
# temporary data directory on a free loopback port, enrols three test nodes whose keys Tests/schemathesis/hooks.py
# derives (one revoked), starts the server, waits for /healthz, runs `st run` with the hooks (an NDJSON serializer
# for the push body, and real signatures on most positive cases), then stops that server by its PID and removes
# everything. Network: 127.0.0.1 only, and the package index for the install.
set -euo pipefail
caller=$PWD
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo=$PWD
bin_dir=${1:-${SIMPUL_BIN_DIR:-.build/debug}}
if [[ "$bin_dir" != /* && ! -d "$bin_dir" && -d "$caller/$bin_dir" ]]; then bin_dir="$caller/$bin_dir"; fi
examples=${SIMPUL_ST_EXAMPLES:-300}
seed=${SIMPUL_ST_SEED:-20261202}
schemathesis_version=4.32.5
cryptography_version=50.0.2
prometheus_client_version=0.21.1
started=$(date +%s)

[ -x "$bin_dir/simpul-aggregator" ] || { echo "FAIL: no simpul-aggregator in $bin_dir" >&2; exit 1; }
work=$(mktemp -d /tmp/simpul-schemathesis.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "${SIMPUL_ST_KEEP:-}" ]; then echo "schemathesis: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

cp "$bin_dir/simpul-aggregator" "$work/simpul-aggregator"
agg="$work/simpul-aggregator"

echo "== schemathesis: installing schemathesis $schemathesis_version in a temporary venv =="
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check \
  "schemathesis==$schemathesis_version" "cryptography==$cryptography_version" "prometheus-client==$prometheus_client_version" \
  >"$work/pip.log" 2>&1 \
  || { cat "$work/pip.log" >&2; echo "FAIL: pip could not install schemathesis" >&2; exit 1; }
py="$work/venv/bin/python"

# A free loopback port (the kernel's choice; released just before the server binds it).
port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
config="$work/aggregator.toml"

"$agg" init --config "$config" --data-dir "$work/data" --listen "127.0.0.1:$port" --allow-unknown-node-ids >"$work/init.log"
: >"$work/nodes.csv"
for node in 35.07.01 DISDUKCAPIL.35.07 35.07.02; do
  echo "$node,$("$py" Tests/schemathesis/hooks.py pubkey "$node")" >>"$work/nodes.csv"
done
"$agg" nodes add --config "$config" --file "$work/nodes.csv" >/dev/null
"$agg" nodes revoke --config "$config" 35.07.02 >/dev/null

"$agg" serve --config "$config" --log-level notice >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  if curl -fsS --max-time 2 "$base/healthz" >/dev/null 2>&1; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; echo "FAIL: the aggregator did not start" >&2; exit 1; }
  sleep 0.1
done
curl -fsS --max-time 2 "$base/healthz" >/dev/null || { cat "$work/serve.log" >&2; echo "FAIL: no /healthz" >&2; exit 1; }

# Values schemathesis would take from the server's answers (timestamps, signatures) would make each run send
# other requests: leave them out, so one seed gives one run.
cat >"$work/schemathesis.toml" <<'TOML'
[phases.examples.extra-data-sources]
responses = false
[phases.coverage.extra-data-sources]
responses = false
[phases.fuzzing.extra-data-sources]
responses = false
[phases.fuzzing.error-feedback]
enabled = false
TOML

echo "== schemathesis: st run docs/openapi.yaml against $base (seed $seed, $examples examples per operation) =="
status=0
# Checks: all of schemathesis' checks (no 5xx; status code, content type, headers and body as documented; 405
# with a true Allow for other methods; 4xx when a required header is missing), except two that do not apply here:
# negative_data_rejection and positive_data_acceptance judge an answer by whether the generated data fits the
# schema, but the hooks replace most generated data (real signatures, real push batches), and whether a push body
# (a `string` in the document) is acceptable NDJSON is not something a JSON Schema can say. Hypothesis' too_slow
# health check is off: it times data generation on this loaded 2-core machine, not the server.
(
  cd "$work"  # schemathesis writes nothing into the repository
  PYTHONDONTWRITEBYTECODE=1 SCHEMATHESIS_HOOKS="$repo/Tests/schemathesis/hooks.py" SIMPUL_ST_BASE_URL="$base" \
    SIMPUL_ST_TALLY="$work/tally.json" \
    "$work/venv/bin/st" --config-file "$work/schemathesis.toml" run "$repo/docs/openapi.yaml" \
      --url "$base" \
      --checks all --exclude-checks negative_data_rejection,positive_data_acceptance \
      --workers 1 --seed "$seed" --max-examples "$examples" --generation-database none \
      --suppress-health-check too_slow --request-timeout 30 --no-color \
      --report junit,ndjson --report-dir "$work/report" ${SIMPUL_ST_ARGS:-}
) >"$work/st.log" 2>&1 || status=$?
cat "$work/st.log"

# /metrics after all those requests, read by the Prometheus project's own Python client parser.
echo "== /metrics through prometheus_client's text parser =="
curl -fsS --max-time 10 "$base/metrics" >"$work/metrics.txt" || status=1
"$py" - "$work/metrics.txt" <<'PY' || status=1
import sys
from prometheus_client.parser import text_string_to_metric_families
families = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read())}
def need(ok, what):
    if not ok:
        print(f"FAIL: /metrics: {what}; families: {sorted(families)}", file=sys.stderr)
        sys.exit(1)
for name, kind in [("simpul_pushes", "counter"), ("simpul_push_duration_seconds", "histogram"), ("simpul_build_info", "gauge"),
                   ("simpul_nodes", "gauge"), ("simpul_node_quarantined_entries", "gauge"), ("simpul_entries_stored", "counter")]:
    need(name in families and families[name].type == kind, f"{name} as a {kind}")
pushes = sum(s.value for s in families["simpul_pushes"].samples if s.name == "simpul_pushes_total")
count = [s.value for s in families["simpul_push_duration_seconds"].samples if s.name.endswith("_count")]
need(pushes > 0 and count == [pushes], f"the latency histogram counts every push ({count} vs {pushes})")
buckets = [s for s in families["simpul_push_duration_seconds"].samples if s.name.endswith("_bucket")]
need(any(s.labels.get("le") == "+Inf" and s.value == pushes for s in buckets), "a +Inf bucket holding every push")
need(sum(s.value for s in families["simpul_nodes"].samples) == 3, "three enrolled nodes by state")
need([s.value for s in families["simpul_build_info"].samples] == [1.0], "build info")
print(f"ok: {len(families)} metric families; {int(pushes)} pushes in the latency histogram")
PY

alive=yes
kill -0 "$server_pid" 2>/dev/null || alive=no
if grep -q "request failed" "$work/serve.log"; then
  echo "-- the aggregator logged internal errors:" >&2
  grep "request failed" "$work/serve.log" | head -20 >&2
fi

# The summary: operations and failures from the JUnit report, cases from schemathesis' own count, and what the
# server answered per operation (tallied by the hooks).
(
"$py" - "$work/report" "$work/st.log" "$work/tally.json" <<'PY'
import glob, json, os, re, sys, xml.etree.ElementTree as ET
report_dir, log, tally_path = sys.argv[1:4]
operations = failures = errors = 0
for path in glob.glob(f"{report_dir}/*.xml"):
    for suite in ET.parse(path).getroot().iter("testsuite"):
        operations += int(suite.get("tests", 0))
        failures += int(suite.get("failures", 0))
        errors += int(suite.get("errors", 0))
text = open(log, encoding="utf-8", errors="replace").read()
match = re.search(r"Test cases:\s*\n\s*([^\n]+)", text)
cases = match.group(1).strip() if match else "(no count)"
if os.path.exists(tally_path):
    tally = json.load(open(tally_path))
    print(f"answers per operation ({tally['signed']} requests signed by the hooks, {tally['signed_pushes']} of them "
          f"pushes; the test node's head ended at seq {tally['office_head']}, forks {tally['forks']}; "
          f"entry items in feed pages {tally['feed_entry_items']}, entries in log pages {tally['log_entries']}):")
    for operation, answers in sorted(tally["answers"].items()):
        spread = ", ".join(f"{key} x{count}" for key, count in sorted(answers.items()))
        print(f"  {operation}: {sum(answers.values())} requests: {spread}")
print(f"schemathesis summary: {operations} operations tested; cases: {cases}; "
      f"failing operations: {failures}, erroring: {errors}")
PY
) || true
# The signed requests must reach the server's success paths, or the run checked little beyond the signature: a
# route with no 200 means the hooks no longer sign as the aggregator expects (or the aggregator refuses a valid node).
unsigned=$("$py" - "$work/tally.json" <<'PY' || echo "(no tally)"
import json, sys
try:
    answers = json.load(open(sys.argv[1]))["answers"]
except (OSError, ValueError, KeyError):
    print("(no tally)")
    sys.exit()
routes = ["GET /v1/nodes/{node}/head", "POST /v1/nodes/{node}/push", "GET /v1/nodes/{node}/feed",
          "GET /v1/nodes/{node}/log", "POST /v1/nodes/{node}/recover"]
print(" ".join(r.replace(" ", "_") for r in routes if not answers.get(r, {}).get("200")))
PY
)
echo "schemathesis: wall time $(( $(date +%s) - started )) s"

if [ "$alive" = no ]; then
  tail -n 40 "$work/serve.log" >&2
  echo "FAIL: the aggregator died during the run" >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "FAIL: schemathesis reported failures (exit $status); see above" >&2
  exit 1
fi
if [ -n "$unsigned" ]; then
  echo "FAIL: no signed request got a 200 on: $unsigned (see Tests/schemathesis/hooks.py)" >&2
  exit 1
fi
echo "schemathesis: no failure"
