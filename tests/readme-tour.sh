#!/usr/bin/env bash
# Runs README.md's tour as a newcomer would after `make run`: every ```sh block, in order, in one
# shell (variables carry from block to block), against a fresh server with the demo province.
#
#   tests/readme-tour.sh [BUILD_DIR]
#
# The server is started the way `make run` starts it (deploy/run-local.sh: migrate, seed-demo,
# serve), on a free loopback port, with a database `cdtt_tour` in the throwaway cluster of
# tests/run.sh (CDTT_TEST_PGDIR), or in a cluster of its own when run alone. CDTT_RUN_DIR points
# `make env` and `make admin-password` at this server's folder. In the blocks, localhost:8080
# becomes that port and build/cdtt becomes BUILD_DIR/cdtt.
#
# Conventions in README.md:
#   <!-- tour: skip -->   on the line before a ```sh block: the block is not run (make run itself,
#                         opening a browser)
#   # expect NNN          a comment line: the next curl command must answer HTTP NNN
# Any command that fails, and any HTTP status >= 400 not announced so, fails the tour.
# Exit code: 0 when the whole tour ran. Its output is kept in BUILD_DIR/readme-tour.log.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
build=${1:-build}
readme=${TOUR_README:-README.md}   # another file: to try the tour of an older README
tmp=$(mktemp -d /tmp/cdtt-tour.XXXXXX)
chmod 755 "$tmp"
own_cluster=""
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$own_cluster" ] && deploy/pg.sh stop "$own_cluster" >/dev/null 2>&1
  # a block that ran `make run` itself would have started a cluster here
  deploy/pg.sh stop "$tmp/run" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "readme tour: FAILED: $*" >&2; exit 1; }

for tool in curl jq make; do
  command -v $tool >/dev/null 2>&1 || fail "needs $tool (deploy/install-deps.sh run installs it)"
done

# --- the database: a fresh one, as make run's first run has
pgdir=${CDTT_TEST_PGDIR:-}
if [ -z "$pgdir" ]; then
  pgdir=$tmp/pg; own_cluster=$pgdir
  CDTT_PG_THROWAWAY=1 deploy/pg.sh start "$pgdir" >/dev/null || fail "cannot start PostgreSQL in $pgdir"
fi
admin_url=$(deploy/pg.sh admin-url "$pgdir")
psql -X -q -v ON_ERROR_STOP=1 "$admin_url" -c "DROP DATABASE IF EXISTS cdtt_tour" \
  -c "CREATE DATABASE cdtt_tour OWNER cdtt" || fail "cannot create the database cdtt_tour"
database_url="postgresql://cdtt@/cdtt_tour?host=$pgdir/sock"

# --- a free loopback port (bash alone: the fresh Debian root has no python)
port=""
for _ in $(seq 1 50); do
  p=$((12000 + RANDOM % 20000))   # below the ephemeral range, where clients take ports
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || fail "no free port"

# --- the server, as make run starts it
export CDTT_RUN_DIR=$tmp/run
CDTT_DATABASE_URL=$database_url CDTT_LISTEN=127.0.0.1:$port \
  deploy/run-local.sh "$build/cdtt" > "$tmp/server.log" 2>&1 &
server_pid=$!
ready=0
for _ in $(seq 1 600); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ] && { ready=1; break; }
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.5
done
if [ $ready != 1 ]; then cat "$tmp/server.log" >&2; fail "the server did not become ready"; fi
grep -q '^admin password: ' "$tmp/server.log" || fail "run-local.sh did not print the admin password"

# --- the tour, from README.md
script=$tmp/tour.sh
{
  cat <<'PRELUDE'
set -euo pipefail
trap 'echo "readme tour: exit $? from: $BASH_COMMAND" >&2' ERR
# curl as the newcomer types it, and the status it answered checked: >= 400 fails the tour
# unless the README announced it (# expect NNN).
curl() {
  local expect=${TOUR_EXPECT:-} status_file rc=0 status
  status_file=$(mktemp)
  command curl -w '%{stderr}%{http_code}\n' "$@" 2>"$status_file" || rc=$?
  status=$(tail -n 1 "$status_file")
  head -n -1 "$status_file" >&2
  rm -f "$status_file"
  if [ -n "$expect" ] && [ "$status" != "$expect" ]; then
    echo "readme tour: HTTP $status, expected $expect, from: curl $*" >&2; return 1
  fi
  if [ -z "$expect" ] && [ "${status:-0}" -ge 400 ]; then
    echo "readme tour: HTTP $status from: curl $*" >&2; return 1
  fi
  return $rc
}
PRELUDE
  awk -v port="$port" -v bin="$build/cdtt" '
    /<!-- tour: skip -->/ { skip = 1; next }
    /^```sh[[:space:]]*$/ { inblock = 1; blocks++; run = !skip; skip = 0
                            if (run) printf "printf \"\\n== README block %d (line %d)\\n\"\n", blocks, NR
                            next }
    inblock && /^```/     { inblock = 0; next }
    !inblock              { next }
    !run                  { next }
    /^# expect [0-9][0-9][0-9][[:space:]]*$/ { expect = $3; next }
    {
      line = $0
      gsub(/localhost:8080/, "127.0.0.1:" port, line)
      gsub(/build\/cdtt/, bin, line)
      if (expect != "" && line ~ /^curl /) { line = "TOUR_EXPECT=" expect " " line; expect = "" }
      print line
    }' "$readme"
  echo 'printf "\n== README tour: done\n"'
} > "$script"
grep -q 'README block' "$script" || fail "no \`\`\`sh blocks found in README.md"

# A newcomer's terminal: not inside make, and in the project folder.
# At most 10 minutes: a block that serves in the foreground (an unmarked `make run`) fails.
if ! (cd "$repo" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL timeout 600 bash "$script") > "$tmp/tour.log" 2>&1; then
  cat "$tmp/tour.log" >&2
  fail "a command of README.md's tour failed (above)"
fi
cp "$tmp/tour.log" "$build/readme-tour.log"
echo "readme tour: $(grep -c '^== README block' "$tmp/tour.log") blocks run (output: $build/readme-tour.log)"
kill -TERM "$server_pid"
wait "$server_pid"; code=$?
server_pid=""
[ $code -eq 0 ] || fail "the server exited $code on SIGTERM"
echo "readme tour: passed"
