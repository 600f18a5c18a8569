#!/usr/bin/env bash
# The node as a real systemd service (issue 4), checked against a real systemd.
#
# Boots Debian 12's systemd in systemd-nspawn with the repository's systemd/*.service and the test
# build's binaries bound in, runs an aggregator on the host loopback (the container shares the host's
# network namespace), and checks: `systemctl start` returns only after READY=1; the hardening and
# DynamicUser's StateDirectory adoption work for files `simpul init` made as root; root's CLI use while
# the daemon is stopped does not lock the daemon out; `simpul record` works while the daemon runs;
# `simpul sync now` goes through the daemon and lands every event on the aggregator exactly once;
# `kill -9` of the main process and a stalled watchdog both end in a restart with nothing lost;
# `systemctl stop` is clean and in time; the journal shows the daemon's sync lines; and the aggregator's
# unit starts, serves /healthz and stops cleanly under its own hardening.
#
# Run as root from anywhere, after `swift build` (CI runs it after `swift test`):
#   Tests/system/nspawn-test.sh
# Needs systemd-container, debootstrap, util-linux (nsenter), procps, python3 and curl on the host; the
# first run builds a minimal Debian rootfs (about a minute, 260 MB) from the host's own apt mirror and
# caches it for later runs. A failed check stops the run; its logs and both journals stay in the work
# directory it names.
#
# Environment:
#   SIMPUL_BIN_DIR        directory with simpul and simpul-aggregator (default: <repo>/.build/debug)
#   SIMPUL_SWIFT_RUNTIME  the toolchain's usr/lib/swift/linux, bound at the same path when it exists
#                         (default: found from `swift` on PATH, else /opt/swift/usr/lib/swift/linux)
#   SIMPUL_TEST_CACHE     where the rootfs is cached (default: /var/cache/simpul-test)
#   SIMPUL_KEEP=1         keep the work directory (logs, journal, aggregator data) even when all pass
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly REPO
readonly CACHE=${SIMPUL_TEST_CACHE:-/var/cache/simpul-test}
readonly SUITE=bookworm
readonly ROOTFS=$CACHE/rootfs-$SUITE
readonly ROOTFS_PACKAGES=systemd,systemd-sysv,dbus,libcurl4,libsqlite3-0,ca-certificates
# The marker holds the recipe: a rootfs built from another recipe (or interrupted) is rebuilt.
readonly ROOTFS_MARKER=$ROOTFS/.simpul-rootfs-complete
readonly ROOTFS_RECIPE="suite=$SUITE variant=minbase include=$ROOTFS_PACKAGES"

readonly NODE_ID=35.07.01
readonly NODE_CONFIG=/etc/simpul/node.toml
readonly TEST_WATCHDOG_SEC=6
readonly TIMEOUT_STOP_SEC=20          # as in systemd/simpul.service
readonly CONTAINER_LIFETIME=900       # hard bound on the container, in seconds
readonly MACHINE=simpul-test-$$
readonly CT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

PASSED=0
FAILED=0
WORK=""
NSPAWN_PID=""   # the `timeout` process wrapping systemd-nspawn
CT_PID=""       # the container's PID 1, as the host sees it
AGG_PID=""
AGG_PORT=""
API_PORT=""
RECORDED=()     # every event id recorded in the container, in order
RECORD_ERROR=""

readonly TEST_NAME=nspawn

# shellcheck source=lib/container.sh
. "$REPO/Tests/system/lib/container.sh"

# ---------------------------------------------------------------------------------------------------------
# The aggregator, on the host loopback

