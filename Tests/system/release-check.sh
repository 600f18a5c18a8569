#!/usr/bin/env bash
# The install build (what scripts/install.sh builds): release, Swift runtime linked statically, and `simpul`
# linked as Package.swift says (lld, packed relocations, the daemon's function order). Checks that it links and
# runs: init, record, status and log verify. A broken link shows here, not first on an office PC.
# Usage: Tests/system/release-check.sh   (builds into the package's .build/release)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
fail() { echo "release-check: $*" >&2; exit 1; }

swift build -c release --static-swift-stdlib --product simpul
bin=$(swift build -c release --static-swift-stdlib --show-bin-path)
work=$(mktemp -d /tmp/simpul-release-check.XXXXXX)
trap 'rm -rf "$work"' EXIT

if ldd "$bin/simpul" | grep -q libswiftCore; then fail "the Swift runtime is linked dynamically"; fi
"$bin/simpul" --help >/dev/null || fail "simpul --help failed"
"$bin/simpul" init --node-id 35.07.01 --aggregator http://127.0.0.1:9 --data-dir "$work/node" --config "$work/node.toml" \
    >/dev/null 2>&1 || fail "simpul init failed"
"$bin/simpul" record --kind request.received --service ADM.AKTA_LAHIR --desa 35.07.01.2001 --officer op1 \
    --config "$work/node.toml" >/dev/null || fail "simpul record failed"
if "$bin/simpul" record --kind request.received --service ADM.AKTA_LAHIR --desa 99.99.99.9999 \
    --config "$work/node.toml" >/dev/null 2>&1; then fail "a record with an unknown desa was accepted"; fi
status=$("$bin/simpul" status --json --config "$work/node.toml" 2>&1) || fail "simpul status failed: $status"
grep -Eq '"backlog" *: *1\b' <<<"$status" || fail "simpul status does not show the one event: $status"
"$bin/simpul" log verify --config "$work/node.toml" >/dev/null || fail "simpul log verify failed"
echo "release-check: the static release build links and runs"
