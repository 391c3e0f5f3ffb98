#!/usr/bin/env bash
# Instructions a POST /api/v1/teams/{id}/activities costs, counted by callgrind: repeatable
# whatever else the machine is doing, so builds can be compared on a busy machine. For each
# build given: a throwaway cluster with its demo province (cdtt seed-demo), PostgreSQL under
# `valgrind --tool=callgrind --trace-children=yes` and `cdtt serve` (one thread, one
# connection) under callgrind too; WARM creates, then the server and the cluster are started
# again for WARM + N. A create's count is the difference over N: the PostgreSQL backends
# (the server's sessions' counts summed) and cdtt. Loopback only, bounded by N.
# Usage: tests/bench/create-count.sh BUILD_DIR [BUILD_DIR...]   (env N, default 100; WARM, 20)
#   a BUILD_DIR may be another checkout's build folder: /path/to/checkout/build
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${N:-100}
warm=${WARM:-20}
PGBIN=/usr/lib/postgresql/15/bin
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [BUILD_DIR...]" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "create-count: needs valgrind" >&2; exit 2; }
tmp=$(mktemp -d /tmp/cdtt-count.XXXXXX); chmod 755 "$tmp"
spid="" ppid=""
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_all() {
  [ -n "$spid" ] && kill -INT "$spid" 2>/dev/null && wait "$spid" 2>/dev/null || true
  [ -n "$ppid" ] && as_pg "$PGBIN/pg_ctl" -D "$tmp/data" stop -m fast >/dev/null 2>&1 || true
  spid="" ppid=""
}
trap 'stop_all; rm -rf "$tmp"' EXIT

# The sum of the callgrind totals of the files named in $2 (a list) in folder $1.
total() {
  local sum=0 f t
  for f in $2; do
    f=$1/$f
    [ -e "$f" ] || continue
    t=$(awk '/^(summary|totals):/ {print $2; exit}' "$f")
    sum=$((sum + ${t:-0}))
  done
  echo "$sum"
}

# One round: the cluster and the server under callgrind, `count` creates; prints the
# backends' and cdtt's totals. Arguments: build, count, output folder.
round() {
  local build=$1 count=$2 out=$3 port url token i
  mkdir -p "$out"; chmod 777 "$out"
  as_pg valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$out/pg.%p" \
    "$PGBIN/postgres" -D "$tmp/data" >"$out/pg.log" 2>&1 &
  ppid=$!
  for i in $(seq 600); do
    as_pg "$PGBIN/pg_isready" -q -h "$tmp/sock" && break; sleep 0.2
  done
  url="postgresql://cdtt@/cdtt?host=$tmp/sock"
  port=$((20000 + RANDOM % 20000))
  CDTT_DATABASE_URL=$url CDTT_LISTEN=127.0.0.1:$port CDTT_LOG_LEVEL=warn CDTT_THREADS=1 \
    CDTT_DB_POOL_SIZE=1 CDTT_JWT_SECRET=bench-secret-0123456789abcdef0123456789 \
    valgrind --tool=callgrind --callgrind-out-file="$out/cdtt.out" "$build/cdtt" serve \
    >"$out/serve.log" 2>&1 &
  spid=$!
  for i in $(seq 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  token=$(curl -s "http://127.0.0.1:$port/api/v1/auth/token" -d grant_type=password \
    -d username=admin --data-urlencode "password=$password" |
    sed 's/.*"access_token":"\([^"]*\)".*/\1/')
  for i in $(seq "$count"); do
    curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' -d "$body" \
      "http://127.0.0.1:$port/api/v1/teams/$team/activities"
  done | sort | uniq -c | awk '$2 != 201 {print "create-count: " $1 " answers " $2 > "/dev/stderr"; bad=1}
                               END {exit bad}'
  # the server's sessions (its pool and its change listener), not autovacuum's or ours
  backends=$(psql -X -At "$url" -c "SELECT 'pg.' || pid FROM pg_stat_activity
                                    WHERE datname = 'cdtt' AND pid <> pg_backend_pid()")
  stop_all
  echo "$(total "$out" "$backends") $(total "$out" cdtt.out)"
}

printf '%-40s %16s %16s\n' "build" "PostgreSQL/create" "cdtt/create"
for build in "$@"; do
  stop_all; rm -rf "$tmp/data" "$tmp/sock" "$tmp/r"*
  url=$(CDTT_PG_THROWAWAY=1 deploy/pg.sh start "$tmp")
  password=$(CDTT_DATABASE_URL=$url "$build/cdtt" seed-demo | sed -n 's/^admin password: //p')
  q() { psql -X -At "$url" -c "$1"; }
  team=$(q "SELECT t.id FROM teams t JOIN units u ON u.code = t.unit_code ORDER BY u.code LIMIT 1 OFFSET 500")
  member=$(q "SELECT member_id FROM memberships WHERE team_id = '$team' AND left_on IS NULL LIMIT 1")
  today=$(q "SELECT (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date")
  body="{\"date\":\"$today\",\"kind\":\"household_visit\",\"service_codes\":[\"vneid_level2\"],\"households_reached\":2,\"people_reached\":5,\"member_ids\":[\"$member\"]}"
  deploy/pg.sh stop "$tmp" >/dev/null
  read -r pg_a cd_a < <(round "$build" "$warm" "$tmp/ra")
  read -r pg_b cd_b < <(round "$build" "$((warm + n))" "$tmp/rb")
  printf '%-40s %16s %16s\n' "$build ($("$build/cdtt" version 2>/dev/null | head -1))" \
    "$(( (pg_b - pg_a) / n ))" "$(( (cd_b - cd_a) / n ))"
done
