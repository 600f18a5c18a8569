#!/usr/bin/env bash
# The Debian packages on a clean Debian 12 (issue 13), checked against a real systemd in systemd-nspawn.
#
# Boots a debootstrapped Debian 12 root that has systemd and nothing of Simpul's (no libcurl, no SQLite, no Swift
# toolchain), binds the built packages in read-only, and checks the life cycle an administrator goes through:
#   - `apt install ./simpul_V.deb ./simpul-aggregator_V.deb` pulls the shared libraries they depend on;
#   - the units are enabled but wait for `init` (start condition unmet, said by `systemctl status`); man pages
#     and completions are installed; the binaries need no Swift runtime;
#   - `simpul-aggregator init` and `simpul init` (as root), `systemctl start` of both, events recorded through the
#     CLI, `simpul sync now` through the daemon: the aggregator holds each exactly once;
#   - installing a newer build of both packages over them restarts both services, and the data and the chain
#     are intact (`simpul log verify`, `simpul-aggregator verify`, the same events, a further sync works);
#   - `apt remove` stops the services and leaves the data and the config in place; `apt purge` removes the
#     config, keeps the signed log, and says so.
#
#   Tests/system/deb-test.sh OLD_DEB_DIR NEW_DEB_DIR
# Each directory holds simpul_*.deb and simpul-aggregator_*.deb (scripts/package.sh; NEW with a higher version).
# Run as root. Needs systemd-container, debootstrap and python3 on the host; the first run builds a minimal
# Debian rootfs (about a minute) and caches it. apt inside the container fetches the dependencies from the
# host's Debian mirror. SIMPUL_KEEP=1 keeps the work directory.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly REPO
readonly CACHE=${SIMPUL_TEST_CACHE:-/var/cache/simpul-test}
readonly SUITE=bookworm
readonly ROOTFS=$CACHE/rootfs-$SUITE-clean
readonly ROOTFS_PACKAGES=systemd,systemd-sysv,dbus
readonly ROOTFS_MARKER=$ROOTFS/.simpul-rootfs-complete
readonly ROOTFS_RECIPE="suite=$SUITE variant=minbase include=$ROOTFS_PACKAGES"
readonly CT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
readonly CONTAINER_LIFETIME=900
readonly MACHINE=simpul-deb-$$
readonly NODE_ID=35.07.01

PASSED=0
FAILED=0
WORK=""
NSPAWN_PID=""
CT_PID=""
AGG_PORT=""
RECORDED=()

readonly TEST_NAME=deb-test

# shellcheck source=lib/container.sh
. "$REPO/Tests/system/lib/container.sh"

cleanup() {
    local status=$?
    set +e
    if [[ -n $CT_PID && -n $WORK ]] && kill -0 "$CT_PID" 2>/dev/null; then
        ct journalctl --no-pager -o short-precise >"$WORK/journal.log" 2>&1
    fi
    stop_container
    if ((FAILED > 0 || status != 0)); then
        ((FAILED > 0)) || FAILED=1
        if [[ -n $WORK && -f $WORK/journal.log ]]; then
            echo "--- the container's journal, simpul lines (last 30; all in $WORK) ---" >&2
            grep -i simpul "$WORK/journal.log" | tail -n 30 >&2
        fi
        [[ -n $WORK ]] && echo "deb-test: logs kept in $WORK" >&2
        echo "deb-test: $PASSED passed, $FAILED failed"
        exit 1
    fi
    if [[ ${SIMPUL_KEEP:-0} == 1 ]]; then echo "deb-test: logs kept in $WORK"; elif [[ -n $WORK ]]; then rm -rf "$WORK"; fi
    echo "deb-test: $PASSED passed, 0 failed"
}

boot_container() { start_container --bind-ro="$OLD_DIR:/debs/old" --bind-ro="$NEW_DIR:/debs/new"; }

prop() { ct systemctl show -P "$2" "$1.service"; }
node() { ct timeout 60 simpul "$@" --config /etc/simpul/node.toml; }
aggregator() { ct timeout 120 simpul-aggregator "$@" --config /etc/simpul/aggregator.toml; }
deb() { ls "$1"/"$2"_*.deb 2>/dev/null | head -n 1; }

