#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers hostile input meets first, with libFuzzer from swiftc. One binary, built
# from Tests/fuzz/*.swift and the SimpulCore sources it needs (Fuzzer.swift says what each target covers), fuzzes
# three targets in turn, each from its committed corpus (Tests/fuzz/corpus/TARGET, grown in a temporary copy):
#   entry  the JSON parser, the log-entry decoder, event input and line splitting
#   push   the aggregator's bounded gzip inflation and push body parser, and the entries' decoding and chain
#   feed   the node's feed page decoding and checks, and the other answers it reads
# SECONDS (default 60) is split evenly between them. Each target's executions are printed; any crash fails the run
# and its input is kept in Tests/fuzz/crashes/TARGET-crash-... (not committed) to become a regression test.
# Replay a kept input (its target is the file name's prefix), with the stack of the crash:
#   SIMPUL_FUZZ_REPLAY=Tests/fuzz/crashes/push-crash-... Tests/fuzz/run.sh
# Longer runs: Tests/fuzz/run.sh 3600. Rewrite the push and feed seeds (Seeds.swift) after a wire change:
#   SIMPUL_FUZZ_SEEDS=Tests/fuzz/corpus Tests/fuzz/run.sh
#   Tests/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
seconds=${1:-60}
targets=(entry push feed)
per_target=$(( seconds / ${#targets[@]} ))
(( per_target >= 1 )) || per_target=1
work=$(mktemp -d /tmp/simpul-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
# Every SimpulCore file but those that need more of the package's dependencies than the stand-in Crypto offers
# (TOMLKit; HMAC for the pseudonymizer and the event builder that uses it), so a file a parser starts using is in.
sources=(Tests/fuzz/Fuzzer.swift Tests/fuzz/EntryFuzzer.swift Tests/fuzz/PushFuzzer.swift Tests/fuzz/FeedFuzzer.swift Tests/fuzz/Seeds.swift)
while IFS= read -r file; do sources+=("$file"); done < <(find Sources/SimpulCore -name '*.swift' \
  ! -path Sources/SimpulCore/Config/Settings.swift ! -path Sources/SimpulCore/Event/Pseudonymizer.swift \
  ! -path Sources/SimpulCore/Event/EventBuilder.swift | sort)
# The package's language mode and upcoming features, warnings as errors, as in CI.
swift_flags=(-parse-as-library -O -wmo -swift-version 6 -enable-upcoming-feature ExistentialAny -warnings-as-errors)
echo "== building the fuzzer (swiftc -sanitize=fuzzer,address) =="
mkdir -p "$work/modules"
# Crypto is the stand-in in CryptoStub.swift (swift-crypto needs BoringSSL); zlib is the system one, as in the package.
swiftc "${swift_flags[@]}" -module-name Crypto -emit-module -emit-module-path "$work/modules/Crypto.swiftmodule" \
  -emit-library -static Tests/fuzz/CryptoStub.swift -o "$work/libCrypto.a" >"$work/build.log" 2>&1 \
  && swiftc "${swift_flags[@]}" -sanitize=fuzzer,address -module-name SimpulFuzz -I "$work/modules" -I Sources/CZlib \
    "${sources[@]}" -L "$work" -lCrypto -lz -o "$work/fuzzer" >>"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; echo "FAIL: the fuzzer did not build" >&2; exit 1; }
if [ -n "${SIMPUL_FUZZ_SEEDS:-}" ]; then
  ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no "$work/fuzzer" && echo "seeds written to $SIMPUL_FUZZ_SEEDS/push and $SIMPUL_FUZZ_SEEDS/feed"
  exit
fi
if [ -n "${SIMPUL_FUZZ_REPLAY:-}" ]; then
  target=$(basename "$SIMPUL_FUZZ_REPLAY"); target=${target%%-*}
  SIMPUL_FUZZ_TARGET=$target SWIFT_BACKTRACE=enable=no "$work/fuzzer" "$SIMPUL_FUZZ_REPLAY"
  exit
fi
mkdir -p Tests/fuzz/crashes
failed=()
for target in "${targets[@]}"; do
  mkdir -p "$work/corpus/$target"
  cp Tests/fuzz/corpus/"$target"/* "$work/corpus/$target/"
  echo "== $target: fuzzing for ${per_target}s from $(ls Tests/fuzz/corpus/"$target" | wc -l) corpus inputs =="
  status=0
  # libFuzzer reports a crash itself: the Swift runtime's backtracer would only delay it (or hang, orphaned).
  SIMPUL_FUZZ_TARGET=$target SWIFT_BACKTRACE=enable=no "$work/fuzzer" -max_total_time="$per_target" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
    -artifact_prefix="Tests/fuzz/crashes/$target-" -print_final_stats=1 "$work/corpus/$target" 2>"$work/$target.log" || status=$?
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|Done [0-9]+ runs" "$work/$target.log" | sed "s/^/$target: /" || true
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$work/$target.log" >&2
    echo "FAIL: the $target fuzzer found a crash (input kept in Tests/fuzz/crashes/)" >&2
    failed+=("$target")
  fi
done
if [ "${#failed[@]}" -ne 0 ]; then
  echo "FAIL: crashes in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no crash"
