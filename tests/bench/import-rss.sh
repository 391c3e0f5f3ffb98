#!/usr/bin/env bash
# Peak memory of a members import: for each size (MiB, default "1 60"), a fresh cdtt serves
# one POST /api/v1/imports/members?dry_run=true of a valid file that size, and the server's
# peak resident set (VmHWM in /proc/PID/status) is read before and after.
# Then, under load (the figure the Kubernetes memory request and limit come from): the
# ConfigMap's settings (8 threads, a pool of 8), wrk on GET /api/v1/me at 64 connections for
# 20 s while two of the largest files are dry-run at once and a CSV export streams; then
# password logins (Argon2id, 19 MiB each) at 16 connections for 10 s.
# Then the same for units: one POST /api/v1/imports/units?dry_run=true of a valid units file of
# UNITS_MIB (default 60) MiB, and the time of a real import of 50,000 units (UNITS_ROWS).
# Usage: tests/bench/import-rss.sh [BUILD_DIR]   (env SIZES="1 60", UNITS_MIB=60, UNITS_ROWS=50000,
#        ONLY=units to measure the units import alone)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
sizes=${SIZES:-1 60}
villages=200
tmp=$(mktemp -d /tmp/cdtt-bench-rss.XXXXXX); chmod 755 "$tmp"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; deploy/pg.sh stop "$tmp" >/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

url=$(CDTT_PG_THROWAWAY=1 deploy/pg.sh start "$tmp")
secret=bench-secret-0123456789abcdef0123456789
CDTT_DATABASE_URL=$url "$build/cdtt" migrate >/dev/null
psql -X -q -v ON_ERROR_STOP=1 "$url" <<SQL
INSERT INTO units (code, name, level) VALUES ('HG', 'Hà Giang', 'province');
INSERT INTO units (code, name, level, parent_code)
  SELECT 'V' || v, 'Thôn ' || v, 'village', 'HG' FROM generate_series(1, $villages) v;
SQL
CDTT_DATABASE_URL=$url CDTT_PASSWORD='bench password 0123' "$build/cdtt" create-user \
  --username officer.hg --role officer --unit HG >/dev/null

hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

# A fresh cdtt serve on a random port, and an officer's token.
serve() {
  port=$((20000 + RANDOM % 20000))
  CDTT_DATABASE_URL=$url CDTT_LISTEN=127.0.0.1:$port CDTT_LOG_LEVEL=warn CDTT_JWT_SECRET=$secret \
    CDTT_STATEMENT_TIMEOUT_MS=0 CDTT_BODY_TIMEOUT=600 "$build/cdtt" serve > "$tmp/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/token" \
    -d 'grant_type=password&username=officer.hg&password=bench password 0123' |
    sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
}

# A valid units file of $1 rows under HG: blocks of 50, a commune then 49 villages, half of
# them under the next block's commune (a parent later in the file).
units_csv() {
  awk -v rows="$1" -v run="$2" 'BEGIN {
    print "code,name,level,parent_code"
    for (i = 0; i < rows; i++) {
      b = int(i / 50)
      if (i % 50 == 0) printf "%sC%07d,Xã thử nghiệm %07d,commune,HG\r\n", run, b, b
      else printf "%sV%08d,Thôn thử nghiệm %08d,village,%sC%07d\r\n", run, i, i, run,
        (i % 2 && (b + 1) * 50 < rows) ? b + 1 : b
    }
  }'
}

if [ "${ONLY:-}" != units ]; then

