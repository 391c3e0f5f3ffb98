#!/usr/bin/env bash
# Applies every migration embedded in build/cdtt to a fresh cluster of the PostgreSQL whose
# server binaries are in PGBIN_DIR, to check that they apply on a PostgreSQL minor release other
# than the one installed (PostgreSQL 15.20 refuses some ALTER TABLEs that 15.18 applies). Usage:
#   tests/pg-versions/migrate-on.sh PGBIN_DIR [BUILD_DIR]
# e.g. with Debian's 15.20 unpacked beside the installed one, without installing it:
#   apt-get download postgresql-15=15.20-0+deb12u1 && dpkg -x postgresql-15_*.deb /var/tmp/pg1520
#   tests/pg-versions/migrate-on.sh /var/tmp/pg1520/usr/lib/postgresql/15/bin
# It runs `cdtt migrate` twice (the second must apply nothing) and prints the server's version
# and the latest recorded migration. Exit code: 0 when every migration applied.
#   CDTT_OLD=path/to/an/older/cdtt   migrate with it first, as a database made by an earlier
#                                   release (its files, its checksums), then with BUILD_DIR's,
#                                   then with it again (a rollback: it must still start)
#   CDTT_OLD_PG_BIN=dir               ... on a cluster made and run by that PostgreSQL, which is
#                                   then stopped and started again with PGBIN_DIR's (a minor
#                                   upgrade of the server under a database already migrated)
#   SCHEMA_OUT=file                 write the resulting schema there (pg_dump --schema-only),
#                                   to compare what two ways of migrating made
set -uo pipefail
cd "$(dirname "$0")/../.."
pgbin=${1:?usage: $0 PGBIN_DIR [BUILD_DIR]}
build=${2:-build}
[ -x "$pgbin/postgres" ] || { echo "no postgres in $pgbin" >&2; exit 2; }
[ -x "$build/cdtt" ] || { echo "no $build/cdtt: run make first" >&2; exit 2; }
tmp=$(mktemp -d /tmp/cdtt-pgver.XXXXXX)
chmod 755 "$tmp"
cleanup() { CDTT_PG_BIN=$pgbin deploy/pg.sh stop "$tmp" >/dev/null 2>&1; rm -rf "$tmp"; }
trap cleanup EXIT

start() {
  if ! url=$(CDTT_PG_BIN=$1 deploy/pg.sh start "$tmp"); then
    echo "cannot start PostgreSQL from $1" >&2
    cat "$tmp/postgres.log" >&2 2>/dev/null
    exit 1
  fi
  echo "server: $(psql -X -tAc 'SHOW server_version' "$url")"
}
rc=0
start "${CDTT_OLD_PG_BIN:-$pgbin}"
if [ -n "${CDTT_OLD:-}" ]; then
  echo "first with $CDTT_OLD:"
  CDTT_DATABASE_URL=$url "$CDTT_OLD" migrate || rc=1
fi
if [ -n "${CDTT_OLD_PG_BIN:-}" ]; then
  CDTT_PG_BIN=$CDTT_OLD_PG_BIN deploy/pg.sh stop "$tmp"
  start "$pgbin"
fi
CDTT_DATABASE_URL=$url "$build/cdtt" migrate || rc=1
if [ $rc -eq 0 ]; then
  again=$(CDTT_DATABASE_URL=$url "$build/cdtt" migrate) || rc=1
  [ "$again" = "migrations applied: 0" ] || { echo "second run: $again" >&2; rc=1; }
fi
if [ $rc -eq 0 ] && [ -n "${CDTT_OLD:-}" ]; then
  back=$(CDTT_DATABASE_URL=$url "$CDTT_OLD" migrate) || rc=1
  [ "$back" = "migrations applied: 0" ] || { echo "$CDTT_OLD again: $back" >&2; rc=1; }
fi
echo "latest recorded migration: $(psql -X -tAc 'SELECT max(version) FROM schema_migrations' "$url" 2>/dev/null)"
if [ -n "${SCHEMA_OUT:-}" ]; then
  pg_dump --schema-only --no-owner "$url" | grep -v '^-- Dumped' > "$SCHEMA_OUT" || rc=1
fi
if [ $rc -eq 0 ]; then echo "PASS"; else echo "FAIL"; fi
exit $rc
