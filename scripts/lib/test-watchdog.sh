#!/usr/bin/env bash
# Runs a test command (`swift test ...`) under a time limit and streams its output.
#   scripts/lib/test-watchdog.sh SECONDS COMMAND [ARGS...]
# A test run that hangs would hold CI to its own limit and print nothing that says why. Past SECONDS this says which
# tests had started and not finished, prints the stacks of the test process's threads that run the project's code
# (gdb, when installed), stops the processes it started (by PID) and exits 124.
set -uo pipefail
limit="${1:?SECONDS}"
shift
log="$(mktemp /tmp/simpul-test-run.XXXXXX)"
"$@" >"$log" 2>&1 &
pid=$!
tail -n +1 -f --pid="$pid" "$log" &
tail_pid=$!

# The processes under $1, deepest last (swift-test starts the test binary as its child).
descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}

report_hang() {
  echo
  echo "################################################################################"
  echo "# HUNG: \`$*\` did not finish within ${limit} s; stopping it."
  echo "# Tests started and not finished:"
  python3 - "$log" <<'EOF'
import re, sys
started, finished = [], set()
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.match(r"^◇ Test (.*) started\.$", line.rstrip("\n"))
    if m:
        started.append(m.group(1))
    m = re.match(r"^[✔✘] Test (.*?) (?:with \d+ test cases? )?(?:passed|failed) after", line)
    if m:
        finished.add(m.group(1))
for name in dict.fromkeys(started):
    if name not in finished:
        print("#   " + name)
EOF
  echo "################################################################################"
  local process
  for process in $(descendants "$pid"); do
    [ -r "/proc/$process/cmdline" ] || continue
    if command -v gdb >/dev/null 2>&1 && tr '\0' ' ' <"/proc/$process/cmdline" | grep -q 'PackageTests'; then
      echo "== threads of the test process $process that run the project's code (gdb) =="
      timeout 60 gdb -p "$process" -batch -ex "thread apply all bt" 2>/dev/null | python3 -c '
import sys
threads, current = [], []
for line in sys.stdin:
    if line.startswith("Thread "):
        if current: threads.append(current)
        current = [line.rstrip()]
    elif line.startswith("#") and current:
        current.append(line.rstrip()[:240])
if current: threads.append(current)
for thread in threads:
    if any("Simpul" in frame for frame in thread[1:]):
        print("\n".join(thread))
'
    fi
  done
}

deadline=$((SECONDS + limit))
while kill -0 "$pid" 2>/dev/null; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    report_hang "$@"
    all="$(descendants "$pid") $pid"
    kill -TERM $all 2>/dev/null
    sleep 5
    kill -KILL $all 2>/dev/null
    wait "$pid" 2>/dev/null
    wait "$tail_pid" 2>/dev/null
    rm -f "$log"
    exit 124
  fi
  sleep 1
done
wait "$pid"
status=$?
wait "$tail_pid" 2>/dev/null
rm -f "$log"
exit "$status"