start_aggregator() {
    local data=$WORK/aggregator
    AGG_PORT=$(free_port)
    mkdir -p "$data"
    "$BIN_DIR/simpul-aggregator" init --data-dir "$data" --listen "127.0.0.1:$AGG_PORT" \
        --config "$data/aggregator.toml" >"$WORK/aggregator-init.log" 2>&1 \
        || die "simpul-aggregator init failed" "$(cat "$WORK/aggregator-init.log")"
    "$BIN_DIR/simpul-aggregator" serve --config "$data/aggregator.toml" >"$WORK/aggregator.log" 2>&1 &
    AGG_PID=$!
    local i
    for ((i = 0; i < 150; i++)); do
        kill -0 "$AGG_PID" 2>/dev/null || die "simpul-aggregator serve exited" "$(tail -n 20 "$WORK/aggregator.log")"
        if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$AGG_PORT/healthz" 2>/dev/null; then
            say "aggregator: pid $AGG_PID on 127.0.0.1:$AGG_PORT"
            return 0
        fi
        sleep 0.2
    done
    die "simpul-aggregator serve did not answer /healthz on 127.0.0.1:$AGG_PORT within 30 s" \
        "$(tail -n 20 "$WORK/aggregator.log")"
}

aggregator() { "$BIN_DIR/simpul-aggregator" "$@" --config "$WORK/aggregator/aggregator.toml"; }

# Every recorded id must be stored on the aggregator exactly once, and nothing else.
check_aggregator_has_recorded() {
    local out=$WORK/aggregator-events.json err=$WORK/aggregator-events.err
    aggregator events --node "$NODE_ID" --json >"$out" 2>"$err" \
        || { echo "simpul-aggregator events failed: $(cat "$err")"; return 1; }
    python3 - "$out" "${RECORDED[@]}" 2>&1 <<'PY'
import collections, json, sys

with open(sys.argv[1]) as f:
    doc = json.load(f)
events = doc if isinstance(doc, list) else doc.get("events") if isinstance(doc, dict) else None
if not isinstance(events, list):
    sys.exit("simpul-aggregator events --json did not print a JSON array")

def event_id(e):
    if not isinstance(e, dict):
        return None
    for key in ("id", "event_id"):
        if isinstance(e.get(key), str):
            return e[key]
    return event_id(e.get("event"))

want = sys.argv[2:]
got = collections.Counter(event_id(e) for e in events)
missing = [i for i in want if got[i] == 0]
twice = sorted(i for i, n in got.items() if n > 1)
extra = sorted(str(i) for i in got if i not in set(want))
problems = []
if missing: problems.append(f"missing {len(missing)}: {' '.join(missing)}")
if twice: problems.append(f"stored more than once: {' '.join(map(str, twice))}")
if extra: problems.append(f"not recorded by the test: {' '.join(extra)}")
if problems:
    sys.exit(f"aggregator has {len(events)} events for the node, {len(want)} recorded; " + "; ".join(problems))
PY
}

# ---------------------------------------------------------------------------------------------------------
# The container

unit_prop() { ct systemctl show -P "$1" simpul.service; }

boot_container() {
    local dropin=$WORK/simpul.service.d
    mkdir -p "$dropin"
    # Test-only settings: a short watchdog; the local API on a free port (the container shares the host's
    # loopback, where 8731 may be taken); and no scheduled or debounced pushes, so that every push in this
    # test is one the test asked for with `sync now` (and the daemon's "sync pushed" line is its answer).
    API_PORT=$(free_port)
    cat >"$dropin/test.conf" <<EOF
[Service]
WatchdogSec=$TEST_WATCHDOG_SEC
Environment=SIMPUL_DAEMON_API_LISTEN=127.0.0.1:$API_PORT
Environment=SIMPUL_SYNC_DEBOUNCE_SECONDS=3600 SIMPUL_SYNC_INTERVAL_SECONDS=86400
EOF
    local binds=(
        --bind-ro="$BIN_DIR/simpul:/usr/local/bin/simpul"
        --bind-ro="$BIN_DIR/simpul-aggregator:/usr/local/bin/simpul-aggregator"
        --bind-ro="$REPO/systemd/simpul.service:/etc/systemd/system/simpul.service"
        --bind-ro="$dropin:/etc/systemd/system/simpul.service.d"
        --bind-ro="$REPO/systemd/simpul-aggregator.service:/etc/systemd/system/simpul-aggregator.service"
    )
    [[ -d $SWIFT_RUNTIME ]] && binds+=(--bind-ro="$SWIFT_RUNTIME")

    start_container "${binds[@]}"
}

