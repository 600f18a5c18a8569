#!/usr/bin/env bash
# Whether a symbol-ordering file still describes a binary: lld ignores the names it does not find, so a list gone
# stale (after a toolchain, dependency or code change) would silently cost the idle daemon memory. Fails when
# fewer than half of the listed names are functions the binary defines.
#   scripts/lib/check-order-file.sh BINARY ORDER_FILE
set -euo pipefail
binary=${1:?usage: check-order-file.sh BINARY ORDER_FILE} order=${2:?usage: check-order-file.sh BINARY ORDER_FILE}
listed=$(grep -c . "$order" || true)
[ "$listed" -gt 0 ] || { echo "check-order-file: $order lists no functions" >&2; exit 1; }
found=$(nm --defined-only "$binary" | awk '$2 ~ /^[tTwW]$/ {print $3}' | sort -u | comm -12 - <(sort -u "$order") | wc -l)
echo "check-order-file: $found of the $listed functions in $order are in $binary" >&2
if [ $((found * 2)) -lt "$listed" ]; then
    echo "check-order-file: $order is stale (only $found of its $listed names are functions of $binary), so the" \
        "idle daemon would use more memory than measured. Regenerate it from this build and commit it:" \
        "apt-get install valgrind; scripts/generate-daemon-order.sh $(dirname "$binary") (then build again)" >&2
    exit 1
fi
