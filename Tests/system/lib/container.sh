# Shared by the systemd-nspawn system tests (nspawn-test.sh, deb-test.sh): a cached debootstrapped Debian root,
# a booted container and commands run inside it, and the checks' reporting. The sourcing script defines TEST_NAME,
# CACHE, SUITE, ROOTFS, ROOTFS_PACKAGES, ROOTFS_MARKER, ROOTFS_RECIPE, CT_PATH and WORK, and keeps PASSED, FAILED,
# NSPAWN_PID and CT_PID.

say() { printf '%s: %s\n' "$TEST_NAME" "$*"; }
pass() { PASSED=$((PASSED + 1)); printf 'ok   - %s\n' "$1"; }

# A failed check ends the run: later checks depend on the state the earlier ones left.
fail() {
    FAILED=$((FAILED + 1))
    printf 'FAIL - %s\n' "$1" >&2
    shift
    local line
    for line in "$@"; do printf '%s\n' "$line" | sed 's/^/       /' >&2; done
    exit 1
}

# Setup problems (not a check of the product) also end the run and count as a failure.
die() { fail "setup: $1" "${@:2}"; }

# ---------------------------------------------------------------------------------------------------------
# The rootfs

# The first apt URI that serves SUITE on this machine (deb822 .sources first, then one-line .list files).
apt_mirror() {
    local suite=$1 f uri
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -r $f ]] || continue
        uri=$(awk -v suite="$suite" '
            BEGIN { RS = ""; FS = "\n" }
            {
                types = ""; uris = ""; suites = ""
                for (i = 1; i <= NF; i++) {
                    if ($i ~ /^Types:/) types = $i
                    if ($i ~ /^URIs:/) uris = $i
                    if ($i ~ /^Suites:/) suites = $i
                }
                if (types ~ /[[:space:]]deb([[:space:]]|$)/ &&
                    (suites " ") ~ ("[[:space:]]" suite "[[:space:]]")) {
                    sub(/^URIs:[[:space:]]*/, "", uris); split(uris, u, /[[:space:]]+/); print u[1]; exit
                }
            }' "$f")
        if [[ -n $uri ]]; then echo "$uri"; return 0; fi
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -r $f ]] || continue
        uri=$(awk -v suite="$suite" '
            $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                if ($(i + 1) == suite) { print $i; exit }
            }' "$f")
        if [[ -n $uri ]]; then echo "$uri"; return 0; fi
    done
    return 1
}

ensure_rootfs() {
    mkdir -p "$CACHE"
    # One builder at a time; a second run waits and then finds the cache.
    exec 8>"$ROOTFS.lock"
    flock 8
    if [[ -f $ROOTFS_MARKER && $(<"$ROOTFS_MARKER") == "$ROOTFS_RECIPE" ]]; then
        say "rootfs: cached at $ROOTFS"
        flock -u 8
        return 0
    fi
    local mirror building=$ROOTFS.building log=$ROOTFS.debootstrap.log
    mirror=$(apt_mirror "$SUITE") || die "no apt source for $SUITE in /etc/apt/sources.list*; cannot build the rootfs"
    say "rootfs: building $ROOTFS with debootstrap (about a minute; log $log)"
    rm -rf "$building" "$ROOTFS"
    if ! debootstrap --variant=minbase --include="$ROOTFS_PACKAGES" "$SUITE" "$building" "$mirror" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        die "debootstrap failed (full log: $log)"
    fi
    printf '%s\n' "$ROOTFS_RECIPE" >"$building/${ROOTFS_MARKER##*/}"
    mv "$building" "$ROOTFS"
    flock -u 8
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs a command inside the container (all its namespaces, its root), with a clean environment.
ct() {
    nsenter -t "$CT_PID" -a -- env -i PATH="$CT_PATH" LANG=C.UTF-8 SYSTEMD_COLORS=0 SYSTEMD_PAGER= "$@"
}

# The host PID of a process that is PID $1 inside the container.
host_pid() {
    local want=$1 ns status pid
    ns=$(readlink "/proc/$CT_PID/ns/pid")
    for status in /proc/[0-9]*/status; do
        pid=${status#/proc/}
        pid=${pid%/status}
        [[ $(readlink "/proc/$pid/ns/pid" 2>/dev/null) == "$ns" ]] || continue
        if [[ $(awk '/^NSpid:/ { print $NF }' "$status" 2>/dev/null) == "$want" ]]; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}

# Boots ROOTFS in systemd-nspawn as MACHINE (volatile: what the container writes goes to a tmpfs overlay, so the
# cached root stays clean), with the extra nspawn options given (binds), bounded by CONTAINER_LIFETIME; returns once
# its systemd is up (CT_PID set) and has finished starting.
start_container() {
    timeout --kill-after=10 "$CONTAINER_LIFETIME" systemd-nspawn -q -D "$ROOTFS" --volatile=overlay -b \
        --register=no --keep-unit --console=pipe -M "$MACHINE" "$@" \
        </dev/null >"$WORK/container-console.log" 2>&1 &
    NSPAWN_PID=$!
    wait_for_container
    local state
    state=$(ct timeout 60 systemctl is-system-running --wait 2>&1) || true
    say "container: $MACHINE, PID 1 is host pid $CT_PID, system $state"
}

# After systemd-nspawn was started in the background as NSPAWN_PID: waits for the container's systemd and sets
# CT_PID to its PID 1 as the host sees it.
wait_for_container() {
    local i nspawn child
    for ((i = 0; i < 300; i++)); do
        kill -0 "$NSPAWN_PID" 2>/dev/null || die "systemd-nspawn exited" "$(tail -n 20 "$WORK/container-console.log")"
        nspawn=$(ps -o pid= --ppid "$NSPAWN_PID" | head -n 1 | tr -d ' ') || true
        if [[ -n $nspawn ]]; then
            child=$(ps -o pid= --ppid "$nspawn" | head -n 1 | tr -d ' ') || true
            if [[ -n $child && $(cat "/proc/$child/comm" 2>/dev/null) == systemd && -S /proc/$child/root/run/systemd/private ]]; then
                CT_PID=$child
                break
            fi
        fi
        sleep 0.1
    done
    [[ -n $CT_PID ]] || die "the container's systemd did not come up within 30 s" "$(tail -n 20 "$WORK/container-console.log")"
}

stop_container() {
    [[ -n $NSPAWN_PID ]] || return 0
    if [[ -n $CT_PID ]] && kill -0 "$CT_PID" 2>/dev/null; then
        ct systemctl poweroff >/dev/null 2>&1 || true
    fi
    local i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$NSPAWN_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$NSPAWN_PID" 2>/dev/null; then
        kill -TERM "$NSPAWN_PID" 2>/dev/null || true   # timeout passes it on to systemd-nspawn
        sleep 2
        kill -KILL "$NSPAWN_PID" 2>/dev/null || true
    fi
    wait "$NSPAWN_PID" 2>/dev/null || true
    NSPAWN_PID=""
    # With --keep-unit, nspawn makes payload/ and supervisor/ cgroups beside its own and can leave them
    # behind (empty); rmdir only removes empty ones.
    local d
    for d in /sys/fs/cgroup/payload /sys/fs/cgroup/supervisor /sys/fs/cgroup/*/payload /sys/fs/cgroup/*/supervisor; do
        if [[ -d $d ]]; then find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
    done
}

wait_for() { # wait_for SECONDS COMMAND...: polls every 0.25 s until the command succeeds
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.25
    done
}
