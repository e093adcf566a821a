#!/usr/bin/env bash
# Makes PostgreSQL reachable at 127.0.0.1:5432 with trust auth and a `test` database:
# uses a running server, starts an installed one, or installs Debian's package.
set -euo pipefail

ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1 || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  if ! ready 2>/dev/null; then
    echo "ci: PostgreSQL is not installed; installing Debian's postgresql package" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  fi
fi

if ! ready; then
  echo "ci: starting PostgreSQL" >&2
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  conf=/etc/postgresql/$version/main
  # Trust auth on loopback, as the test URL has no password.
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"; then
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$conf/pg_hba.conf"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do ready && break; sleep 1; done
fi

if ! ready; then
  echo "ci: FAILED: PostgreSQL is not reachable at 127.0.0.1:5432; the PostgreSQL leg can't run" >&2
  exit 1
fi

# The test database (idempotent).
if ! psql -h 127.0.0.1 -U postgres -d test -c 'SELECT 1' >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -d postgres -c 'CREATE DATABASE test' >/dev/null
fi
echo "ci: PostgreSQL ready at 127.0.0.1:5432 (database test)" >&2
