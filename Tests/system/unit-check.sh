#!/usr/bin/env bash
# Static checks of the systemd units (fast, no boot, no root needed):
#   - `systemd-analyze verify --man=no` prints nothing on stderr. It exits 0 for some problems it still
#     reports (unknown keys, bad values it ignores), so any output fails, except "is not executable" for the
#     unit's own binary when it is not installed on this machine.
#   - `systemd-analyze security --offline=yes --threshold=15` scores each unit at 1.5 or below.
# Usage: Tests/system/unit-check.sh [UNIT_FILE...]   (default: systemd/*.service of this repo)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly REPO
readonly THRESHOLD=15 # tenths: 1.5

command -v systemd-analyze >/dev/null || { echo "unit-check: systemd-analyze is not installed" >&2; exit 2; }

units=("$@")
if ((${#units[@]} == 0)); then
    units=("$REPO"/systemd/*.service)
fi

passed=0
failed=0
ok() { passed=$((passed + 1)); printf 'ok   - %s\n' "$1"; }
not_ok() {
    failed=$((failed + 1))
    printf 'FAIL - %s\n' "$1" >&2
    [[ -z ${2:-} ]] || printf '%s\n' "$2" | sed 's/^/       /' >&2
}

for unit in "${units[@]}"; do
    name=$(basename "$unit")
    [[ -f $unit ]] || { not_ok "$name: no such unit file"; continue; }

    # verify: the only tolerated line is the missing binary of this unit's own ExecStart.
    err=$(systemd-analyze verify --man=no "$unit" 2>&1 >/dev/null) || true
    unexpected=$(printf '%s\n' "$err" \
        | grep -Ev "^$name: Command /usr/local/bin/simpul(-aggregator)? is not executable: No such file or directory$" \
        | grep -v '^$') || true
    if [[ -n $unexpected ]]; then
        not_ok "$name: systemd-analyze verify --man=no is silent" "$unexpected"
    else
        ok "$name: systemd-analyze verify --man=no is silent${err:+ (binary not installed here)}"
    fi

    # security: exit status enforces the threshold; stderr must be empty too.
    errfile=$(mktemp)
    status=0
    out=$(systemd-analyze security --offline=yes --threshold="$THRESHOLD" --no-pager "$unit" 2>"$errfile") || status=$?
    err=$(<"$errfile")
    rm -f "$errfile"
    score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    if ((status != 0)) || [[ -n $err || -z $score ]]; then
        not_ok "$name: systemd-analyze security --offline=yes scores <= 1.5 (got ${score:-no score}, exit $status)" \
            "$(printf '%s\n' "$err" "$out" | grep -Ev '^$|^  |✓|NAME' || true)"
    else
        ok "$name: systemd-analyze security --offline=yes: $score (limit 1.5)"
    fi

    # No core dumps of a process that holds keys (and NIKs) in memory.
    if grep -qx 'LimitCORE=0' "$unit"; then
        ok "$name: LimitCORE=0 (no core dumps)"
    else
        not_ok "$name: LimitCORE=0 (no core dumps)" "the unit lets the service dump core"
    fi
done

echo "unit-check: $passed passed, $failed failed"
((failed == 0))
