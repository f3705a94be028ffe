#!/usr/bin/env bash
# What the tests need from the machine, for `make test` and .ci/run alike (Debian):
# installs the missing system packages (as root: apt-get update once, only when something is
# missing), starts PostgreSQL and Redis when they are not running, and checks that the tests
# can reach them. Without root it changes nothing: it stops with one line saying what to do.
# Quiet when everything is there. PG_ADMIN: the database the tests connect to first.
set -euo pipefail

PG_ADMIN="${PG_ADMIN:-postgresql://postgres@127.0.0.1:5432/test}"
PYTHON="${PYTHON:-python3}"

fail() {
  echo "setup-machine: $*" >&2
  exit 1
}

# What the tests use, how it is found, and the Debian package that brings it:
#   /usr/bin/chromium  the browser tests (tests/e2e)                           chromium
#   DejaVu fonts       text in Chromium's pages                                fonts-dejavu-core
#   pdftoppm           posters rendered to pictures (tests, poster preview)    poppler-utils
#   zbarimg            the posters' QR codes read back                         zbar-tools
#   msgfmt             checking the translation catalogue by hand              gettext
#   pg_isready, psql   the PostgreSQL run (LOCATOR_TEST_DB=postgresql)         postgresql
#   redis-cli          Redis, for the shared rate limits                       redis-server
need=()
test -x /usr/bin/chromium || need+=(chromium)
test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || need+=(fonts-dejavu-core)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
command -v zbarimg >/dev/null || need+=(zbar-tools)
command -v msgfmt >/dev/null || need+=(gettext)
{ command -v pg_isready && command -v psql; } >/dev/null || need+=(postgresql)
{ command -v redis-server && command -v redis-cli; } >/dev/null || need+=(redis-server)
# The virtualenv: Debian's own python3 needs python3-venv for it.
"$PYTHON" -c "import ensurepip, venv" 2>/dev/null || need+=(python3-venv)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    fail "missing ${need[*]}: install them (Debian: sudo apt-get install ${need[*]}), then run this again"
  fi
  echo "setup-machine: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
test -x /usr/bin/chromium || fail "/usr/bin/chromium is missing after installing chromium"

# PostgreSQL on 127.0.0.1:5432
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  [ "$(id -u)" -eq 0 ] || fail "PostgreSQL is not running on 127.0.0.1:5432: start it (sudo pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql 2>/dev/null | head -1) main start)"
  echo "setup-machine: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432 -q || fail "PostgreSQL did not start on 127.0.0.1:5432"
fi
psql "$PG_ADMIN" -qtAc "SELECT 1" >/dev/null 2>&1 ||
  fail "cannot connect to $PG_ADMIN as the tests do: let user postgres in from 127.0.0.1 without a password (pg_hba.conf: trust) and create database test, or set PG_ADMIN"

# Redis on 127.0.0.1:6379
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || fail "Redis is not running on 127.0.0.1:6379: start it (sudo redis-server --daemonize yes --port 6379)"
  echo "setup-machine: starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 10); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || fail "Redis did not start on 127.0.0.1:6379"
fi
