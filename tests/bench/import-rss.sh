#!/usr/bin/env bash
# Peak memory of a members import: for each size (MiB, default "1 60"), a fresh cdtt serves
# one POST /api/v1/imports/members?dry_run=true of a valid file that size, and the server's
# peak resident set (VmHWM in /proc/PID/status) is read before and after.
# Usage: tests/bench/import-rss.sh [BUILD_DIR]   (env SIZES="1 60")
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
