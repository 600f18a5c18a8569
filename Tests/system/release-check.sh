#!/usr/bin/env bash
# The shipped build (scripts/build-release.sh: what the Debian packages and scripts/install.sh ship): release, Swift
# runtime linked statically, linked with lld, packed relocations and the daemon's function order. Checks that it
# links as intended and runs: init, record, status and log verify. A broken link shows here, not on an office PC.
# Usage: Tests/system/release-check.sh [BIN_DIR]   (default: builds with scripts/build-release.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
fail() { echo "release-check: $*" >&2; exit 1; }

bin=${1:-$(scripts/build-release.sh | tail -n 1)}
work=$(mktemp -d /tmp/simpul-release-check.XXXXXX)
trap 'rm -rf "$work"' EXIT

if ldd "$bin/simpul" "$bin/simpul-aggregator" | grep -q libswiftCore; then fail "the Swift runtime is linked dynamically"; fi
# The tuned link: the programs' own symbols not exported (a few hundred dynamic symbols, not tens of thousands);
# relative relocations packed where the C library reads them (glibc 2.36+).
dynsyms=$(readelf --dyn-syms -W "$bin/simpul" | wc -l)
[ "$dynsyms" -lt 5000 ] || fail "simpul exports $dynsyms dynamic symbols (built without --no-export-dynamic?)"
glibc=$(getconf GNU_LIBC_VERSION | awk '{print $2}')
if printf '2.36\n%s\n' "$glibc" | sort -V -C && ! readelf -d "$bin/simpul" | grep -q '(RELR)'; then
    fail "simpul has no packed relative relocations (DT_RELR) on glibc $glibc"
fi
"$bin/simpul-aggregator" --version >/dev/null || fail "simpul-aggregator --version failed"
# The staleness check the build runs: passes for the committed list, fails (and says what to run) for a list of
# names this binary does not have.
scripts/lib/check-order-file.sh "$bin/simpul" scripts/simpul-daemon.order 2>/dev/null \
    || fail "scripts/simpul-daemon.order is stale for this build (scripts/lib/check-order-file.sh)"
printf '$s6SimpulGone%dVfunc\n' $(seq 1 200) >"$work/stale.order"
head -n 50 scripts/simpul-daemon.order >>"$work/stale.order"
if out=$(scripts/lib/check-order-file.sh "$bin/simpul" "$work/stale.order" 2>&1); then
    fail "a stale function-order list (50 of 250 names found) passed the check: $out"
fi
grep -q 'generate-daemon-order.sh' <<<"$out" || fail "the stale-list failure does not say what to run: $out"
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
