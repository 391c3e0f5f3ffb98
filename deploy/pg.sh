#!/usr/bin/env bash
# A private PostgreSQL 15 cluster in a folder, for `make run` and `make check`: no system-wide
# server is assumed. It listens on a unix socket inside the folder only (no TCP port to clash),
# runs as the `postgres` user when we are root, and every command is idempotent.
#
#   pg.sh start DIR     initdb if needed, start if stopped; prints the cdtt database URL
#   pg.sh stop DIR      stop if running
#   pg.sh url DIR       the database URL (role and database cdtt)
#   pg.sh admin-url DIR a URL as the superuser, to the postgres database
#   pg.sh dir-for-run   the folder `make run` uses: CDTT_RUN_DIR when set, else .run/pg in the
#                       project, or a folder under /var/tmp when the postgres user cannot reach
#                       the project folder
set -euo pipefail
# CDTT_PG_BIN: the folder of the PostgreSQL server binaries (initdb, pg_ctl, postgres) to use
# instead of the installed ones, e.g. another minor release unpacked beside them.
PGBIN=${CDTT_PG_BIN:-${PGBIN:-/usr/lib/postgresql/15/bin}}
cmd=${1:-}; dir=${2:-}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
url() { printf 'postgresql://%s@/%s?host=%s/sock\n' "$1" "$2" "$dir"; }

case "$cmd" in
  dir-for-run)
    if [ -n "${CDTT_RUN_DIR:-}" ]; then echo "$CDTT_RUN_DIR"; exit 0; fi
    here=$(cd "$(dirname "$0")/.." && pwd)
    if [ "$(id -u)" -ne 0 ] || runuser -u postgres -- test -x "$here"; then
      echo "$here/.run/pg"
    else
      echo "/var/tmp/cdtt-run-$(printf '%s' "$here" | sha256sum | cut -c1-12)"
    fi
    exit 0 ;;
  start|stop|url|admin-url) [ -n "$dir" ] || { echo "usage: $0 $cmd DIR" >&2; exit 2; } ;;
  *) echo "usage: $0 start|stop|url|admin-url DIR | dir-for-run" >&2; exit 2 ;;
esac

case "$cmd" in
  url) url cdtt cdtt; exit 0 ;;
  admin-url) url postgres postgres; exit 0 ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    exit 0 ;;
esac

mkdir -p "$dir/sock"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir" "$dir/sock"; fi
if [ ! -f "$dir/data/PG_VERSION" ]; then
  as_owner "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir/sock'
max_connections = 200
shared_buffers = 256MB
jit = off
log_error_verbosity = terse
CONF
  # A cluster thrown away after the tests need not survive a power cut.
  if [ "${CDTT_PG_THROWAWAY:-}" = 1 ]; then
    printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' >> "$dir/data/postgresql.conf"
  fi
fi
if ! as_owner "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 start >/dev/null
fi
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$(url postgres postgres)" "$@"; }
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'cdtt'")" != 1 ]; then
  psql_admin -c "CREATE ROLE cdtt LOGIN CREATEDB"
  psql_admin -c "CREATE DATABASE cdtt OWNER cdtt"
fi
url cdtt cdtt