cleanup() {
    local status=$?
    set +e
    if [[ -n $CT_PID && -n $WORK ]] && kill -0 "$CT_PID" 2>/dev/null; then
        ct journalctl -u simpul.service --no-pager -o short-precise >"$WORK/journal-simpul.log" 2>&1
        ct journalctl -u simpul-aggregator.service --no-pager -o short-precise >"$WORK/journal-simpul-aggregator.log" 2>&1
        ct journalctl --no-pager -o short-precise >"$WORK/journal.log" 2>&1
    fi
    stop_container
    if [[ -n $AGG_PID ]]; then
        kill -TERM "$AGG_PID" 2>/dev/null
        local i
        for ((i = 0; i < 100; i++)); do kill -0 "$AGG_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$AGG_PID" 2>/dev/null
        wait "$AGG_PID" 2>/dev/null
    fi
    if ((FAILED > 0 || status != 0)); then
        ((FAILED > 0)) || FAILED=1
        if [[ -n $WORK && -f $WORK/journal-simpul.log ]]; then
            echo "--- journalctl -u simpul (last 40 lines; all in $WORK) ---" >&2
            tail -n 40 "$WORK/journal-simpul.log" >&2
        fi
        [[ -n $WORK ]] && echo "nspawn: logs kept in $WORK" >&2
        echo "nspawn: $PASSED passed, $FAILED failed"
        exit 1
    fi
    if [[ ${SIMPUL_KEEP:-0} == 1 ]]; then
        echo "nspawn: logs kept in $WORK"
    elif [[ -n $WORK ]]; then
        rm -rf "$WORK"
    fi
    echo "nspawn: $PASSED passed, 0 failed"
}

# ---------------------------------------------------------------------------------------------------------
# Helpers for the checks

status_text_set() { [[ -n $(unit_prop StatusText) ]]; }
is_running() { [[ $(unit_prop ActiveState)/$(unit_prop SubState) == active/running ]]; }
restarts_are() { [[ $(unit_prop NRestarts) == "$1" ]] && is_running; }

unit_state() {
    echo "ActiveState=$(unit_prop ActiveState) SubState=$(unit_prop SubState) Result=$(unit_prop Result)" \
        "NRestarts=$(unit_prop NRestarts) MainPID=$(unit_prop MainPID)"
}

journal_tail() { ct journalctl -u simpul.service --no-pager -n "${1:-15}" -o short-precise 2>&1; }
readonly KILL_LINES='simpul\.service: (State .stop-sigterm. timed out|Killing process)'

# Only what the daemon itself wrote (systemd's own lines about the unit excluded).
daemon_journal() { ct journalctl _SYSTEMD_UNIT=simpul.service --no-pager -o cat 2>&1; }

record() { # record N: records N events in the container, appends their ids to RECORDED; RECORD_ERROR says why not
    local n=$1 i out id
    RECORD_ERROR=""
    for ((i = 0; i < n; i++)); do
        if ! out=$(ct timeout 30 simpul record --config "$NODE_CONFIG" --kind request.received --service ADM.KTPEL \
            --desa 35.07.01.2001 2>&1); then
            RECORD_ERROR="simpul record failed: $out"
            return 1
        fi
        id=$(printf '%s\n' "$out" | tail -n 1)
        if [[ -z $id || $id == *" "* ]]; then
            RECORD_ERROR="simpul record printed no event id: $out"
            return 1
        fi
        RECORDED+=("$id")
    done
}

sync_now() {
    local out
    out=$(ct timeout 60 simpul sync now --config "$NODE_CONFIG" 2>&1) \
        || { echo "simpul sync now exited $? (124 is a timeout): $out"; return 1; }
}

# Sends SIGNAL to the unit's main process from the host; prints the container and host PIDs.
signal_main() {
    local signal=$1 main hpid
    main=$(unit_prop MainPID)
    [[ $main =~ ^[1-9][0-9]*$ ]] || { echo "no MainPID ($(unit_state))"; return 1; }
    hpid=$(host_pid "$main") || { echo "MainPID $main has no host process"; return 1; }
    kill -s "$signal" "$hpid"
    echo "$main $hpid"
}

