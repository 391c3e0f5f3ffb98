#!/usr/bin/env bash
# The funding report on the demo province (cdtt seed-demo: two fiscal years of proposals,
# allocations and payments), loopback only, bounded in time: N requests one after the other
# (after 5 to warm up), median and 95th percentile of curl's total time, for
#   GET /api/v1/reports/funding?unit=HG&fiscal_year=<this year>        the province, a row per district
#   the same as CSV
#   GET /api/v1/reports/funding?unit=<a district>&fiscal_year=<year>  a row per commune
#   GET /api/v1/reports/coverage?unit=HG                              for comparison
# and the report's function alone in PostgreSQL (psql, the same unit and year).
# Usage: tests/bench/funding.sh [BUILD_DIR]  (env N, default 200)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
n=${N:-200}
tmp=$(mktemp -d /tmp/cdtt-bench.XXXXXX); chmod 755 "$tmp"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; deploy/pg.sh stop "$tmp" >/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

url=$(CDTT_PG_THROWAWAY=1 deploy/pg.sh start "$tmp")
seed_start=$(date +%s.%N)
password=$(CDTT_DATABASE_URL=$url "$build/cdtt" seed-demo | sed -n 's/^admin password: //p')
seed_s=$(echo "$(date +%s.%N) - $seed_start" | bc)
port=$((20000 + RANDOM % 20000))
CDTT_DATABASE_URL="$url" CDTT_LISTEN="127.0.0.1:$port" CDTT_LOG_LEVEL=warn \
  CDTT_JWT_SECRET=bench-secret-0123456789abcdef0123456789 "$build/cdtt" serve >> "$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port"
token=$(curl -s "$base/api/v1/auth/token" -d grant_type=password -d username=admin \
  --data-urlencode "password=$password" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
q() { psql -X -At "$url" -c "$1"; }
year=$(q "SELECT extract(year FROM least(current_date, (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date))::int")
district=$(q "SELECT unit_code FROM funding_allocations WHERE fiscal_year = $year
              ORDER BY amount_vnd DESC, unit_code LIMIT 1")

echo "cdtt funding report, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $n requests each, one at a time"
echo "seed-demo (scale 1): ${seed_s}s; $(q "SELECT count(*) FROM funding_proposals") proposals," \
  "$(q "SELECT count(*) FROM funding_line_items") lines, $(q "SELECT count(*) FROM funding_transitions") moves," \
  "$(q "SELECT count(*) FROM funding_allocations") allocations"
printf '%-64s %8s %8s %8s\n' "what" "status" "p50 ms" "p95 ms"
# the times in ms, one a line, sorted: prints "p50 p95"
percentiles() { sort -n | awk '{ v[NR] = $1 } END { i50 = int((NR + 1) / 2); i95 = int(NR * 0.95 + 0.999);
  printf "%.1f %.1f\n", v[i50], v[i95] }'; }
measure() { # label, path, extra curl arguments...
  local label=$1 path=$2; shift 2
  local status
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$@" "$base$path")
  for _ in 1 2 3 4 5; do curl -s -o /dev/null -H "Authorization: Bearer $token" "$@" "$base$path"; done
  read -r p50 p95 < <(for _ in $(seq "$n"); do
      curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$@" "$base$path"
    done | awk '{ print $1 * 1000 }' | percentiles)
  printf '%-64s %8s %8s %8s\n' "$label" "$status" "$p50" "$p95"
}
measure "GET /api/v1/reports/funding?unit=HG&fiscal_year=$year" "/api/v1/reports/funding?unit=HG&fiscal_year=$year"
measure "  the same, Accept: text/csv" "/api/v1/reports/funding?unit=HG&fiscal_year=$year" -H 'Accept: text/csv'
measure "GET /api/v1/reports/funding?unit=$district&fiscal_year=$year" "/api/v1/reports/funding?unit=$district&fiscal_year=$year"
measure "GET /api/v1/reports/funding?unit=HG&fiscal_year=$((year - 1))" "/api/v1/reports/funding?unit=HG&fiscal_year=$((year - 1))"
measure "GET /api/v1/reports/coverage?unit=HG (for comparison)" "/api/v1/reports/coverage?unit=HG"
# PostgreSQL alone: the function's execution, 50 times in one session
read -r p50 p95 < <(for _ in $(seq 50); do
    echo "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) SELECT report_funding('HG', '', NULL, 'json', $year);"
  done | psql -X -At "$url" | sed -n 's/^Execution Time: \([0-9.]*\) ms$/\1/p' | percentiles)
printf '%-64s %8s %8s %8s\n' "report_funding('HG', ...) in psql (50 runs)" "" "$p50" "$p95"
echo "peak RSS of cdtt serve: $(awk '/VmHWM/ {print $2 " " $3}' "/proc/$pid/status")"
