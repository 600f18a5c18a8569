#!/usr/bin/env bash
# The aggregator's suite on PostgreSQL: starts a throwaway PostgreSQL 15 cluster on 127.0.0.1 (as the postgres user
# when run as root), runs the same tests that ran on SQLite with SIMPUL_TEST_POSTGRES set (each test gets its own
# database; the outage test starts and kills its own cluster), and stops the cluster.
# Without PostgreSQL: fails when CI=true, else says loudly that the PostgreSQL pass was skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: PostgreSQL server binaries are missing; CI must run the PostgreSQL pass (apt-get install -y postgresql-15)" >&2
    exit 1
  fi
  echo "################################################################################" >&2
  echo "# SKIPPED: the PostgreSQL pass (no /usr/lib/postgresql/*/bin/initdb).             #" >&2
  echo "# Install postgresql-15 (scripts/setup-system.sh --test) to run it.               #" >&2
  echo "################################################################################" >&2
  exit 0
fi
dir="$(mktemp -d /tmp/simpul-pg-tests.XXXXXX)"
trap 'scripts/throwaway-postgres.sh stop "$dir"' EXIT
url="$(scripts/throwaway-postgres.sh start "$dir")"
echo "PostgreSQL at $url"
filter="${SIMPUL_PG_TEST_FILTER:-SimpulAggregatorTests}"
SIMPUL_TEST_POSTGRES="$url" swift test --skip-build --filter "$filter"
