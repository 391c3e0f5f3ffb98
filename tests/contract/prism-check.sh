#!/usr/bin/env bash
# The OpenAPI document against real traffic: a real cdtt behind Prism (@stoplight/prism-cli, in
# .tools/) run as a validating proxy, and a representative set of requests through it, good and
# bad, JSON and CSV. Every answer must come from cdtt with the status expected and without a
# violation (Prism's sl-violations header: a status, header or body the document does not
# describe); a request the document itself refuses (an unknown field, a value out of range)
# must be refused by Prism, which shows the document is as strict as the server.
#
# Usage: tests/contract/prism-check.sh BUILD_DIR PGDIR (tests/run.sh's cluster). Exit 0 when
# every exchange matched, or when Node.js >= 20 or Prism is missing (skipped, said so).
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:?usage: $0 BUILD_DIR PGDIR}
pgdir=${2:?usage: $0 BUILD_DIR PGDIR}
prism=.tools/node_modules/.bin/prism

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ] || [ ! -x "$prism" ]; then
  echo "skipped: needs Node.js >= 20 (found: $(node --version 2>/dev/null || echo none)) and" \
       "@stoplight/prism-cli in .tools/ (deploy/install-deps.sh all installs it)"
  exit 0
fi
for tool in curl jq psql; do
  command -v "$tool" >/dev/null || { echo "prism-check: $tool is needed" >&2; exit 1; }
done