# ---------------------------------------------------------------------------------------------------------
# The checks

check_unit_installed() {
    local type dropins frag
    type=$(unit_prop Type)
    dropins=$(unit_prop DropInPaths)
    frag=$(unit_prop FragmentPath)
    [[ $frag == /etc/systemd/system/simpul.service && $type == notify && $dropins == *simpul.service.d/test.conf* ]] \
        || fail "unit installed" "FragmentPath=$frag Type=$type DropInPaths=$dropins" \
            "(want the repo's unit, Type=notify, and the test drop-in)"
    # Enabled as an administrator would: this also keeps the unit loaded once stopped, so its Result= and
    # ExecMain* properties still describe the last run when check_stop reads them.
    local out
    out=$(ct systemctl enable simpul.service 2>&1) || fail "systemctl enable simpul" "$out"
    pass "unit installed from systemd/simpul.service (Type=notify) with the test drop-in, enabled"
}

check_init_and_enrol() {
    local out key
    out=$(ct timeout 60 simpul init --node-id "$NODE_ID" --aggregator "http://127.0.0.1:$AGG_PORT" \
        --data-dir /var/lib/simpul --config "$NODE_CONFIG" --json 2>"$WORK/init.err") \
        || fail "simpul init in the container" "$(cat "$WORK/init.err")" "$out"
    key=$(printf '%s' "$out" | python3 -c 'import json, sys; print(json.load(sys.stdin)["public_key"])') \
        || fail "simpul init --json prints {\"public_key\": ...}" "got: $out"
    out=$(aggregator nodes add "$NODE_ID" --public-key "$key" 2>&1) \
        || fail "simpul-aggregator nodes add (while serve runs)" "$out"
    pass "simpul init as root in the container; node enrolled on the host aggregator"
}

check_start() {
    local out socket_at_ready
    # `systemctl start` of a Type=notify unit returns once READY=1 arrives. The daemon sends READY only
    # when the store is open and the control socket listens, so the socket must be there the moment
    # start returns.
    out=$(ct timeout 90 systemctl start simpul.service 2>&1) \
        || fail "systemctl start simpul" "$out" "$(unit_state)" "$(journal_tail)"
    socket_at_ready=no
    ct test -S /run/simpul/control.sock && socket_at_ready=yes
    is_running || fail "systemctl start simpul: active/running" "$(unit_state)" "$(journal_tail)"
    [[ $socket_at_ready == yes ]] \
        || fail "READY=1 only once the control socket listens" \
            "systemctl start returned but /run/simpul/control.sock did not exist" "$(journal_tail)"
    if grep -Eq 'simpul\.service: (Failed|Main process exited|Watchdog timeout)' <<<"$(journal_tail 200)"; then
        fail "systemctl start simpul: no failure in the journal" "$(journal_tail)"
    fi
    local watchdog status
    # WatchdogUSec is the effective value, known only once the unit runs.
    watchdog=$(unit_prop WatchdogUSec)
    [[ $watchdog == "${TEST_WATCHDOG_SEC}s" ]] \
        || fail "the test drop-in's WatchdogSec=${TEST_WATCHDOG_SEC} applies" "WatchdogUSec=$watchdog"
    wait_for 10 status_text_set || fail "the daemon reports STATUS= to systemd" "StatusText is empty" "$(unit_state)"
    status=$(unit_prop StatusText)
    pass "systemctl start returns after READY: active/running, control socket listening, status \"$status\""
}

