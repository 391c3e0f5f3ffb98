#!/usr/bin/env bash
# The amended migrations are equivalent to the released ones: a database migrated with the files
# as released at commit 3be987e (functions and triggers still made by the migrations), then by
# BUILD_DIR's cdtt, ends with the same schema (pg_dump --schema-only) as a fresh database
# migrated by BUILD_DIR's cdtt; and its stored member documents are rebuilt by that run.
# Usage:
#   tests/pg-versions/amended-history.sh [BUILD_DIR]
#   CDTT_TEST_PGDIR=dir   use that running cluster (deploy/pg.sh, as tests/run.sh starts it)
#                         instead of starting a throwaway one
# The released files are read from git (git show 3be987e:db/...); without that history (an
# export of the tree) the check is skipped, and says so. Exit code: 0 when the schemas match.
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
released=3be987e
[ -x "$build/cdtt" ] || { echo "no $build/cdtt: run make first" >&2; exit 2; }
if ! git cat-file -e "$released:db/migrations/0001_extensions.sql" 2>/dev/null; then
  echo "skipped: no git history with commit $released here"
  exit 0
fi
tmp=$(mktemp -d /tmp/cdtt-history.XXXXXX)
chmod 755 "$tmp"
pgdir=${CDTT_TEST_PGDIR:-}
cleanup() {
  if [ -z "${CDTT_TEST_PGDIR:-}" ]; then deploy/pg.sh stop "$pgdir" >/dev/null 2>&1; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
if [ -z "$pgdir" ]; then
  pgdir=$tmp/pg
  mkdir -p "$pgdir" && chmod 755 "$pgdir"
  CDTT_PG_THROWAWAY=1 deploy/pg.sh start "$pgdir" >/dev/null ||
    { echo "cannot start PostgreSQL" >&2; exit 1; }
fi
admin=$(deploy/pg.sh admin-url "$pgdir")
db_url() { printf '%s\n' "${admin/\/postgres\?//$1?}"; }
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
for db in cdtt_history_released cdtt_history_fresh; do
  psql_q "$admin" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null || exit 1
done
old=$(db_url cdtt_history_released)
fresh=$(db_url cdtt_history_fresh)

# The released files, applied as db/migrate.c applies them: each in one transaction with its
# record and the SHA-256 of its content; then the function files, recorded likewise.
psql_q "$old" -c "CREATE TABLE schema_migrations (version integer PRIMARY KEY,
  name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())" \
  -c "CREATE TABLE schema_functions (name text PRIMARY KEY, checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now())" || exit 1
for kind in migrations functions; do
  for f in $(git ls-tree --name-only "$released" "db/$kind/" | sort); do
    name=$(basename "$f")
    git show "$released:$f" > "$tmp/$name"
    sum=$(sha256sum "$tmp/$name" | cut -c1-64)
    if [ "$kind" = migrations ]; then
      record="INSERT INTO schema_migrations (version, name, checksum)
              VALUES (${name%%_*}::integer, '$name', '$sum')"
    else
      record="INSERT INTO schema_functions (name, checksum) VALUES ('$name', '$sum')"
    fi
    psql_q -1 "$old" -f "$tmp/$name" -c "$record" >/dev/null 2>"$tmp/err" ||
      { echo "released $f failed:" >&2; cat "$tmp/err" >&2; exit 1; }
  done
done
# a member whose stored documents the released files made
psql_q "$old" -c "INSERT INTO units (code, name, level) VALUES ('H01', 'Hà Giang', 'province')" \
  -c "INSERT INTO members (unit_code, full_name, phone) VALUES ('H01', 'Lò Thị Mai', '0912345623')" \
  -c "UPDATE member_documents SET masked = 'stale'" || exit 1

rc=0
CDTT_DATABASE_URL=$old "$build/cdtt" migrate >"$tmp/out" 2>&1 ||
  { echo "cdtt migrate on the released history failed:" >&2; cat "$tmp/out" >&2; rc=1; }
CDTT_DATABASE_URL=$fresh "$build/cdtt" migrate >"$tmp/out" 2>&1 ||
  { echo "cdtt migrate on a fresh database failed:" >&2; cat "$tmp/out" >&2; rc=1; }
# Normalised: \restrict carries a random key of each dump, and PostgreSQL 15.20 records a
# column's pg_attver, a value of its own that differs between any two databases.
schema() {
  pg_dump --schema-only --no-owner "$1" | grep -vE '^(-- Dumped |\\(un)?restrict )' |
    sed -E 's/pg_attver=[0-9]+/pg_attver=N/'
}
if [ $rc -eq 0 ]; then
  schema "$old" > "$tmp/released.sql" && schema "$fresh" > "$tmp/fresh.sql" || rc=1
  if ! diff -u "$tmp/released.sql" "$tmp/fresh.sql" > "$tmp/diff"; then
    echo "the schemas differ (released history, then cdtt migrate | fresh cdtt migrate):" >&2
    head -200 "$tmp/diff" >&2
    rc=1
  fi
  stale=$(psql -X -tA "$old" -c "SELECT count(*) FROM member_documents d JOIN members m
    ON m.id = d.member_id WHERE d.masked <> member_json(m, false)::text") || rc=1
  [ "$stale" = 0 ] || { echo "$stale stored member documents were not rebuilt" >&2; rc=1; }
fi
for db in cdtt_history_released cdtt_history_fresh; do
  psql_q "$admin" -c "DROP DATABASE IF EXISTS $db" 2>/dev/null
done
if [ $rc -eq 0 ]; then
  echo "released history and fresh database: same schema ($(wc -l < "$tmp/fresh.sql") lines)"
fi
exit $rc
