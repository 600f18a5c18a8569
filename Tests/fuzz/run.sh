#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers hostile input meets first (JSON, log entries, event input, line
# splitting) with libFuzzer from swiftc. Builds Tests/fuzz/EntryFuzzer.swift with the SimpulCore sources it needs,
# runs it from the committed corpus (Tests/fuzz/corpus, grown in a temporary copy) for SECONDS (default 60), and
# fails on any crash; a crash's input is copied to Tests/fuzz/crashes/ (not committed) to become a regression test.
# Longer runs: Tests/fuzz/run.sh 3600 (about 23,000 executions a second on this machine).
#   Tests/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
seconds=${1:-60}
work=$(mktemp -d /tmp/simpul-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
core=Sources/SimpulCore
sources=(
  Tests/fuzz/EntryFuzzer.swift
  $core/Support/JSONParser.swift $core/Support/JSONValue.swift $core/Support/CanonicalJSON.swift $core/Support/Lines.swift
  $core/Support/Hex.swift $core/Support/RFC3339.swift $core/Wire/ProtocolVersion.swift
  $core/Event/Event.swift $core/Event/Event+JSON.swift $core/Event/EventKind.swift $core/Event/EventInput.swift $core/Event/Event+Case.swift
  $core/Event/ValidationError.swift $core/Event/EventLimits.swift
  $core/Log/LogEntry.swift $core/Log/HybridLogicalClock.swift
  $core/Event/EventRules.swift $core/Reference/ServiceCatalogue.swift $core/Reference/Wilayah.swift $core/Reference/NodeID.swift
  $core/Generated/EmbeddedCatalogue.swift $core/Generated/EmbeddedKecamatan.swift $core/Generated/EmbeddedDesa.swift
)
echo "== building the fuzzer (swiftc -sanitize=fuzzer,address) =="
swiftc -parse-as-library -O -sanitize=fuzzer,address -module-name SimpulFuzz "${sources[@]}" -o "$work/entry-fuzzer" \
  >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; echo "FAIL: the fuzzer did not build" >&2; exit 1; }
mkdir -p "$work/corpus" Tests/fuzz/crashes
cp Tests/fuzz/corpus/* "$work/corpus/"
echo "== fuzzing for ${seconds}s from $(ls Tests/fuzz/corpus | wc -l) corpus inputs =="
status=0
"$work/entry-fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
  -artifact_prefix="Tests/fuzz/crashes/" -print_final_stats=1 "$work/corpus" 2>"$work/fuzz.log" || status=$?
grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|Done [0-9]+ runs" "$work/fuzz.log" || true
if [ "$status" -ne 0 ]; then
  tail -n 40 "$work/fuzz.log" >&2
  echo "FAIL: the fuzzer found a crash (input kept in Tests/fuzz/crashes/)" >&2
  exit 1
fi
echo "fuzz: no crash"