check_hardening() {
    local main hpid uid owner mode target
    main=$(unit_prop MainPID)
    hpid=$(host_pid "$main") || fail "hardened service" "MainPID $main has no host process"
    uid=$(awk '/^Uid:/ { print $2 }' "/proc/$hpid/status")
    ((uid != 0)) || fail "hardened service: runs as a dynamic user" "the daemon runs as root"
    target=$(ct readlink /var/lib/simpul) || true
    [[ $target == private/simpul ]] \
        || fail "StateDirectory adopted: /var/lib/simpul -> private/simpul" "readlink gave '$target'"
    read -r owner mode < <(ct stat -c '%u %a' /var/lib/private/simpul/node.key) || true
    [[ $owner == "$uid" && $mode == 600 ]] \
        || fail "StateDirectory adopted: node.key (made by root at init) belongs to the service user, 0600" \
            "node.key owner $owner mode $mode; service uid $uid"
    read -r owner mode < <(ct stat -c '%u %a' /run/simpul/control.sock) || true
    [[ $owner == "$uid" && $mode == 600 ]] \
        || fail "control socket is 0600 and owned by the service user" "owner $owner mode $mode; service uid $uid"
    grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$hpid/status" || fail "hardened service: NoNewPrivs" "not set"
    grep -q '^Seccomp:[[:space:]]*2' "/proc/$hpid/status" || fail "hardened service: seccomp filter" "not applied"
    grep -q '^CapEff:[[:space:]]*0*$' "/proc/$hpid/status" || fail "hardened service: no capabilities" \
        "$(grep '^Cap' "/proc/$hpid/status")"
    pass "hardened: dynamic uid $uid, no capabilities, seccomp; state dir and 0600 key adopted from root"
}

# `simpul status --json` in the container reports the daemon as EXPECTED (running or stopped).
check_daemon_status() {
    local expected=$1 out daemon
    out=$(ct timeout 30 simpul status --json --config "$NODE_CONFIG" 2>&1) \
        || fail "simpul status --json (daemon $expected)" "$out"
    daemon=$(printf '%s' "$out" | python3 -c 'import json, sys; print(json.load(sys.stdin)["daemon"])' 2>&1) \
        || fail "simpul status --json has \"daemon\"" "$out"
    [[ $daemon == "$expected" ]] || fail "simpul status reports the daemon $expected" "daemon: $daemon"
    pass "simpul status --json in the container: daemon $expected"
}

# The operator may run the CLI as root while the daemon is stopped (`simpul sync now` before a deadline).
# A file that root creates in the adopted state directory then must not lock the daemon out later:
# systemd re-chowns the directory only when its top level is misowned, so the CLI has to hand such files
# to the directory's owner (SQLite already does this for its -wal/-shm files).
check_root_cli_while_stopped() {
    local out msg
    out=$(ct timeout 60 systemctl stop simpul.service 2>&1) || fail "systemctl stop simpul (before root's sync)" "$out"
    record 1 || fail "simpul record as root while the daemon is stopped" "$RECORD_ERROR"
    msg=$(sync_now) || fail "simpul sync now as root while the daemon is stopped (in-process)" "$msg"
    out=$(ct timeout 90 systemctl start simpul.service 2>&1) \
        || fail "systemctl start simpul after root's sync" "$out" "$(journal_tail)"
    record 1 || fail "simpul record after the daemon restarted" "$RECORD_ERROR"
    msg=$(sync_now) || fail "the daemon still syncs after root ran sync now while it was stopped" \
        "$msg" "$(ct ls -ln /var/lib/private/simpul/ 2>&1)" "$(journal_tail)"
    msg=$(check_aggregator_has_recorded) || fail "after root's sync and the daemon's, every event exactly once" "$msg"
    pass "root's sync now while the daemon was stopped, then the daemon's: ${#RECORDED[@]} events, each once"
}

