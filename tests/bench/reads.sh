#!/usr/bin/env bash
# Reads, writes and reports against the demo province (cdtt seed-demo), side by side with
# PostgreSQL's own select-only speed, in one run, loopback only, bounded in time:
#   GET /api/v1/teams/{id}                  a single resource with a valid token: one team, then
#                                           any of the province's teams at random, then one team
#                                           with the in-memory caches off (every read from PostgreSQL)
#   GET /api/v1/members/{id}                another single resource
#   GET /api/v1/members?unit=<commune>      a 50-item page of a commune's members
#   pgbench -S -M prepared                  at the same concurrency
#   POST /api/v1/teams/{id}/activities      write throughput
#   GET /api/v1/reports/coverage?unit=HG    the whole province (and 20 provinces with SCALE20=1)
# Usage: tests/bench/reads.sh [BUILD_DIR]  (env DURATION, CONNECTIONS, SCALE20=1)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
duration=${DURATION:-10}
conns=${CONNECTIONS:-16}
PGBIN=/usr/lib/postgresql/15/bin
tmp=$(mktemp -d /tmp/cdtt-bench.XXXXXX); chmod 755 "$tmp"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; deploy/pg.sh stop "$tmp" >/dev/null; rm -rf "$tmp"; }
serve() { # extra environment for cdtt serve; sets pid
  env "$@" CDTT_DATABASE_URL="$url" CDTT_LISTEN="127.0.0.1:$port" CDTT_LOG_LEVEL=warn \
    CDTT_JWT_SECRET=bench-secret-0123456789abcdef0123456789 "$build/cdtt" serve >> "$tmp/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
}
trap cleanup EXIT
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

url=$(CDTT_PG_THROWAWAY=1 deploy/pg.sh start "$tmp")
seed_start=$(date +%s.%N)
password=$(CDTT_DATABASE_URL=$url "$build/cdtt" seed-demo | sed -n 's/^admin password: //p')
seed_s=$(echo "$(date +%s.%N) - $seed_start" | bc)
port=$((20000 + RANDOM % 20000))
serve
base="http://127.0.0.1:$port"
token=$(curl -s "$base/api/v1/auth/token" -d grant_type=password -d username=admin \
  --data-urlencode "password=$password" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
q() { psql -X -At "$url" -c "$1"; }
team=$(q "SELECT t.id FROM teams t JOIN units u ON u.code = t.unit_code ORDER BY u.code LIMIT 1 OFFSET 500")
commune=$(q "SELECT code FROM units WHERE level = 'commune' ORDER BY code LIMIT 1 OFFSET 20")
member=$(q "SELECT member_id FROM memberships WHERE team_id = '$team' AND left_on IS NULL LIMIT 1")
today=$(q "SELECT (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date")
cat > "$tmp/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
LUA
{ echo "wrk.headers[\"Authorization\"] = \"Bearer $token\""
  echo "ids = {"; q "SELECT '\"' || id || '\",' FROM teams"; echo "}"
  echo 'request = function() return wrk.format(nil, "/api/v1/teams/" .. ids[math.random(#ids)]) end'
} > "$tmp/teams.lua"
cat > "$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"date":"$today","kind":"household_visit","service_codes":["vneid_level2"],"households_reached":2,"people_reached":5,"member_ids":["$member"]}'
LUA
as_pg "$PGBIN/pgbench" -q -i -s 10 -h "$tmp/sock" -U postgres postgres >/dev/null 2>&1

echo "cdtt reads/writes/reports, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $conns connections, ${duration}s each"
echo "seed-demo (scale 1): ${seed_s}s"
printf '%-46s %12s %10s %10s\n' "what" "requests/s" "p50" "p99"
run() { # label, script, path
  out=$(wrk -t2 -c"$conns" -d"${duration}s" --latency -s "$2" "$base$3")
  printf '%-46s %12s %10s %10s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1 == "50%" {print $2}' <<<"$out")" "$(awk '$1 == "99%" {print $2}' <<<"$out")"
  grep -q "Non-2xx" <<<"$out" && grep "Non-2xx" <<<"$out" || true
}
run "GET /api/v1/teams/{id}" "$tmp/get.lua" "/api/v1/teams/$team"
run "GET /api/v1/teams/{any of $(q "SELECT count(*) FROM teams")}" "$tmp/teams.lua" "/"
run "GET /api/v1/members/{id}" "$tmp/get.lua" "/api/v1/members/$member"
run "GET /api/v1/members?unit=$commune (50)" "$tmp/get.lua" "/api/v1/members?unit=$commune&limit=50"
tps=$(as_pg "$PGBIN/pgbench" -S -M prepared -c "$conns" -j 2 -T "$duration" -h "$tmp/sock" -U postgres postgres 2>/dev/null |
      awk '/^tps/ {print $3; exit}')
printf '%-46s %12s\n' "pgbench -S -M prepared (tps)" "$tps"
run "POST /api/v1/teams/{id}/activities" "$tmp/post.lua" "/api/v1/teams/$team/activities"
report_ms() { # path: the best of 5, in ms
  best=999999
  for _ in 1 2 3 4 5; do
    t=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" "$base$1")
    t=$(echo "$t * 1000" | bc); best=$(echo "if ($t < $best) $t else $best" | bc)
  done
  echo "$best"
}
echo "GET /api/v1/reports/coverage?unit=HG (1 province): $(report_ms /api/v1/reports/coverage?unit=HG) ms"
echo "peak RSS of cdtt serve: $(awk '/VmHWM/ {print $2 " " $3}' "/proc/$pid/status")"
# The same team read with no in-memory cache (no change listener: accounts and teams are
# read from PostgreSQL on every request).
kill "$pid"; wait "$pid" 2>/dev/null || true
serve CDTT_ACCOUNT_CACHE_TTL=0
run "GET /api/v1/teams/{id} (caches off)" "$tmp/get.lua" "/api/v1/teams/$team"
run "GET /api/v1/members/{id} (caches off)" "$tmp/get.lua" "/api/v1/members/$member"
if [ "${SCALE20:-}" = 1 ]; then
  CDTT_DATABASE_URL=$url "$build/cdtt" seed-demo --scale 20 >/dev/null
  echo "GET /api/v1/reports/coverage (20 provinces: the admin's whole tree): $(report_ms /api/v1/reports/coverage) ms"
  echo "GET /api/v1/reports/coverage?unit=HG (1 of 20 provinces): $(report_ms /api/v1/reports/coverage?unit=HG) ms"
fi
