# The processes and work directory of a benchmark script, sourced by scripts/bench-*.sh after they set `work` (the
# directory to remove at exit) and `keep` (1: keep it). Every PID the script starts goes into `pids`; at exit each
# is stopped by PID (never by name), with its children first when the script sets `stop_children=1` before sourcing.
pids=()
forget() { local keep_pids=() p; for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep_pids+=("$p"); done; pids=("${keep_pids[@]}"); }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; forget "$1"; }   # PID: SIGTERM, reap
# PID: its children first (simpul-bench's own aggregator would outlive a SIGTERM to simpul-bench), then PID.
stop_tree() { local c; for c in $(pgrep -P "$1" 2>/dev/null || true); do kill "$c" 2>/dev/null || true; done; stop "$1"; }
cleanup() {
  local p; for p in "${pids[@]}"; do if [ "${stop_children:-0}" = 1 ]; then stop_tree "$p"; else stop "$p"; fi; done
  if [ "$keep" = 1 ]; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
now() { date +%s.%N; }
# PID: SIGTERM, then SIGKILL if it has not exited 15 s later (serve promises 10 s; a hung process must not hang the
# script).
stop_bounded() {
  kill "$1" 2>/dev/null || true
  local i; for i in $(seq 1 150); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$1" 2>/dev/null; then
    echo "WARNING: pid $1 did not exit within 15 s of SIGTERM; killed" >&2
    kill -9 "$1" 2>/dev/null || true
  fi
  stop "$1"
}
# The exit trap of a script that also started a throwaway PostgreSQL cluster in $pgdir: its processes first (bounded),
# then the cluster they used, then the work directory.
finish_with_postgres() {
  local p; for p in "${pids[@]}"; do stop_bounded "$p"; done
  if [ -n "${pgdir:-}" ]; then scripts/throwaway-postgres.sh stop "$pgdir" >/dev/null 2>&1 || true; fi
  cleanup
}