check_local_api() {
    local body id token
    # A front-desk application presents the installation's token (root reads it, as an installer would).
    token=$(ct cat /var/lib/simpul/api.token 2>&1) || fail "the local API token exists after init" "$token"
    body=$(curl -s --max-time 5 -X POST "http://127.0.0.1:$API_PORT/v1/events" -H "Authorization: Bearer $token" \
        -d '{"kind":"request.received","service":"ADM.KK","desa":"35.07.01.2001","channel":"counter"}' -w ' %{http_code}' 2>&1) || true
    [[ $body == *" 415" ]] || fail "the local API refuses a body that is not application/json (a web form's post)" "answer: $body"
    body=$(curl -s --max-time 5 -X POST "http://127.0.0.1:$API_PORT/v1/events" -H "Content-Type: application/json" \
        -d '{"kind":"request.received","service":"ADM.KK","desa":"35.07.01.2001","channel":"counter"}' -w ' %{http_code}' 2>&1) || true
    [[ $body == *" 401" ]] || fail "the local API refuses a request without the token" "answer: $body"
    body=$(curl -s --max-time 5 -X POST "http://127.0.0.1:$API_PORT/v1/events" -H "Content-Type: application/json" \
        -H "Authorization: Bearer $token" \
        -d '{"kind":"request.received","service":"ADM.KK","desa":"35.07.01.2001","channel":"counter"}' 2>&1) || true
    id=$(printf '%s' "$body" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["events"][0]["id"] if d.get("ok") else "")' 2>/dev/null) || true
    [[ -n $id ]] || fail "POST /v1/events on the local API (127.0.0.1:$API_PORT) records an event" "answer: $body" "$(journal_tail)"
    RECORDED+=("$id")
    body=$(curl -s --max-time 5 -X POST "http://127.0.0.1:$API_PORT/v1/events" -H "Content-Type: application/json" \
        -H "Authorization: Bearer $token" -d '{"kind":"request.received","service":"NOPE"}' -w ' %{http_code}' 2>&1) || true
    [[ $body == *" 422" && $body == *"service"* ]] \
        || fail "the local API refuses an invalid event with 422 naming the field" "answer: $body"
    pass "local API on 127.0.0.1:$API_PORT: POST /v1/events with the token recorded $id; no token 401, a form post 415, an invalid event 422"
}

check_record_while_running() {
    record 3 || fail "simpul record while the daemon runs" "$RECORD_ERROR"
    is_running || fail "daemon still running after simpul record" "$(unit_state)" "$(journal_tail)"
    pass "simpul record while the daemon runs: 3 events (${#RECORDED[@]} in all)"
}

check_sync_through_daemon() {
    local msg before after
    before=$(daemon_journal | grep -c sync) || true
    msg=$(sync_now) || fail "simpul sync now in the container exits 0" "$msg" "$(journal_tail)"
    after=$(daemon_journal | grep -c sync) || true
    ((after > before)) || fail "simpul sync now goes through the daemon" \
        "the daemon logged no line containing 'sync' while sync now ran" "$(journal_tail)"
    msg=$(check_aggregator_has_recorded) || fail "after sync now, the aggregator has every event exactly once" "$msg"
    pass "simpul sync now through the daemon: ${#RECORDED[@]} events on the aggregator, each once"
}

check_kill_9() {
    local msg pids restarts
    # Events recorded just before the crash must not be lost.
    record 2 || fail "simpul record before kill -9" "$RECORD_ERROR"
    restarts=$(unit_prop NRestarts)
    pids=$(signal_main KILL) || fail "kill -9 of the main process" "$pids"
    wait_for 30 restarts_are $((restarts + 1)) \
        || fail "kill -9 (pid $pids) -> systemd restarts the daemon" "$(unit_state)" "$(journal_tail)"
    record 1 || fail "simpul record after the restart" "$RECORD_ERROR"
    msg=$(sync_now) || fail "simpul sync now after the restart" "$msg" "$(journal_tail)"
    msg=$(check_aggregator_has_recorded) || fail "after kill -9 and sync now, every event exactly once" "$msg"
    pass "kill -9 of main pid (container/host ${pids/ //}) -> restarted (NRestarts=$((restarts + 1))); ${#RECORDED[@]} events, each once"
}