work=$(mktemp -d /tmp/cdtt-prism.XXXXXX)
cdtt_pid=""; prism_pid=""
cleanup() {
  [ -n "$prism_pid" ] && kill "$prism_pid" 2>/dev/null
  [ -n "$cdtt_pid" ] && kill "$cdtt_pid" 2>/dev/null && wait "$cdtt_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

# A database of its own in the test cluster.
db=prism_$$
psql -q "$(deploy/pg.sh admin-url "$pgdir")" -c "CREATE DATABASE $db OWNER cdtt" || exit 1
export CDTT_DATABASE_URL="postgresql://cdtt@/$db?host=$pgdir/sock"
export CDTT_JWT_SECRET=prism-check-secret-0123456789abcdef-0123
export CDTT_THREADS=4 CDTT_LOG_LEVEL=warn
api_port=$(free_port); proxy_port=$(free_port)
"$build/cdtt" migrate >/dev/null || exit 1
CDTT_PASSWORD='a long admin passphrase' "$build/cdtt" create-user --username admin --role admin \
  >/dev/null || exit 1
CDTT_LISTEN=127.0.0.1:$api_port "$build/cdtt" serve >"$work/cdtt.log" 2>&1 &
cdtt_pid=$!
"$prism" proxy openapi/openapi.yaml "http://127.0.0.1:$api_port" --errors \
  -h 127.0.0.1 -p "$proxy_port" >"$work/prism.log" 2>&1 &
prism_pid=$!
P=http://127.0.0.1:$proxy_port
# Prism reads and resolves the document first: give it time on a loaded machine.
for _ in $(seq 240); do
  curl -sf "$P/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
if ! curl -sf "$P/healthz" >/dev/null 2>&1; then
  echo "prism-check: the proxy did not start" >&2
  cat "$work/cdtt.log" "$work/prism.log" >&2
  exit 1
fi

failed=0; count=0
last_body=$work/body; last_headers=$work/headers

# call NAME STATUS FROM CURL-ARGS...: FROM is cdtt (the answer must come from cdtt, with no
# violation) or prism (the document refuses the request: Prism answers STATUS itself).
call() {
  local name=$1 want=$2 from=$3; shift 3
  count=$((count + 1))
  local code
  code=$(curl -s -o "$last_body" -D "$last_headers" -w '%{http_code}' "$@")
  local origin=prism
  grep -qi '^x-request-id:' "$last_headers" && origin=cdtt
  local why=""
  [ "$code" = "$want" ] || why="status $code, expected $want"
  [ "$origin" = "$from" ] || why="${why:+$why; }answered by $origin, expected $from"
  if grep -qi '^sl-violations:' "$last_headers"; then
    why="${why:+$why; }$(grep -i '^sl-violations:' "$last_headers" | tr -d '\r')"
  fi
  if [ -n "$why" ]; then
    failed=1
    echo "FAIL $name: $why"
    head -c 600 "$last_body"; echo
  fi
}
field() { jq -r "$1" "$last_body"; }
header() { grep -i "^$1:" "$last_headers" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

J='Content-Type: application/json'

# --- tokens
call "token: password grant" 200 cdtt "$P/api/v1/auth/token" \
  -d grant_type=password -d username=admin -d 'password=a long admin passphrase'
TOKEN=$(field .access_token)
A="Authorization: Bearer $TOKEN"
call "token: wrong password" 400 cdtt "$P/api/v1/auth/token" \
  -d grant_type=password -d username=admin -d 'password=not the passphrase'
call "token: unknown grant" 422 prism "$P/api/v1/auth/token" -d grant_type=implicit
call "me" 200 cdtt "$P/api/v1/me" -H "$A"
call "me: no token" 401 prism "$P/api/v1/me"
call "me: bad token" 401 cdtt "$P/api/v1/me" -H "Authorization: Bearer not.a.token"

# --- operations
call "healthz" 200 cdtt "$P/healthz"
call "readyz" 200 cdtt "$P/readyz"
call "metrics" 200 cdtt "$P/metrics"
call "jwks" 200 cdtt "$P/.well-known/jwks.json"
call "healthz: Accept text/html" 406 cdtt "$P/healthz" -H 'Accept: text/html'

# --- units
for u in '{"code":"HG","name":"Hà Giang","level":"province"}' \
         '{"code":"BQ","name":"Bắc Quang","level":"district","parent_code":"HG"}' \
         '{"code":"TQ","name":"Tân Quang","level":"commune","parent_code":"BQ"}' \
         '{"code":"TQ-V1","name":"Thôn Tân Thành","level":"village","parent_code":"TQ"}'; do
  call "create unit" 201 cdtt "$P/api/v1/units" -H "$A" -H "$J" -d "$u"
done
call "create unit: taken" 409 cdtt "$P/api/v1/units" -H "$A" -H "$J" \
  -d '{"code":"HG","name":"Hà Giang","level":"province"}'
call "create unit: unknown field" 422 prism "$P/api/v1/units" -H "$A" -H "$J" \
  -d '{"code":"X1","name":"X","level":"province","area":3}'
call "create unit: bad level" 422 prism "$P/api/v1/units" -H "$A" -H "$J" \
  -d '{"code":"X1","name":"X","level":"galaxy"}'
call "create unit: control character in the name" 422 prism "$P/api/v1/units" -H "$A" -H "$J" \
  -d '{"code":"X3","name":"Thôn\u0007 X","level":"province"}'
call "create unit: not JSON" 400 prism "$P/api/v1/units" -H "$A" -H "$J" -d '{"code":'
call "create unit: Accept application/xml" 406 cdtt "$P/api/v1/units" -H "$A" -H "$J" \
  -H 'Accept: application/xml' -d '{"code":"X2","name":"X","level":"province"}'
call "units" 200 cdtt "$P/api/v1/units?limit=2" -H "$A"
call "units: next page" 200 cdtt "$P/api/v1/units?limit=2&cursor=$(field .next_cursor)" -H "$A"
call "units: limit out of range" 422 prism "$P/api/v1/units?limit=999" -H "$A"
call "units: format=json" 200 cdtt "$P/api/v1/units?format=json" -H "$A"
call "units: format=csv" 406 cdtt "$P/api/v1/units?format=csv" -H "$A"
call "units: Accept text/html" 406 cdtt "$P/api/v1/units" -H "$A" -H 'Accept: text/html'
call "units: Accept list with q" 200 cdtt "$P/api/v1/units" -H "$A" \
  -H 'Accept: text/html;q=0.9, application/json;q=0.5'
call "unit" 200 cdtt "$P/api/v1/units/TQ-V1" -H "$A"
etag=$(header ETag)
call "unit: unknown" 404 cdtt "$P/api/v1/units/NOPE" -H "$A"
call "patch unit" 200 cdtt -X PATCH "$P/api/v1/units/TQ-V1" -H "$A" -H "$J" -H "If-Match: $etag" \
  -d '{"name":"Thôn Tân Thành Mới"}'
call "patch unit: stale If-Match" 412 cdtt -X PATCH "$P/api/v1/units/TQ-V1" -H "$A" -H "$J" \
  -H "If-Match: $etag" -d '{"name":"Thôn Tân Thành"}'
call "patch unit: no If-Match" 422 prism -X PATCH "$P/api/v1/units/TQ-V1" -H "$A" -H "$J" \
  -d '{"name":"Thôn Tân Thành"}'

# --- teams, members, memberships
call "create team" 201 cdtt "$P/api/v1/teams" -H "$A" -H "$J" -H 'Idempotency-Key: prism-team-1' \
  -d '{"unit_code":"TQ-V1","name":"Tổ công nghệ số thôn Tân Thành","established_on":"2024-03-15"}'
team=$(field .id)
call "patch team: notes on two lines" 200 cdtt -X PATCH "$P/api/v1/teams/$team" -H "$A" \
  -H 'Content-Type: application/merge-patch+json' -H "If-Match: $(header ETag)" \
  -d '{"notes":"Họp thứ Hai hằng tuần\nở nhà văn hoá thôn"}'
call "patch team: a name on two lines" 422 prism -X PATCH "$P/api/v1/teams/$team" -H "$A" \
  -H 'Content-Type: application/merge-patch+json' -H 'If-Match: "2"' \
  -d '{"name":"Tổ\nTân Thành"}'
call "create team: replayed" 201 cdtt "$P/api/v1/teams" -H "$A" -H "$J" \
  -H 'Idempotency-Key: prism-team-1' \
  -d '{"unit_code":"TQ-V1","name":"Tổ công nghệ số thôn Tân Thành","established_on":"2024-03-15"}'
call "create team: unknown unit" 422 cdtt "$P/api/v1/teams" -H "$A" -H "$J" \
  -d '{"unit_code":"NOPE","name":"Tổ","established_on":"2024-03-15"}'
call "team" 200 cdtt "$P/api/v1/teams/$team" -H "$A"
call "team: not a UUID" 422 prism "$P/api/v1/teams/abc" -H "$A"
call "teams" 200 cdtt "$P/api/v1/teams?unit=TQ" -H "$A"
call "teams: Accept text/csv" 200 cdtt "$P/api/v1/teams" -H "$A" -H 'Accept: text/csv'
call "teams: format=csv" 200 cdtt "$P/api/v1/teams?format=csv" -H "$A"
call "teams: format=json over Accept text/csv" 200 cdtt "$P/api/v1/teams?format=json" -H "$A" \
  -H 'Accept: text/csv'
call "teams: format=xml" 422 prism "$P/api/v1/teams?format=xml" -H "$A"
call "teams: Accept text/html" 406 cdtt "$P/api/v1/teams" -H "$A" -H 'Accept: text/html'
call "create member" 201 cdtt "$P/api/v1/members" -H "$A" -H "$J" \
  -d '{"unit_code":"TQ-V1","full_name":"Giàng Thị Mỷ","phone":"0912 345 678","languages":["hmn","vie"]}'
member=$(field .id)
call "create member: phone taken" 409 cdtt "$P/api/v1/members" -H "$A" -H "$J" \
  -d '{"unit_code":"TQ-V1","full_name":"Giàng A Páo","phone":"0912345678"}'
call "create member: read-only field" 422 prism "$P/api/v1/members" -H "$A" -H "$J" \
  -d '{"unit_code":"TQ-V1","full_name":"Giàng A Páo","version":3}'
call "member" 200 cdtt "$P/api/v1/members/$member" -H "$A"
call "members" 200 cdtt "$P/api/v1/members?q=giang" -H "$A"
call "members: format=csv" 200 cdtt "$P/api/v1/members?format=csv" -H "$A"
call "create membership" 201 cdtt "$P/api/v1/teams/$team/memberships" -H "$A" -H "$J" \
  -d "{\"member_id\":\"$member\",\"role\":\"leader\",\"joined_on\":\"2024-03-15\"}"
call "memberships of team" 200 cdtt "$P/api/v1/teams/$team/memberships" -H "$A"
call "memberships of member" 200 cdtt "$P/api/v1/members/$member/memberships" -H "$A"

# --- services and activities
call "services" 200 cdtt "$P/api/v1/services" -H "$A"
call "service" 200 cdtt "$P/api/v1/services/chip_citizen_id" -H "$A"
call "create activity" 201 cdtt "$P/api/v1/teams/$team/activities" -H "$A" -H "$J" \
  -d "{\"date\":\"2025-09-12\",\"kind\":\"household_visit\",\"service_codes\":[\"chip_citizen_id\"],\"member_ids\":[\"$member\"],\"households_reached\":3}"
activity=$(field .id)
call "activity" 200 cdtt "$P/api/v1/activities/$activity" -H "$A"
call "activities of team" 200 cdtt "$P/api/v1/teams/$team/activities" -H "$A"
call "activities" 200 cdtt "$P/api/v1/activities?from=2025-01-01&to=2025-12-31" -H "$A"
call "activities: format=csv" 200 cdtt "$P/api/v1/activities?format=csv" -H "$A"
call "activities: bad date" 422 prism "$P/api/v1/activities?from=2025-13-45" -H "$A"
call "batch" 201 cdtt "$P/api/v1/activities:batch" -H "$A" -H "$J" \
  -d "{\"items\":[{\"team_id\":\"$team\",\"date\":\"2025-09-13\",\"kind\":\"group_session\",\"service_codes\":[\"chip_citizen_id\"]}]}"
call "batch: unknown service" 422 cdtt "$P/api/v1/activities:batch" -H "$A" -H "$J" \
  -d "{\"items\":[{\"team_id\":\"$team\",\"date\":\"2025-09-13\",\"kind\":\"group_session\",\"service_codes\":[\"no_such_service\"]}]}"
call "batch: unknown field in an item" 422 prism "$P/api/v1/activities:batch" -H "$A" -H "$J" \
  -d "{\"items\":[{\"team_id\":\"$team\",\"date\":\"2025-09-13\",\"kind\":\"group_session\",\"service_codes\":[\"chip_citizen_id\"],\"bogus\":1}]}"

# --- evaluations
call "create evaluation" 201 cdtt "$P/api/v1/evaluations" -H "$A" -H "$J" \
  -d "{\"subject_type\":\"member\",\"subject_id\":\"$member\",\"period\":\"2025\",\"evaluator_body\":\"party_cell\",\"rubric_code\":\"member-yearly\",\"scores\":{\"skills\":7},\"comments\":\"Nhiệt tình\"}"
evaluation=$(field .id)
call "create evaluation: quarter on a yearly rubric" 422 cdtt "$P/api/v1/evaluations" -H "$A" -H "$J" \
  -d "{\"subject_type\":\"member\",\"subject_id\":\"$member\",\"period\":\"2025-Q3\",\"evaluator_body\":\"party_cell\",\"rubric_code\":\"member-yearly\"}"
call "create evaluation: second draft" 409 cdtt "$P/api/v1/evaluations" -H "$A" -H "$J" \
  -d "{\"subject_type\":\"member\",\"subject_id\":\"$member\",\"period\":\"2025\",\"evaluator_body\":\"party_cell\",\"rubric_code\":\"member-yearly\"}"
call "create evaluation: unknown body" 422 prism "$P/api/v1/evaluations" -H "$A" -H "$J" \
  -d "{\"subject_type\":\"member\",\"subject_id\":\"$member\",\"period\":\"2025\",\"evaluator_body\":\"elders\",\"rubric_code\":\"member-yearly\"}"
call "create evaluation: read-only total" 422 prism "$P/api/v1/evaluations" -H "$A" -H "$J" \
  -d "{\"subject_type\":\"member\",\"subject_id\":\"$member\",\"period\":\"2025\",\"evaluator_body\":\"party_cell\",\"rubric_code\":\"member-yearly\",\"total_score\":99}"
call "evaluation" 200 cdtt "$P/api/v1/evaluations/$evaluation" -H "$A"
call "finalize evaluation: a criterion unscored" 422 cdtt -X PATCH "$P/api/v1/evaluations/$evaluation" \
  -H "$A" -H 'Content-Type: application/merge-patch+json' -H 'If-Match: "1"' -d '{"status":"finalized"}'
call "finalize evaluation" 200 cdtt -X PATCH "$P/api/v1/evaluations/$evaluation" -H "$A" \
  -H 'Content-Type: application/merge-patch+json' -H 'If-Match: "1"' \
  -d '{"scores":{"participation":9,"households":7,"services":5,"skills":6,"conduct":10},"status":"finalized"}'
call "patch finalized evaluation" 409 cdtt -X PATCH "$P/api/v1/evaluations/$evaluation" -H "$A" \
  -H 'Content-Type: application/merge-patch+json' -H 'If-Match: "2"' -d '{"comments":"x"}'
call "delete finalized evaluation" 409 cdtt -X DELETE "$P/api/v1/evaluations/$evaluation" -H "$A" \
  -H 'If-Match: "2"'
call "correct evaluation" 201 cdtt "$P/api/v1/evaluations" -H "$A" -H "$J" \
  -d "{\"subject_type\":\"member\",\"subject_id\":\"$member\",\"period\":\"2025\",\"evaluator_body\":\"party_cell\",\"rubric_code\":\"member-yearly\",\"supersedes\":\"$evaluation\",\"reason\":\"Khiếu nại\",\"status\":\"finalized\",\"scores\":{\"participation\":10,\"households\":10,\"services\":8,\"skills\":8,\"conduct\":9}}"
call "evaluations" 200 cdtt "$P/api/v1/evaluations?unit=TQ&period=2025" -H "$A"
call "evaluations: format=csv" 200 cdtt "$P/api/v1/evaluations?format=csv" -H "$A"
call "evaluations: bad rating" 422 prism "$P/api/v1/evaluations?rating=great" -H "$A"
call "member with latest evaluation" 200 cdtt "$P/api/v1/members/$member" -H "$A"
call "team with latest evaluation" 200 cdtt "$P/api/v1/teams/$team" -H "$A"
call "prefill" 200 cdtt "$P/api/v1/evaluations:prefill" -H "$A" -H "$J" \
  -d '{"unit_code":"TQ","period":"2025","rubric_code":"member-yearly","evaluator_body":"commune_committee"}'
call "prefill: unknown unit" 404 cdtt "$P/api/v1/evaluations:prefill" -H "$A" -H "$J" \
  -d '{"unit_code":"NOPE","period":"2025","rubric_code":"member-yearly","evaluator_body":"commune_committee"}'
call "prefill: future period" 422 cdtt "$P/api/v1/evaluations:prefill" -H "$A" -H "$J" \
  -d '{"unit_code":"TQ","period":"2099","rubric_code":"member-yearly","evaluator_body":"commune_committee"}'
prefilled=$(psql -Atq "$CDTT_DATABASE_URL" -c "SELECT id FROM evaluations WHERE status = 'draft' LIMIT 1")
call "delete draft evaluation" 204 cdtt -X DELETE "$P/api/v1/evaluations/$prefilled" -H "$A" \
  -H 'If-Match: "1"'

# --- rubrics
call "rubrics" 200 cdtt "$P/api/v1/rubrics?subject_type=member&status=active" -H "$A"
call "rubric" 200 cdtt "$P/api/v1/rubrics/member-yearly" -H "$A"
call "rubric: version 1" 200 cdtt "$P/api/v1/rubrics/team-quarterly?version=1" -H "$A"
call "rubric: no such version" 404 cdtt "$P/api/v1/rubrics/team-quarterly?version=9" -H "$A"
rubric_criteria='[{"code":"visits","name_vi":"Số hộ được hỗ trợ","name_en":"Households helped","weight":60,"max_score":10,"kpi":"households_reached","target":40},{"code":"conduct","name_vi":"Tác phong","name_en":"Conduct","weight":40,"max_score":7.5}]'
call "create rubric" 201 cdtt "$P/api/v1/rubrics" -H "$A" -H "$J" \
  -d "{\"code\":\"prism-rubric\",\"name_vi\":\"Bộ tiêu chí\",\"name_en\":\"Rubric\",\"subject_type\":\"member\",\"period_kind\":\"quarter\",\"criteria\":$rubric_criteria}"
call "create rubric: weights not adding up" 422 cdtt "$P/api/v1/rubrics" -H "$A" -H "$J" \
  -d '{"code":"prism-bad","name_vi":"A","name_en":"A","subject_type":"member","period_kind":"year","criteria":[{"code":"aa","name_vi":"A","name_en":"A","weight":90,"max_score":10}]}'
call "create rubric: unknown criterion field" 422 prism "$P/api/v1/rubrics" -H "$A" -H "$J" \
  -d '{"code":"prism-bad","name_vi":"A","name_en":"A","subject_type":"member","period_kind":"year","criteria":[{"code":"aa","name_vi":"A","name_en":"A","weight":100,"max_score":10,"note":"x"}]}'
call "patch rubric" 200 cdtt -X PATCH "$P/api/v1/rubrics/prism-rubric" -H "$A" \
  -H 'Content-Type: application/merge-patch+json' -H 'If-Match: "1"' -d '{"thresholds":{"excellent":95}}'
call "patch rubric: thresholds out of order" 422 cdtt -X PATCH "$P/api/v1/rubrics/prism-rubric" -H "$A" \
  -H 'Content-Type: application/merge-patch+json' -H 'If-Match: "2"' -d '{"thresholds":{"good":99}}'
call "delete rubric" 204 cdtt -X DELETE "$P/api/v1/rubrics/prism-rubric" -H "$A" -H 'If-Match: "2"'

# --- reports, JSON and CSV
for r in "coverage?unit=TQ" "activity?unit=TQ&from=2025-01-01&to=2025-12-31&group_by=month" \
         "lagging?unit=TQ&from=2025-01-01&to=2025-12-31" "evaluations?unit=TQ&period=2025" \
         "evaluations?unit=TQ&period=2025-Q3&subject_type=team&evaluator_body=commune_committee" \
         "funding?unit=TQ&fiscal_year=2025"; do
  call "report $r" 200 cdtt "$P/api/v1/reports/$r" -H "$A"
  call "report $r as CSV" 200 cdtt "$P/api/v1/reports/$r&format=csv" -H "$A"
  call "report $r, Accept text/csv" 200 cdtt "$P/api/v1/reports/$r" -H "$A" -H 'Accept: text/csv'
done
call "report: unknown unit" 404 cdtt "$P/api/v1/reports/coverage?unit=NOPE" -H "$A"
call "report evaluations: period not begun" 422 cdtt "$P/api/v1/reports/evaluations?unit=TQ&period=2999" -H "$A"
call "report evaluations: no period" 422 prism "$P/api/v1/reports/evaluations?unit=TQ" -H "$A"
call "report: no fiscal year" 422 prism "$P/api/v1/reports/funding?unit=TQ" -H "$A"
call "report: Accept application/xml" 406 cdtt "$P/api/v1/reports/coverage" -H "$A" \
  -H 'Accept: application/xml'

# --- accounts, clients, audit
call "create user" 201 cdtt "$P/api/v1/users" -H "$A" -H "$J" \
  -d '{"username":"officer.tanquang","password":"another long passphrase","role":"officer","unit_code":"TQ"}'
call "users" 200 cdtt "$P/api/v1/users" -H "$A"
call "create client" 201 cdtt "$P/api/v1/clients" -H "$A" -H "$J" \
  -d '{"client_id":"province.dashboard","scopes":["registry:read","reports:read"],"unit_code":"HG"}'
call "clients" 200 cdtt "$P/api/v1/clients" -H "$A"
call "audit events" 200 cdtt "$P/api/v1/audit-events?limit=10" -H "$A"

# --- funding: the commune's officer asks, the admin (above) decides
call "officer token" 200 cdtt "$P/api/v1/auth/token" \
  -d grant_type=password -d username=officer.tanquang -d 'password=another long passphrase'
O="Authorization: Bearer $(field .access_token)"
year=$(date +%Y)
call "create proposal" 201 cdtt "$P/api/v1/funding-proposals" -H "$O" -H "$J" \
  -d "{\"unit_code\":\"TQ\",\"title\":\"Phụ cấp\",\"purpose\":\"Phụ cấp thành viên\",\"fiscal_year\":$year,\"team_ids\":[\"$team\"],\"line_items\":[{\"category\":\"member_allowance\",\"description\":\"8 người × 12 tháng\",\"quantity\":96,\"unit_cost_vnd\":300000}]}"
proposal=$(field .id)
call "create proposal: unknown category" 422 prism "$P/api/v1/funding-proposals" -H "$O" -H "$J" \
  -d "{\"unit_code\":\"TQ\",\"title\":\"x\",\"purpose\":\"y\",\"fiscal_year\":$year,\"line_items\":[{\"category\":\"yachts\",\"description\":\"d\",\"quantity\":1,\"unit_cost_vnd\":1}]}"
call "create proposal: line beyond the maximum" 422 cdtt "$P/api/v1/funding-proposals" -H "$O" -H "$J" \
  -d "{\"unit_code\":\"TQ\",\"title\":\"x\",\"purpose\":\"y\",\"fiscal_year\":$year,\"line_items\":[{\"category\":\"devices\",\"description\":\"d\",\"quantity\":1000000,\"unit_cost_vnd\":1000000000000}]}"
call "patch proposal" 200 cdtt -X PATCH "$P/api/v1/funding-proposals/$proposal" -H "$O" \
  -H 'Content-Type: application/merge-patch+json' -H 'If-Match: "1"' -d '{"title":"Phụ cấp năm nay"}'
call "submit" 200 cdtt "$P/api/v1/funding-proposals/$proposal/transitions" -H "$O" -H "$J" \
  -H 'If-Match: "2"' -d '{"action":"submit"}'
call "approve: the submitter's own unit" 403 cdtt "$P/api/v1/funding-proposals/$proposal/transitions" \
  -H "$O" -H "$J" -H 'If-Match: "3"' -d '{"action":"approve","approved_total_vnd":1,"decision_no":"1"}'
call "disburse before approval" 409 cdtt "$P/api/v1/funding-proposals/$proposal/transitions" \
  -H "$A" -H "$J" -H 'If-Match: "3"' -d "{\"action\":\"disburse\",\"amount_vnd\":1,\"paid_on\":\"$year-01-02\",\"voucher_no\":\"PC\"}"
call "move: unknown action" 422 prism "$P/api/v1/funding-proposals/$proposal/transitions" \
  -H "$A" -H "$J" -H 'If-Match: "3"' -d '{"action":"launch"}'
call "allocation" 201 cdtt "$P/api/v1/funding-allocations" -H "$A" -H "$J" \
  -d "{\"unit_code\":\"BQ\",\"fiscal_year\":$year,\"amount_vnd\":20000000}"
call "approve: beyond the budget" 409 cdtt "$P/api/v1/funding-proposals/$proposal/transitions" \
  -H "$A" -H "$J" -H 'If-Match: "3"' -d '{"action":"approve","approved_total_vnd":25000000,"decision_no":"12/QĐ"}'
call "approve" 200 cdtt "$P/api/v1/funding-proposals/$proposal/transitions" -H "$A" -H "$J" \
  -H 'If-Match: "3"' -d '{"action":"approve","approved_total_vnd":15000000,"decision_no":"12/QĐ"}'
call "disburse" 200 cdtt "$P/api/v1/funding-proposals/$proposal/transitions" -H "$A" -H "$J" \
  -H 'If-Match: "4"' -d "{\"action\":\"disburse\",\"amount_vnd\":5000000,\"paid_on\":\"$year-01-02\",\"voucher_no\":\"PC-01\"}"
call "proposal" 200 cdtt "$P/api/v1/funding-proposals/$proposal" -H "$O"
call "proposals awaiting me" 200 cdtt "$P/api/v1/funding-proposals?awaiting=me" -H "$A"
call "proposals: format=csv" 200 cdtt "$P/api/v1/funding-proposals?format=csv" -H "$O"
call "allocations" 200 cdtt "$P/api/v1/funding-allocations?fiscal_year=$year" -H "$A"

# --- deletes
call "delete activity: no If-Match" 422 prism -X DELETE "$P/api/v1/activities/$activity" -H "$A"

echo "$count exchanges through Prism; $(grep -c 'Violation' "$work/prism.log" || true) violation(s) logged"
if [ $failed -ne 0 ]; then
  echo "prism-check: the OpenAPI document and the server disagree (above)"
  exit 1
fi
