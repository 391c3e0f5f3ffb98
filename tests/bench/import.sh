#!/usr/bin/env bash
# Members CSV import at national scale: a province of VILLAGES villages (default 2,000) under
# 100 communes, each village with an active team, then a ROWS-row members CSV (default
# 50,000: 25 people a village, six of them joining the village team: a leader, a deputy and
# four members) uploaded to POST /api/v1/imports/members, timed with curl:
#   dry run        ?dry_run=true: parse, validate, stage, check, roll back
#   import         the same file for real: 201, members + memberships + one audit event
#   re-import      the same file again: every phone is taken, 422 listing the first 1,000 errors
# Import bodies of this size need CDTT_MAX_BODY_BYTES raised (about 5 MB here; the default
# is 1 MiB), so the server runs with 64 MiB.
# Usage: tests/bench/import.sh [BUILD_DIR]   (after `make`)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
rows=${ROWS:-50000}
villages=${VILLAGES:-2000}
PGBIN=/usr/lib/postgresql/15/bin
tmp=$(mktemp -d /tmp/cdtt-bench-import.XXXXXX); chmod 755 "$tmp"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; deploy/pg.sh stop "$tmp" >/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

url=$(CDTT_PG_THROWAWAY=1 deploy/pg.sh start "$tmp")
port=$((20000 + RANDOM % 20000))
secret=bench-secret-0123456789abcdef0123456789
CDTT_DATABASE_URL=$url CDTT_LISTEN=127.0.0.1:$port CDTT_LOG_LEVEL=warn CDTT_JWT_SECRET=$secret \
  CDTT_MAX_BODY_BYTES=67108864 "$build/cdtt" serve > "$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

# The province: HG > 100 communes > villages, one active team per village.
psql -X -q -v ON_ERROR_STOP=1 "$url" <<SQL
INSERT INTO units (code, name, level) VALUES ('HG', 'Hà Giang', 'province');
INSERT INTO units (code, name, level, parent_code)
  SELECT 'C' || c, 'Xã ' || c, 'commune', 'HG' FROM generate_series(1, 100) c;
INSERT INTO units (code, name, level, parent_code)
  SELECT 'V' || v, 'Thôn ' || v, 'village', 'C' || (1 + v % 100) FROM generate_series(1, $villages) v;
INSERT INTO teams (unit_code, name, established_on)
  SELECT 'V' || v, 'Tổ công nghệ số ' || v, '2024-03-01' FROM generate_series(1, $villages) v;
SQL
CDTT_DATABASE_URL=$url CDTT_PASSWORD='bench password 0123' "$build/cdtt" create-user \
  --username officer.hg --role officer --unit HG >/dev/null
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/token" \
  -d 'grant_type=password&username=officer.hg&password=bench password 0123' |
  sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')

# The file: row i lives in village 1 + i % villages; the k-th person of a village (k = i /
# villages) leads its team (k 0), deputises (k 1) or is a member (k 2-5).
awk -v rows="$rows" -v villages="$villages" 'BEGIN {
  split("Nguyễn Văn,Lò Thị,Hoàng Văn,Giàng Seo,Vàng Thị,Triệu Văn,Ma Thị,Sùng A", family, ",")
  split("tyz,hmn,ium,nut,mtq", lang, ",")
  split("youth_union;teacher,official;party_member,womens_union,civil_servant,volunteer", aff, ",")
  split("basic,intermediate,advanced", skill, ",")
  print "full_name,gender,birth_year,phone,email,ethnicity,languages,affiliations,digital_skill,unit_code,team_role"
  for (i = 0; i < rows; i++) {
    k = int(i / villages)
    role = k == 0 ? "leader" : k == 1 ? "deputy" : k <= 5 ? "member" : ""
    printf "\"%s %d\",%s,%d,09%08d,p%d@example.vn,Tày,vie;%s,%s,%s,V%d,%s\r\n",
      family[1 + i % 8], i, i % 2 ? "female" : "male", 1960 + i % 45, i, i,
      lang[1 + i % 5], aff[1 + i % 5], skill[1 + i % 3], 1 + i % villages, role
  }
}' > "$tmp/members.csv"

call() { # $1 query string; prints "status seconds"
  curl -s -o "$tmp/out.json" -w '%{http_code} %{time_total}' -X POST \
    "http://127.0.0.1:$port/api/v1/imports/members$1" -H "Authorization: Bearer $token" \
    -H 'Content-Type: text/csv' --data-binary @"$tmp/members.csv"
}

count() { psql -X -qtA "$url" -c "SELECT count(*) FROM $1"; }

echo "cdtt members import, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $rows rows," \
  "$(( $(stat -c %s "$tmp/members.csv") / 1024 )) KiB, $villages villages"
printf '%-12s %8s %10s  %s\n' "what" "status" "seconds" "answer"
read -r st secs <<<"$(call '?dry_run=true')"
printf '%-12s %8s %10s  %s\n' "dry run" "$st" "$secs" "$(head -c 80 "$tmp/out.json")"
read -r st secs <<<"$(call '')"
printf '%-12s %8s %10s  %s\n' "import" "$st" "$secs" "$(head -c 80 "$tmp/out.json")"
read -r st secs <<<"$(call '')"
printf '%-12s %8s %10s  %s\n' "re-import" "$st" "$secs" "$(head -c 80 "$tmp/out.json" | tr -d '\n')…"
echo "members $(count members), memberships $(count memberships)," \
  "audit events for imports $(psql -X -qtA "$url" -c "SELECT count(*) FROM audit_events WHERE action = 'members.import'")"
rss=$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$pid/status")
echo "peak RSS of cdtt serve: $rss"