check_watchdog() {
    local msg pids restarts start=$SECONDS limit=$((TEST_WATCHDOG_SEC + TIMEOUT_STOP_SEC + 15))
    restarts=$(unit_prop NRestarts)
    pids=$(signal_main STOP) || fail "SIGSTOP of the main process" "$pids"
    wait_for "$limit" restarts_are $((restarts + 1)) \
        || fail "stalled daemon (SIGSTOP) -> watchdog restart within ${limit}s" "$(unit_state)" "$(journal_tail)"
    grep -q 'simpul\.service: Watchdog timeout' <<<"$(journal_tail 100)" \
        || fail "the journal shows the watchdog timeout" "$(journal_tail)"
    record 1 || fail "simpul record after the watchdog restart" "$RECORD_ERROR"
    msg=$(sync_now) || fail "simpul sync now after the watchdog restart" "$msg" "$(journal_tail)"
    msg=$(check_aggregator_has_recorded) || fail "after the watchdog restart, every event exactly once" "$msg"
    pass "stalled daemon caught by the watchdog and restarted in $((SECONDS - start))s (NRestarts=$((restarts + 1))); ${#RECORDED[@]} events, each once"
}

check_journal() {
    local lines
    lines=$(daemon_journal)
    grep -q sync <<<"$lines" || fail "journalctl -u simpul shows the daemon's sync lines" "$(journal_tail)"
    if grep -q $'\e' <<<"$lines"; then
        fail "the daemon's log has no ANSI escapes when not on a terminal" \
            "$(printf '%s\n' "$lines" | grep $'\e' | head -n 3 | cat -v)"
    fi
    pass "journalctl -u simpul shows the sync lines, e.g. \"$(printf '%s\n' "$lines" | grep sync | tail -n 1)\""
}

check_stop() {
    local out start=$SECONDS took result code status kills_before kills_after
    kills_before=$(journal_tail all | grep -Ec "$KILL_LINES") || true
    out=$(ct timeout $((TIMEOUT_STOP_SEC + 30)) systemctl stop simpul.service 2>&1) \
        || fail "systemctl stop simpul" "$out" "$(unit_state)"
    took=$((SECONDS - start))
    result=$(unit_prop Result)
    code=$(unit_prop ExecMainCode)
    status=$(unit_prop ExecMainStatus)
    [[ $(unit_prop ActiveState) == inactive && $result == success ]] \
        || fail "systemctl stop ends the daemon cleanly" "$(unit_state)" "$(journal_tail)"
    # ExecMainCode 1 is CLD_EXITED: the daemon exited by itself (status 0), not killed by the signal.
    [[ $code == 1 && $status == 0 ]] \
        || fail "the daemon exits 0 on SIGTERM" "ExecMainCode=$code ExecMainStatus=$status" "$(journal_tail)"
    ((took < TIMEOUT_STOP_SEC)) || fail "systemctl stop within TimeoutStopSec=${TIMEOUT_STOP_SEC}s" "took ${took}s"
    kills_after=$(journal_tail all | grep -Ec "$KILL_LINES") || true
    ((kills_after == kills_before)) || fail "systemctl stop without escalation to SIGKILL" "$(journal_tail)"
    ! ct test -e /run/simpul || fail "RuntimeDirectory removed on stop" "/run/simpul still exists"
    pass "systemctl stop: exit 0, Result=success in ${took}s (limit ${TIMEOUT_STOP_SEC}s)"
}