# Every recorded id stored on the aggregator exactly once, and nothing else.
check_aggregator_holds_recorded() {
    local out
    out=$(aggregator events --node "$NODE_ID" --json 2>&1) || { echo "simpul-aggregator events failed: $out"; return 1; }
    printf '%s' "$out" >"$WORK/events.json"
    python3 - "$WORK/events.json" "${RECORDED[@]}" 2>&1 <<'PY'
import collections, json, sys
events = json.load(open(sys.argv[1]))
events = events if isinstance(events, list) else events.get("events", [])
got = collections.Counter((e.get("event") or e).get("id") for e in events)
want = sys.argv[2:]
problems = []
missing = [i for i in want if got[i] == 0]
if missing: problems.append(f"missing {' '.join(missing)}")
twice = [i for i, n in got.items() if n > 1]
if twice: problems.append(f"stored more than once: {' '.join(twice)}")
extra = [i for i in got if i not in set(want)]
if extra: problems.append(f"not recorded here: {' '.join(map(str, extra))}")
if problems: sys.exit(f"{len(events)} events stored, {len(want)} recorded: " + "; ".join(problems))
PY
}

record() { # record N
    local i out
    for ((i = 0; i < $1; i++)); do
        out=$(node record --kind request.received --service ADM.KTPEL --desa 35.07.01.2001 2>&1) \
            || fail "simpul record" "$out"
        RECORDED+=("$(printf '%s\n' "$out" | tail -n 1)")
    done
}

# ---------------------------------------------------------------------------------------------------------

