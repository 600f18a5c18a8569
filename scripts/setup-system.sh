#!/usr/bin/env bash
# Installs the Debian packages Simpul builds and tests with (idempotent; needs root or sudo).
#   scripts/setup-system.sh          build + run: libcurl, SQLite, zlib headers
#   scripts/setup-system.sh --test   also what the tests need: systemd-nspawn and debootstrap (system test),
#                                    strace (secret-file modes), python3-venv (schemathesis), postgresql-15 (the
#                                    aggregator's second backend, run as a throwaway cluster), gdb (the stacks of a
#                                    hung test run, scripts/lib/test-watchdog.sh), chromium (the dashboard in a browser),
#                                    and what --package needs (the .deb system test builds the packages)
#   scripts/setup-system.sh --package  what scripts/package.sh needs: debhelper, dpkg-dev, lintian
set -euo pipefail
packages=(libcurl4-openssl-dev libsqlite3-dev zlib1g-dev pkg-config ca-certificates curl)
case "${1:-}" in
  --test) packages+=(systemd-container debootstrap systemd strace python3-venv postgresql-15 gdb chromium debhelper dpkg-dev lintian) ;;
  --package) packages+=(debhelper dpkg-dev lintian) ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "installing: ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
