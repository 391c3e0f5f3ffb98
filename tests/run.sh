#!/usr/bin/env bash
# Runs every test against a throwaway PostgreSQL: unit suites, the OpenAPI lint, integration
# suites, the OpenAPI document against real traffic (Prism), README.md's tour. Usage:
# tests/run.sh BUILD_DIR (build or build/asan). Exit code: 0 when all passed.
# CK_RUN_SUITE=name (Check's own variable) runs one suite only, while working on it; the Prism
# check runs with every suite, or alone with CK_RUN_SUITE=prism; the tour in whole runs only.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tmp=$(mktemp -d /tmp/cdtt-check.XXXXXX)
chmod 755 "$tmp"
cleanup() { deploy/pg.sh stop "$tmp" >/dev/null 2>&1; rm -rf "$tmp"; }
trap cleanup EXIT

failed=0
step() { echo; echo "== $1"; }

step "source rules (tests/source-rules.sh)"
tests/source-rules.sh || failed=1

step "unit tests"
"$build/tests/unit" || failed=1

step "SQLSTATE literals (tests/sqlstate-literals.sh)"
tests/sqlstate-literals.sh || failed=1

step "OpenAPI lint (Redocly)"
# Redocly needs Node.js >= 20.19, which Debian 12 does not ship: skipped, and said so, without it.
if why=$(tests/node-ok.sh redocly); then
  .tools/node_modules/.bin/redocly lint --config openapi/redocly.yaml --format=stylish openapi/openapi.yaml || failed=1
else
  echo "skipped: $why"
fi

step "integration tests (PostgreSQL in $tmp)"
if CDTT_PG_THROWAWAY=1 deploy/pg.sh start "$tmp" >/dev/null; then
  # which release ran the suite (CDTT_PG_BIN chooses another than the installed one)
  echo "PostgreSQL $(psql -X -tAc 'SHOW server_version' "$(deploy/pg.sh admin-url "$tmp")")"
  CDTT_TEST_PGDIR=$tmp CDTT_TEST_ADMIN_URL=$(deploy/pg.sh admin-url "$tmp") \
    CDTT_BIN=$build/cdtt "$build/tests/integration" || failed=1
  if [ -z "${CK_RUN_SUITE:-}" ] || [ "${CK_RUN_SUITE}" = migrations ]; then
    step "released migrations, then these, make the schema fresh ones make (tests/pg-versions/amended-history.sh)"
    CDTT_TEST_PGDIR=$tmp tests/pg-versions/amended-history.sh "$build" || failed=1
  fi
  if [ -z "${CK_RUN_SUITE:-}" ] || [ "${CK_RUN_SUITE}" = intake ]; then
    step "slow clients (slowhttptest)"
    tests/slow/slow-clients.sh "$build/cdtt" "$(deploy/pg.sh url "$tmp")" || failed=1
  fi
  if [ -z "${CK_RUN_SUITE:-}" ] || [ "${CK_RUN_SUITE:-}" = prism ]; then
    step "OpenAPI against real traffic (Prism)"
    tests/contract/prism-check.sh "$build" "$tmp" || failed=1
  fi
  if [ -z "${CK_RUN_SUITE:-}" ]; then
    step "README tour (tests/readme-tour.sh: README.md's commands after make run)"
    CDTT_TEST_PGDIR=$tmp tests/readme-tour.sh "$build" || failed=1
  fi
else
  echo "cannot start PostgreSQL; see $tmp/postgres.log" >&2
  cat "$tmp/postgres.log" >&2 || true
  failed=1
fi

echo
if [ $failed -eq 0 ]; then echo "make check: all passed"; else echo "make check: FAILED"; fi
exit $failed
