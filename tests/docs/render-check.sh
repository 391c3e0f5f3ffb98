#!/usr/bin/env bash
# Renders the API documentation page in headless Chromium and checks that it rendered.
#
#   tests/docs/render-check.sh TARGET [EXPECTED_OPERATIONS_FILE]
#
# TARGET is one of
#   http(s)://HOST:PORT/docs   a served docs page
#   FILE.html                  a built page (opened as file://ABSOLUTE_PATH)
#   path/to/cdtt               the binary: started with `serve` on a free loopback port (database
#                              from CDTT_DATABASE_URL, else a throwaway cluster via deploy/pg.sh;
#                              CDTT_JWT_SECRET generated when no key is configured), and its
#                              /docs page checked; stopped afterwards.
# EXPECTED_OPERATIONS_FILE lists `METHOD /path` lines; each must be rendered as an element with
# that data-operation attribute. Without it, every operation of the OpenAPI document embedded in
# the page must be rendered (needs python3; otherwise at least one operation is required).
#
# The page passes when <body data-rendered="true">, no data-render-error, and the operations are
# there. DOCS_SCREENSHOT=FILE.png also saves a 1280x2000 screenshot. Chromium is installed from
# Debian (apt-get) when /usr/bin/chromium is missing. Prints one PASS/FAIL line; exit 0 on PASS.
set -euo pipefail

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
target=${1:-}
expected_file=${2:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
server_pid=""
pg_dir=""

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$pg_dir" ]; then "$here/../../deploy/pg.sh" stop "$pg_dir" >/dev/null 2>&1 || true; rm -rf "$pg_dir"; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL docs render-check${target:+ ($target)}: $*"; exit 1; }

[ -n "$target" ] || { echo "usage: $0 URL|FILE.html|CDTT_BINARY [EXPECTED_OPERATIONS_FILE]" >&2; exit 2; }
if [ -n "$expected_file" ] && [ ! -r "$expected_file" ]; then fail "cannot read $expected_file"; fi

# --- Chromium -------------------------------------------------------------------------------
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" -ne 0 ]; then fail "$CHROMIUM is missing (install Debian's chromium package)"; fi
  echo "installing chromium (apt-get)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || true
  apt-get install -y -qq --no-install-recommends chromium >/dev/null || fail "apt-get install chromium failed"
  [ -x "$CHROMIUM" ] || fail "$CHROMIUM still missing after install"
fi

# --- Target: URL, HTML file, or cdtt binary ----------------------------------------------------
start_server() {
  local bin=$1 port="" url_db i
  url_db=${CDTT_DATABASE_URL:-}
  if [ -z "$url_db" ]; then
    [ -x "$here/../../deploy/pg.sh" ] || fail "CDTT_DATABASE_URL is not set and deploy/pg.sh is missing"
    pg_dir=$(mktemp -d /tmp/cdtt-docs-pg.XXXXXX)
    chmod 755 "$pg_dir"
    "$here/../../deploy/pg.sh" start "$pg_dir" >/dev/null 2>"$work/pg.err" ||
      fail "could not start a throwaway PostgreSQL: $(tail -n 1 "$work/pg.err")"
    url_db=$("$here/../../deploy/pg.sh" url "$pg_dir")
  fi
  for i in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    [ "$i" -lt 20 ] || fail "no free port found"
  done
  local secret=${CDTT_JWT_SECRET:-}
  if [ -z "$secret" ] && [ -z "${CDTT_JWT_KEY_FILE:-}" ]; then secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'); fi
  if [ -n "$secret" ]; then export CDTT_JWT_SECRET="$secret"; fi
  CDTT_DATABASE_URL="$url_db" CDTT_LISTEN="127.0.0.1:$port" CDTT_LOG_LEVEL=warn \
    "$bin" serve >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 150); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then
      url="http://127.0.0.1:$port/docs"
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || fail "server exited: $(tail -n 3 "$work/server.log" | tr '\n' ' ')"
    sleep 0.2
  done
  fail "server did not answer /healthz on port $port within 30 s"
}

