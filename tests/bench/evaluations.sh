#!/usr/bin/env bash
# Evaluations against the demo province (cdtt seed-demo: 7,350 members' yearly and 2,071 teams'
# quarterly evaluations), loopback only, bounded in time:
#   GET /api/v1/reports/evaluations?unit=<province>&period=<year>      members, JSON and CSV
#   GET /api/v1/reports/evaluations?unit=<province>&period=<quarter>&subject_type=team
#   GET /api/v1/reports/evaluations?unit=<commune>&period=<year>       one commune
# each REQUESTS times in a row with curl after a warm-up (median, p95, max), the whole list
# ROUNDS times (the machines here are shared: a round can fall on someone else's build); then
# the province's member report under wrk at CONNECTIONS connections for DURATION seconds when
# wrk is there; and POST /api/v1/evaluations:prefill for the whole province (7,350 members)
# when the server has that route (skipped, and said so, on 404/405).
# Usage: tests/bench/evaluations.sh [BUILD_DIR]  (env REQUESTS, ROUNDS, DURATION, CONNECTIONS)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
requests=${REQUESTS:-50}
rounds=${ROUNDS:-2}
duration=${DURATION:-10}
conns=${CONNECTIONS:-4}
tmp=$(mktemp -d /tmp/cdtt-bench.XXXXXX); chmod 755 "$tmp"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; deploy/pg.sh stop "$tmp" >/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

url=$(CDTT_PG_THROWAWAY=1 deploy/pg.sh start "$tmp")
seed_start=$(date +%s.%N)
seed_out=$(CDTT_DATABASE_URL=$url "$build/cdtt" seed-demo)
seed_s=$(echo "$(date +%s.%N) - $seed_start" | bc)
password=$(sed -n 's/^admin password: //p' <<<"$seed_out")
port=$((20000 + RANDOM % 20000))
CDTT_DATABASE_URL=$url CDTT_LISTEN=127.0.0.1:$port CDTT_LOG_LEVEL=warn \
  CDTT_JWT_SECRET=bench-secret-0123456789abcdef0123456789 "$build/cdtt" serve >> "$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
token=$(curl -s "$base/api/v1/auth/token" -d grant_type=password -d username=admin \
  --data-urlencode "password=$password" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
q() { psql -X -At "$url" -c "$1"; }
province=$(q "SELECT code FROM units WHERE level = 'province' ORDER BY code LIMIT 1")
year=$(q "SELECT max(period) FROM evaluations WHERE subject_type = 'member' AND status = 'finalized'")
quarter=$(q "SELECT max(period) FROM evaluations WHERE subject_type = 'team' AND status = 'finalized'")
commune=$(q "SELECT code FROM units WHERE level = 'commune' ORDER BY code LIMIT 1 OFFSET 20")

echo "cdtt evaluations, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "seed-demo (scale 1): ${seed_s}s: $(sed -n 's/^demo data added: //p' <<<"$seed_out")"
echo "evaluations: $(q "SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) AS n FROM evaluations GROUP BY status ORDER BY status) s")"

# path [extra header]: REQUESTS sequential requests after 5 warm-ups; prints median, p95, max (ms)
timed() {
  local path=$1; shift
  local status
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$@" "$base$path")
  [ "$status" = 200 ] || { echo "$path: HTTP $status" >&2; return 1; }
  for _ in 1 2 3 4; do curl -s -o /dev/null -H "Authorization: Bearer $token" "$@" "$base$path"; done
  for _ in $(seq "$requests"); do
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$@" "$base$path"
  done | sort -n | awk '{ t[NR] = $1 * 1000 }
    END { i = int(NR * 0.95 + 0.5); if (i < 1) i = 1;
          printf "%8.1f %8.1f %8.1f\n", t[int((NR + 1) / 2)], t[i], t[NR] }'
}
row() { printf '%-78s %s\n' "$1" "$(timed "${@:2}")"; }
for round in $(seq "$rounds"); do
printf '%-78s %8s %8s %8s\n' "round $round: GET ($requests in a row, ms)" median p95 max
row "/api/v1/reports/evaluations?unit=$province&period=$year" \
  "/api/v1/reports/evaluations?unit=$province&period=$year"
row "  the same, Accept: text/csv" \
  "/api/v1/reports/evaluations?unit=$province&period=$year" -H 'Accept: text/csv'
row "  the same, evaluator_body=party_cell" \
  "/api/v1/reports/evaluations?unit=$province&period=$year&evaluator_body=party_cell"
row "/api/v1/reports/evaluations?unit=$province&period=$quarter&subject_type=team" \
  "/api/v1/reports/evaluations?unit=$province&period=$quarter&subject_type=team"
row "/api/v1/reports/evaluations?unit=$commune&period=$year (a commune)" \
  "/api/v1/reports/evaluations?unit=$commune&period=$year"
row "/api/v1/reports/coverage?unit=$province (for scale)" "/api/v1/reports/coverage?unit=$province"
done

if command -v wrk >/dev/null; then
  echo "wrk -c$conns -d${duration}s: /api/v1/reports/evaluations?unit=$province&period=$year"
  printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$token" > "$tmp/get.lua"
  out=$(wrk -t2 -c"$conns" -d"${duration}s" --latency -s "$tmp/get.lua" \
    "$base/api/v1/reports/evaluations?unit=$province&period=$year")
  echo "  $(awk '/Requests\/sec/ {print $2}' <<<"$out") requests/s, p50 $(awk '$1 == "50%" {print $2}' <<<"$out"), p99 $(awk '$1 == "99%" {print $2}' <<<"$out")"
  grep "Non-2xx" <<<"$out" || true
fi

# Prefill of the whole province's yearly evaluations (drafts with evidence and suggested
# scores), by the route others add; each run on a fresh period would be fairer, but the demo has
# one year of activity: the first call is what is timed.
body=$(printf '{"unit_code":"%s","period":"%s","rubric_code":"member-yearly","evaluator_body":"commune_committee"}' \
  "$province" "$year")
start=$(date +%s.%N)
status=$(curl -s -o "$tmp/prefill.json" -w '%{http_code}' -X POST "$base/api/v1/evaluations:prefill" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$body")
prefill_s=$(echo "$(date +%s.%N) - $start" | bc)
case $status in
  404|405) echo "POST /api/v1/evaluations:prefill: not served by this build (HTTP $status); skipped" ;;
  2??) echo "POST /api/v1/evaluations:prefill ($province, $year, 7,350 members): HTTP $status in ${prefill_s}s: $(head -c 300 "$tmp/prefill.json")" ;;
  *) echo "POST /api/v1/evaluations:prefill: HTTP $status in ${prefill_s}s: $(head -c 300 "$tmp/prefill.json")" ;;
esac
echo "peak RSS of cdtt serve: $(awk '/VmHWM/ {print $2 " " $3}' "/proc/$pid/status")"
