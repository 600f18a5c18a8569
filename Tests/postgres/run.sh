#!/usr/bin/env bash
# The aggregator's suite on PostgreSQL: starts a throwaway PostgreSQL 15 cluster on 127.0.0.1 (as the postgres user
# when run as root), runs the same tests that ran on SQLite with SIMPUL_TEST_POSTGRES set, and stops the cluster:
# the aggregator's tests (each gets its own database; the outage test starts and kills its own cluster) and the live
# end-to-end suites whose aggregator is `simpul-aggregator init --database` (real processes, restore by pg_restore).
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
export SIMPUL_PG_FAST=1
url="$(scripts/throwaway-postgres.sh start "$dir")"
echo "PostgreSQL at $url"
if [ -n "${SIMPUL_PG_TEST_FILTER:-}" ]; then
  SIMPUL_TEST_POSTGRES="$url" scripts/lib/test-watchdog.sh 900 swift test --skip-build --filter "$SIMPUL_PG_TEST_FILTER"
  exit
fi
# One after the other: both at once on 2 cores starve the live processes' deadlines.
SIMPUL_TEST_POSTGRES="$url" scripts/lib/test-watchdog.sh 900 swift test --skip-build --filter SimpulAggregatorTests
echo "== the live end-to-end suites whose aggregator runs on PostgreSQL =="
live="SyncRoundTripTests|SyncHealingTests|SyncQuarantineTests|SyncRefusalTests|SyncConcurrencyTests|SyncCrashTests|FeedLoopTests|RebuildRecoverTests"
SIMPUL_TEST_POSTGRES="$url" scripts/lib/test-watchdog.sh 900 swift test --skip-build --filter "$live"
