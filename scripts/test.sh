#!/usr/bin/env bash
# The test command: builds everything, runs the Swift test suites (unit, store, aggregator in-process, live
# end-to-end with the real binaries and SIGKILL faults), the static unit-file checks, a smoke test of the shipped
# static release build, the Debian packages (built, lintian, installed, upgraded and removed on a clean Debian 12
# in systemd-nspawn), and the system test that boots a real systemd in systemd-nspawn. Needs root for the system
# tests (as CI runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-system.sh --test
echo "== build =="
swift build --build-tests
echo "== swift test =="
# Each test run under a time limit: a hang fails at once, saying which tests and where (scripts/lib/test-watchdog.sh).
scripts/lib/test-watchdog.sh 1200 swift test --skip-build
echo "== the aggregator suite again, on PostgreSQL (a throwaway cluster on 127.0.0.1) =="
bash Tests/postgres/run.sh
echo "== schemathesis: docs/openapi.yaml against a live aggregator =="
bash Tests/schemathesis/run.sh "$(swift build --show-bin-path)"
echo "== the dashboard in headless Chromium (DOM checks; no request leaves the aggregator) =="
bash Tests/browser/run.sh "$(swift build --show-bin-path)"
echo "== systemd unit checks =="
bash Tests/system/unit-check.sh
echo "== secret files are 0600 from the first byte (strace) =="
bash Tests/system/secret-files-check.sh "$(swift build --show-bin-path)"
echo "== fuzzing the parsers of hostile input (libFuzzer, 60 s) =="
bash Tests/fuzz/run.sh 60
echo "== the shipped build (static release, tuned link, the daemon's function order checked) links and runs =="
release_bin=$(scripts/build-release.sh --with-manual-tool --out .build-release/ship | tail -n 1)
bash Tests/system/release-check.sh "$release_bin"
echo "== the Debian packages: built with debhelper, lintian-clean, installed on a clean Debian 12, upgraded, removed =="
rm -rf .build-release/debs .build-release/debs-newer
scripts/package.sh --bin "$release_bin" --out .build-release/debs >/dev/null
scripts/package.sh --bin "$release_bin" --rebuild 2 --no-lintian --fast --out .build-release/debs-newer >/dev/null
bash Tests/system/deb-test.sh .build-release/debs .build-release/debs-newer
echo "== systemd-nspawn system test =="
SIMPUL_BIN_DIR="$(swift build --show-bin-path)" bash Tests/system/nspawn-test.sh