case "$target" in
  http://*|https://*) url=$target ;;
  *)
    [ -f "$target" ] || fail "no such file or URL"
    case "$target" in
      *.html|*.htm) url="file://$(cd "$(dirname "$target")" && pwd)/$(basename "$target")" ;;
      *) [ -x "$target" ] || fail "not an .html file, a URL or an executable"
         start_server "$target" ;;
    esac ;;
esac

# --- Render -----------------------------------------------------------------------------------
chrome() {
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$(mktemp -d "$work/profile.XXXXXX")" \
    --virtual-time-budget=5000 "$@" 2>>"$work/chromium.log"
}

chrome --dump-dom "$url" >"$work/dom.html" || fail "chromium failed: $(grep -v -i 'dbus\|gpu\|sandbox' "$work/chromium.log" | tail -n 2 | tr '\n' ' ')"
dom="$work/dom.html"
[ -s "$dom" ] || fail "chromium dumped an empty DOM"

if [ -n "${DOCS_SCREENSHOT:-}" ]; then
  shot=$DOCS_SCREENSHOT
  case "$shot" in /*) ;; *) shot="$PWD/$shot" ;; esac
  mkdir -p "$(dirname "$shot")"
  (cd "$work" && chrome --screenshot="$shot" --window-size=1280,2000 "$url" >/dev/null) || fail "screenshot failed"
  [ -s "$shot" ] || fail "screenshot $shot was not written"
fi

body=$(tr '\n\r' '  ' <"$dom" | grep -o -m 1 '<body[^>]*>' || true)
[ -n "$body" ] || fail "no <body> in the rendered DOM"
if [[ "$body" == *data-render-error=* ]]; then
  err=${body#*data-render-error=\"}
  fail "page reported a render error: ${err%%\"*}"
fi
[[ "$body" == *'data-rendered="true"'* ]] || fail "body is not marked data-rendered=\"true\" (scripts blocked or crashed?)"

# Each rendered operation element carries class="operation" and data-operation="METHOD /path".
grep -o -E '<[a-z]+ [^>]*class="([^"]* )?operation( [^"]*)?"[^>]*>' "$dom" | grep -o 'data-operation="[^"]*"' |
  sed -e 's/^data-operation="//' -e 's/"$//' -e 's/&amp;/\&/g' | sort -u >"$work/rendered.txt" || true
rendered=$(wc -l <"$work/rendered.txt")

if [ -n "$expected_file" ]; then
  grep -v -e '^[[:space:]]*$' -e '^[[:space:]]*#' "$expected_file" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' |
    sort -u >"$work/expected.txt" || true
  source_desc="$expected_file"
elif command -v python3 >/dev/null 2>&1; then
  # Every operation of the OpenAPI document embedded in the page itself.
  python3 - "$dom" >"$work/expected.txt" <<'PY' || fail "could not read the OpenAPI document embedded in the page"
import html, json, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<script[^>]*id="openapi-spec"[^>]*>(.*?)</script>', dom, re.S)
spec = json.loads(m.group(1))
methods = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
for path, item in (spec.get("paths") or {}).items():
    for method in methods:
        if isinstance(item, dict) and isinstance(item.get(method), dict):
            print(method.upper() + " " + path)
PY
  sort -u -o "$work/expected.txt" "$work/expected.txt"
  source_desc="the embedded OpenAPI document"
else
  : >"$work/expected.txt"
  source_desc="(none given)"
fi
expected=$(wc -l <"$work/expected.txt")

if [ "$expected" -eq 0 ] && [ "$rendered" -lt 1 ]; then fail "no operation was rendered"; fi
missing=$(comm -23 "$work/expected.txt" "$work/rendered.txt")
if [ -n "$missing" ]; then
  fail "$(printf '%s\n' "$missing" | wc -l) of $expected operations from $source_desc not rendered: $(printf '%s\n' "$missing" | head -n 5 | paste -sd ',' -)"
fi

summary="$rendered operations rendered"
if [ "$expected" -gt 0 ]; then summary="$summary, all $expected from $source_desc present"; fi
echo "PASS docs render-check ($target): $summary${DOCS_SCREENSHOT:+, screenshot $DOCS_SCREENSHOT}"