# The aggregator's unit, smoke-tested the same way: its hardening must not break the HTTP server.
check_aggregator_unit() {
    local port out uid main hpid code start took
    port=$(free_port)
    out=$(ct timeout 60 simpul-aggregator init --data-dir /var/lib/simpul-aggregator --listen "127.0.0.1:$port" \
        --config /etc/simpul/aggregator.toml 2>&1) || fail "simpul-aggregator init as root in the container" "$out"
    out=$(ct systemctl enable simpul-aggregator.service 2>&1) || fail "systemctl enable simpul-aggregator" "$out"
    out=$(ct timeout 90 systemctl start simpul-aggregator.service 2>&1) \
        || fail "systemctl start simpul-aggregator" "$out" "$(agg_unit_tail)"
    [[ $(agg_unit_prop ActiveState)/$(agg_unit_prop SubState) == active/running ]] \
        || fail "simpul-aggregator.service active/running after READY" "$(agg_unit_tail)"
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/healthz" 2>/dev/null) || true
    [[ $code == 200 ]] || fail "simpul-aggregator.service answers /healthz" "HTTP status '$code'" "$(agg_unit_tail)"
    main=$(agg_unit_prop MainPID)
    hpid=$(host_pid "$main") || fail "simpul-aggregator.service main process" "MainPID $main has no host process"
    uid=$(awk '/^Uid:/ { print $2 }' "/proc/$hpid/status")
    ((uid != 0)) || fail "simpul-aggregator.service runs as a dynamic user" "it runs as root"
    start=$SECONDS
    out=$(ct timeout $((TIMEOUT_STOP_SEC + 30)) systemctl stop simpul-aggregator.service 2>&1) \
        || fail "systemctl stop simpul-aggregator" "$out"
    took=$((SECONDS - start))
    [[ $(agg_unit_prop Result) == success && $(agg_unit_prop ExecMainCode) == 1 && $(agg_unit_prop ExecMainStatus) == 0 ]] \
        || fail "simpul-aggregator exits 0 on SIGTERM" \
            "Result=$(agg_unit_prop Result) ExecMainCode=$(agg_unit_prop ExecMainCode) ExecMainStatus=$(agg_unit_prop ExecMainStatus)" \
            "$(agg_unit_tail)"
    ((took <= 10)) || fail "simpul-aggregator stops within 10 s of SIGTERM" "took ${took}s"
    pass "simpul-aggregator.service: READY, /healthz 200 under dynamic uid $uid, clean stop in ${took}s"
}

agg_unit_prop() { ct systemctl show -P "$1" simpul-aggregator.service; }
agg_unit_tail() { ct journalctl -u simpul-aggregator.service --no-pager -n 15 -o short-precise 2>&1; }

# ---------------------------------------------------------------------------------------------------------

main() {
    [[ $(id -u) == 0 ]] || { echo "nspawn: run as root (systemd-nspawn, nsenter)" >&2; exit 2; }
    local tool
    for tool in systemd-nspawn debootstrap nsenter flock timeout ps python3 curl; do
        command -v "$tool" >/dev/null || { echo "nspawn: $tool is not installed" >&2; exit 2; }
    done
    BIN_DIR=$(realpath -e "${SIMPUL_BIN_DIR:-$REPO/.build/debug}") \
        || { echo "nspawn: no binary directory ${SIMPUL_BIN_DIR:-$REPO/.build/debug}; run swift build first" >&2; exit 2; }
    local bin
    for bin in simpul simpul-aggregator; do
        [[ -x $BIN_DIR/$bin ]] || { echo "nspawn: $BIN_DIR/$bin is missing; run swift build first" >&2; exit 2; }
    done
    local swift_bin
    SWIFT_RUNTIME=${SIMPUL_SWIFT_RUNTIME:-}
    if [[ -z $SWIFT_RUNTIME ]]; then
        swift_bin=$(command -v swift 2>/dev/null) && SWIFT_RUNTIME=$(realpath -m "$(dirname "$(realpath "$swift_bin")")/../lib/swift/linux")
        [[ -d $SWIFT_RUNTIME ]] || SWIFT_RUNTIME=/opt/swift/usr/lib/swift/linux
    fi
    readonly BIN_DIR SWIFT_RUNTIME

    trap cleanup EXIT
    trap 'exit 130' INT TERM
    ensure_rootfs

    # nspawn with --keep-unit puts every container in the same payload/ cgroup: one run at a time.
    exec 9>"$CACHE/run.lock"
    flock -w 1200 9 || die "another nspawn test still runs after 20 minutes ($CACHE/run.lock)"

    WORK=$(mktemp -d /tmp/simpul-nspawn.XXXXXX)

    say "binaries from $BIN_DIR; Swift runtime ${SWIFT_RUNTIME}$([[ -d $SWIFT_RUNTIME ]] || echo ' (absent: static build assumed)')"
    start_aggregator
    boot_container

    check_unit_installed
    check_init_and_enrol
    check_start
    check_hardening
    check_daemon_status running
    check_root_cli_while_stopped
    check_local_api
    check_record_while_running
    check_sync_through_daemon
    check_kill_9
    check_watchdog
    check_journal
    check_stop
    check_daemon_status stopped
    check_aggregator_unit
}

main "$@"