echo "cdtt members import (dry run), peak RSS, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
printf '%8s %9s %7s %9s %14s %14s\n' "MiB" "rows" "status" "seconds" "VmHWM before" "VmHWM after"
for mib in $sizes; do
  # ~105 bytes a row; distinct phones, so the file is valid
  rows=$(( mib * 1048576 / 105 ))
  awk -v rows="$rows" -v villages="$villages" 'BEGIN {
    print "full_name,gender,birth_year,phone,email,ethnicity,languages,affiliations,digital_skill,unit_code"
    for (i = 0; i < rows; i++)
      printf "\"Nguyễn Văn %d\",%s,%d,09%08d,p%d@example.vn,Tày,vie;tyz,youth_union,basic,V%d\r\n",
        i, i % 2 ? "female" : "male", 1960 + i % 45, i, i, 1 + i % villages
  }' > "$tmp/members.csv"
  port=$((20000 + RANDOM % 20000))
  CDTT_DATABASE_URL=$url CDTT_LISTEN=127.0.0.1:$port CDTT_LOG_LEVEL=warn CDTT_JWT_SECRET=$secret \
    CDTT_STATEMENT_TIMEOUT_MS=0 CDTT_BODY_TIMEOUT=600 "$build/cdtt" serve > "$tmp/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/token" \
    -d 'grant_type=password&username=officer.hg&password=bench password 0123' |
    sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
  before=$(hwm "$pid")
  read -r st secs <<<"$(curl -s -o "$tmp/out.json" -w '%{http_code} %{time_total}' -X POST \
    "http://127.0.0.1:$port/api/v1/imports/members?dry_run=true" -H "Authorization: Bearer $token" \
    -H 'Content-Type: text/csv' --data-binary @"$tmp/members.csv")"
  after=$(hwm "$pid")
  printf '%8s %9s %7s %9s %11s kB %11s kB\n' "$(( $(stat -c %s "$tmp/members.csv") / 1048576 ))" \
    "$rows" "$st" "$secs" "$before" "$after"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
done

port=$((20000 + RANDOM % 20000))
CDTT_DATABASE_URL=$url CDTT_LISTEN=127.0.0.1:$port CDTT_LOG_LEVEL=warn CDTT_JWT_SECRET=$secret \
  CDTT_THREADS=8 CDTT_DB_POOL_SIZE=8 CDTT_BODY_TIMEOUT=600 "$build/cdtt" serve > "$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/token" \
  -d 'grant_type=password&username=officer.hg&password=bench password 0123' |
  sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
for _ in 1 2; do
  curl -s -o /dev/null -X POST "http://127.0.0.1:$port/api/v1/imports/members?dry_run=true" \
    -H "Authorization: Bearer $token" -H 'Content-Type: text/csv' --data-binary @"$tmp/members.csv" &
done
curl -s -o /dev/null -H "Authorization: Bearer $token" -H 'Accept: text/csv' \
  "http://127.0.0.1:$port/api/v1/members?unit=HG" &
rps=$(wrk -t 2 -c 64 -d 20s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/me" |
  awk '/Requests\/sec/ {print $2}')
wait $(jobs -p | grep -v "^$pid$") 2>/dev/null || true
echo "under load: $rps requests/s on /api/v1/me (64 connections, 20 s) with two" \
  "$(( $(stat -c %s "$tmp/members.csv") / 1048576 )) MiB dry runs at once: VmHWM $(hwm "$pid") kB," \
  "VmRSS after $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") kB"
cat > "$tmp/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=password&username=officer.hg&password=bench password 0123"
LUA
logins=$(wrk -t 2 -c 16 -d 10s -s "$tmp/login.lua" "http://127.0.0.1:$port/api/v1/auth/token" |
  awk '/Requests\/sec/ {print $2}')
echo "with logins: $logins logins/s (16 connections, 10 s): VmHWM $(hwm "$pid") kB"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
fi

umib=${UNITS_MIB:-60}
urows=$(( umib * 1048576 / 60 ))
units_csv "$urows" A > "$tmp/units.csv"
serve
before=$(hwm "$pid")
read -r st secs <<<"$(curl -s -o "$tmp/out.json" -w '%{http_code} %{time_total}' -X POST \
  "http://127.0.0.1:$port/api/v1/imports/units?dry_run=true" -H "Authorization: Bearer $token" \
  -H 'Content-Type: text/csv' --data-binary @"$tmp/units.csv")"
echo "cdtt units import (dry run), $(( $(stat -c %s "$tmp/units.csv") / 1048576 )) MiB, $urows rows:" \
  "$st in $secs s, VmHWM $before kB before, $(hwm "$pid") kB after ($(head -c 120 "$tmp/out.json"))"
units_csv "${UNITS_ROWS:-50000}" B > "$tmp/units.csv"
read -r st secs <<<"$(curl -s -o "$tmp/out.json" -w '%{http_code} %{time_total}' -X POST \
  "http://127.0.0.1:$port/api/v1/imports/units" -H "Authorization: Bearer $token" \
  -H 'Content-Type: text/csv' --data-binary @"$tmp/units.csv")"
echo "cdtt units import, ${UNITS_ROWS:-50000} rows: $st in $secs s ($(head -c 120 "$tmp/out.json"))," \
  "VmHWM $(hwm "$pid") kB"