check_install() {
    ct env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$WORK/apt-update.log" 2>&1 \
        || die "apt-get update in the container" "$(tail -n 5 "$WORK/apt-update.log")"
    local old_node old_agg
    old_node=$(basename "$(deb "$OLD_DIR" simpul)")
    old_agg=$(basename "$(deb "$OLD_DIR" simpul-aggregator)")
    if ct dpkg -s libcurl4 >/dev/null 2>&1 || ct dpkg -s libsqlite3-0 >/dev/null 2>&1; then
        die "the root is not clean: libcurl4 or libsqlite3-0 is installed before the packages"
    fi
    ct env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "/debs/old/$old_node" "/debs/old/$old_agg" \
        >"$WORK/apt-install.log" 2>&1 || fail "apt install ./$old_node ./$old_agg" "$(tail -n 20 "$WORK/apt-install.log")"
    local missing=()
    for pkg in simpul simpul-aggregator libcurl4 libsqlite3-0; do
        ct dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    ((${#missing[@]} == 0)) || fail "apt install pulls the dependencies" "not installed: ${missing[*]}"
    pass "apt install ./$old_node ./$old_agg on a clean Debian 12 (libcurl4 and libsqlite3-0 came as dependencies)"

    local out
    out=$(ct sh -c 'ldd /usr/bin/simpul /usr/bin/simpul-aggregator; ls -d /usr/lib/swift /opt/swift 2>&1; command -v swift swiftc' 2>&1) || true
    if grep -Eq 'libswift|not found' <<<"$out" || ! grep -q 'No such file' <<<"$out"; then
        fail "no Swift runtime or toolchain needed" "$out"
    fi
    local files=(/usr/share/man/man1/simpul.1.gz /usr/share/man/man1/simpul-record.1.gz /usr/share/man/id/man1/simpul-record.1.gz
        /usr/share/man/man8/simpul-aggregator.8.gz /usr/share/man/id/man8/simpul-aggregator-nodes-add.8.gz
        /usr/share/man/man8/simpul-aggregator-nodes-add.8.gz /usr/share/bash-completion/completions/simpul
        /usr/share/bash-completion/completions/simpul-aggregator /usr/share/zsh/vendor-completions/_simpul
        /usr/share/doc/simpul/operations.md.gz /usr/share/doc/simpul/examples/node.example.toml /lib/systemd/system/simpul.service)
    for f in "${files[@]}"; do ct test -f "$f" || fail "installed: $f" "$(ct dpkg -L simpul simpul-aggregator 2>&1 | grep -E 'man|completion|doc' | head -n 40)"; done
    ct sh -c "zcat /usr/share/man/id/man1/simpul-record.1.gz | grep -q Mencatat" \
        || fail "the Indonesian man page of simpul record is in Indonesian" "$(ct sh -c "zcat /usr/share/man/id/man1/simpul-record.1.gz | head -n 12" 2>&1)"
    pass "no Swift runtime in the root; man pages (English, and Bahasa Indonesia under /usr/share/man/id), completions, docs and units installed"

    local unit enabled active condition status
    for unit in simpul simpul-aggregator; do
        enabled=$(ct systemctl is-enabled "$unit.service" 2>&1) || true
        active=$(prop "$unit" ActiveState)
        condition=$(prop "$unit" ConditionResult)
        status=$(ct systemctl status "$unit.service" 2>&1) || true
        [[ $enabled == enabled && $active == inactive && $condition == no ]] && grep -q 'ConditionPathExists=/etc/simpul/' <<<"$status" \
            || fail "$unit: enabled, waiting for init" "is-enabled=$enabled ActiveState=$active ConditionResult=$condition" "$status"
    done
    grep -q 'simpul init' "$WORK/apt-install.log" || fail "the install says what to run next" "$(tail -n 20 "$WORK/apt-install.log")"
    pass "both units enabled but not started before init (systemctl status: ConditionPathExists unmet); the install says to run init"
}

check_init_start_sync() {
    AGG_PORT=$(free_port)
    local out key
    out=$(aggregator init --data-dir /var/lib/simpul-aggregator --listen "127.0.0.1:$AGG_PORT" 2>&1) \
        || fail "simpul-aggregator init" "$out"
    out=$(ct systemctl start simpul-aggregator.service 2>&1) || fail "systemctl start simpul-aggregator" "$out"
    wait_for 30 curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$AGG_PORT/healthz" \
        || fail "the aggregator answers /healthz" "$(ct journalctl -u simpul-aggregator --no-pager -n 20 2>&1)"
    out=$(node init --node-id "$NODE_ID" --aggregator "http://127.0.0.1:$AGG_PORT" --data-dir /var/lib/simpul --json 2>"$WORK/init.err") \
        || fail "simpul init" "$out" "$(cat "$WORK/init.err")"
    key=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["public_key"])' <<<"$out") \
        || fail "simpul init --json prints the public key" "$out"
    out=$(aggregator nodes add "$NODE_ID" --public-key "$key" 2>&1) || fail "simpul-aggregator nodes add" "$out"
    # The node's local API on a free port (the container shares the host's loopback, where 8731 may be taken).
    ct sh -c "mkdir -p /etc/systemd/system/simpul.service.d && printf '[Service]\nEnvironment=SIMPUL_DAEMON_API_LISTEN=127.0.0.1:$(free_port)\n' >/etc/systemd/system/simpul.service.d/test.conf && systemctl daemon-reload"
    out=$(ct systemctl start simpul.service 2>&1) || fail "systemctl start simpul" "$out $(ct journalctl -u simpul --no-pager -n 20 2>&1)"
    [[ $(prop simpul ActiveState) == active ]] || fail "simpul is active after start" "$(ct systemctl status simpul 2>&1)"
    pass "simpul-aggregator init, simpul init, nodes add; both services start (enabled by the package)"

    record 5
    out=$(node sync now 2>&1) || fail "simpul sync now" "$out"
    out=$(check_aggregator_holds_recorded) || fail "the aggregator holds the 5 events once each" "$out"
    pass "5 events recorded and synced through the daemon: stored once each"
}

check_upgrade() {
    local before_node before_agg new_node new_agg out version
    before_node=$(prop simpul InvocationID)
    before_agg=$(prop simpul-aggregator InvocationID)
    new_node=$(basename "$(deb "$NEW_DIR" simpul)")
    new_agg=$(basename "$(deb "$NEW_DIR" simpul-aggregator)")
    ct env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "/debs/new/$new_node" "/debs/new/$new_agg" \
        >"$WORK/apt-upgrade.log" 2>&1 || fail "apt install of the newer packages" "$(tail -n 20 "$WORK/apt-upgrade.log")"
    version=$(ct dpkg-query -W -f='${Version}' simpul)
    [[ $new_node == "simpul_${version}_"* ]] || fail "the newer simpul is installed" "dpkg says $version; wanted $new_node"
    [[ $(prop simpul InvocationID) != "$before_node" && $(prop simpul ActiveState) == active ]] \
        || fail "the upgrade restarted simpul" "$(ct systemctl status simpul 2>&1)"
    [[ $(prop simpul-aggregator InvocationID) != "$before_agg" && $(prop simpul-aggregator ActiveState) == active ]] \
        || fail "the upgrade restarted simpul-aggregator" "$(ct systemctl status simpul-aggregator 2>&1)"
    pass "installing $version over it restarted both services"

    wait_for 30 curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$AGG_PORT/healthz" || fail "the aggregator is back after the upgrade"
    out=$(node log verify 2>&1) || fail "simpul log verify after the upgrade" "$out"
    out=$(aggregator verify 2>&1) || fail "simpul-aggregator verify after the upgrade" "$out"
    out=$(check_aggregator_holds_recorded) || fail "the aggregator still holds the 5 events once each" "$out"
    record 2
    out=$(node sync now 2>&1) || fail "simpul sync now after the upgrade" "$out"
    out=$(check_aggregator_holds_recorded) || fail "after the upgrade, 7 events once each" "$out"
    pass "after the upgrade: log verify and verify pass, 2 more events sync, 7 stored once each"
}

check_remove_purge() {
    local out
    ct env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q simpul simpul-aggregator >"$WORK/apt-remove.log" 2>&1 \
        || fail "apt remove" "$(tail -n 20 "$WORK/apt-remove.log")"
    ct test ! -e /usr/bin/simpul || fail "apt remove removes the binary"
    [[ $(prop simpul ActiveState) != active && $(prop simpul-aggregator ActiveState) != active ]] \
        || fail "apt remove stops both services" "simpul: $(prop simpul ActiveState); simpul-aggregator: $(prop simpul-aggregator ActiveState)"
    out=$(ct sh -c 'ls /var/lib/private/simpul/ /var/lib/private/simpul-aggregator/ /etc/simpul/' 2>&1) \
        || fail "apt remove keeps the data and the config" "$out"
    grep -q node.toml <<<"$out" && grep -q aggregator.toml <<<"$out" || fail "apt remove keeps node.toml and aggregator.toml" "$out"
    pass "apt remove: services stopped, binaries gone, data (/var/lib/private/simpul*) and config kept"

    ct env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q simpul simpul-aggregator >"$WORK/apt-purge.log" 2>&1 \
        || fail "apt purge" "$(tail -n 20 "$WORK/apt-purge.log")"
    ct test ! -e /etc/simpul/node.toml || fail "apt purge removes /etc/simpul/node.toml"
    ct test ! -e /etc/simpul/aggregator.toml || fail "apt purge removes /etc/simpul/aggregator.toml"
    grep -q 'KEPT /var/lib/simpul ' "$WORK/apt-purge.log" && grep -q 'KEPT /var/lib/simpul-aggregator' "$WORK/apt-purge.log" \
        || fail "apt purge says what it keeps" "$(cat "$WORK/apt-purge.log")"
    out=$(ct sh -c 'ls /var/lib/private/simpul/ /var/lib/private/simpul-aggregator/' 2>&1) \
        || fail "apt purge keeps the signed logs" "$out"
    pass "apt purge: config removed; the signed log and keys kept, and it says so with the command to remove them"
}

main() {
    (($# == 2)) || { echo "usage: $0 OLD_DEB_DIR NEW_DEB_DIR" >&2; exit 2; }
    [[ $(id -u) == 0 ]] || { echo "deb-test: run as root" >&2; exit 2; }
    OLD_DIR=$(cd "$1" && pwd)
    NEW_DIR=$(cd "$2" && pwd)
    for d in "$OLD_DIR" "$NEW_DIR"; do
        [[ -n $(deb "$d" simpul) && -n $(deb "$d" simpul-aggregator) ]] || { echo "deb-test: no simpul_*.deb and simpul-aggregator_*.deb in $d" >&2; exit 2; }
    done
    WORK=$(mktemp -d /tmp/simpul-deb-test.XXXXXX)
    trap cleanup EXIT
    ensure_rootfs
    boot_container
    check_install
    check_init_start_sync
    check_upgrade
    check_remove_purge
}

main "$@"
