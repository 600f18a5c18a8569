#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on 127.0.0.1 for tests and benchmarks, in a temporary directory.
#   scripts/throwaway-postgres.sh start DIR [PORT]   initdb into DIR, start; prints the admin URL (database postgres),
#                                                    also written to DIR/url; with SIMPUL_PG_TLS=1 the server also
#                                                    speaks TLS with a certificate of a private CA (DIR/tls/ca.pem)
#   scripts/throwaway-postgres.sh stop DIR           fast shutdown (by the cluster's own postmaster.pid), then rm -rf DIR
#   scripts/throwaway-postgres.sh kill DIR           SIGKILL the postmaster and its backends (a crash), leaving DIR to be started again
#   scripts/throwaway-postgres.sh restart DIR        start a cluster that was stopped or killed (crash recovery runs)
# As root the cluster runs as the 'postgres' user (PostgreSQL refuses to run as root), else as the caller.
# Trust authentication on 127.0.0.1 only: the cluster is the test's and is gone when it stops.
set -euo pipefail
# The server must not inherit any of the caller's descriptors, whatever their number: Foundation's Process learns
# that its child exited when the child's end of a socket pair closes, and a test runner with hundreds of descriptors
# open hands that end over as fd 300 or so; kept by a server started here, the caller waits for ever. Only the
# descriptor bash reads this script from stays open.
self="$(readlink -f "${BASH_SOURCE[0]}")"
for fd in $(ls /proc/$$/fd); do
  [ "$fd" -gt 2 ] || continue
  [ "$(readlink -f "/proc/$$/fd/$fd" 2>/dev/null)" = "$self" ] && continue
  eval "exec $fd>&-" 2>/dev/null || true
done
cmd="${1:?start|stop|kill|restart DIR}"
dir="${2:?DIR}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "throwaway-postgres: PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin" >&2
  echo "hint: apt-get install -y postgresql-15 (scripts/setup-system.sh --test installs it)" >&2
  exit 3
fi
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
  start)
    # A free port below the kernel's ephemeral range: `restart` binds it again after a kill, and an ephemeral port
    # (from bind(0)) could meanwhile be taken as the local port of any outgoing connection on the machine.
    port="${3:-$(python3 - <<'PY'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(500):
    candidate = random.randint(10000, low - 2) if low > 12000 else 0
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", candidate))
        print(s.getsockname()[1])
        break
    except OSError:
        pass
    finally:
        s.close()
PY
)}"
    [ -n "$port" ] || { echo "throwaway-postgres: no free port found on 127.0.0.1" >&2; exit 1; }
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    chmod 700 "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U simpul --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir/port"
    if [ "${SIMPUL_PG_TLS:-}" = 1 ]; then
      # TLS with a private CA: DIR/tls/ca.pem signed the server's certificate (for 127.0.0.1 and localhost);
      # DIR/tls/other-ca.pem is a CA that did not.
      tls="$dir/tls"
      mkdir -p "$tls"
      ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
      openssl req -x509 $ec -keyout "$tls/ca.key" -out "$tls/ca.pem" -days 2 -subj "/CN=Simpul test CA" 2>/dev/null
      openssl req -x509 $ec -keyout "$tls/other-ca.key" -out "$tls/other-ca.pem" -days 2 -subj "/CN=Another CA" 2>/dev/null
      openssl req $ec -keyout "$tls/server.key" -out "$tls/server.csr" -subj "/CN=localhost" 2>/dev/null
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$tls/server.ext"
      openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
        -extfile "$tls/server.ext" -out "$tls/server.crt" 2>/dev/null
      chmod 600 "$tls/server.key"
      [ "$(id -u)" -eq 0 ] && chown -R postgres: "$tls"
    fi
    ;&
  restart)
    port="$(cat "$dir/port")"
    # fsync stays on by default (benchmarks measure a real database). SIMPUL_PG_FAST=1 (the test suite) turns it off:
    # a killed server keeps what it wrote in the kernel's page cache, so only a power cut could lose it, and the tests'
    # many CREATE/DROP DATABASE checkpoints no longer wait on a shared disk. synchronous_commit stays on: without it a
    # commit is answered before its WAL leaves the server's own memory, and a killed server loses acknowledged pushes.
    options=""
    [ "${SIMPUL_PG_FAST:-}" = 1 ] && options="-c fsync=off -c full_page_writes=off"
    [ -f "$dir/tls/server.crt" ] && options="$options -c ssl=on -c ssl_cert_file=$dir/tls/server.crt -c ssl_key_file=$dir/tls/server.key"
    # SIMPUL_PG_STATS=1 (the load benchmark): pg_stat_statements, to say which statements the time went to.
    [ "${SIMPUL_PG_STATS:-}" = 1 ] && options="$options -c shared_preload_libraries=pg_stat_statements"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB $options" start >/dev/null \
      || { tail -20 "$dir/server.log" >&2; exit 1; }
    # Also in DIR/url, for callers that cannot read a pipe the server might inherit.
    echo "postgres://simpul@127.0.0.1:$port/postgres?sslmode=disable" | tee "$dir/url.tmp"
    mv "$dir/url.tmp" "$dir/url"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  kill)
    # The whole server at once, as a crash of its machine would: the postmaster and every backend (by PID; a
    # backend left behind would go on answering its client from a server that no longer exists).
    pid="$(head -1 "$dir/data/postmaster.pid")"
    children="$(ps -o pid= --ppid "$pid" || true)"
    kill -9 "$pid" $children 2>/dev/null || true
    # The postmaster's children leave once it is gone; wait for the port to close.
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    ;;
  *) echo "usage: $0 start|stop|kill|restart DIR [PORT]" >&2; exit 2 ;;
esac
