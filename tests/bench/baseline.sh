#!/usr/bin/env bash
# Baseline throughput of the HTTP stack and the pool, side by side with PostgreSQL's own
# select-only speed, in one run on one machine:
#   /healthz   the HTTP pipeline alone (no database)
#   /readyz    the pipeline + one pooled, prepared statement per request
#   /api/v1/me a protected read: token verification + the account check (one query) + the read
#              (one query); against /readyz it shows what checking the account on every
#              request costs
#   pgbench -S -M prepared at the same concurrency: what the database does with no HTTP at all
# Loopback only, bounded in time (DURATION seconds per step, default 10).
# Usage: tests/bench/baseline.sh [BUILD_DIR]   (after `make`)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
duration=${DURATION:-10}
conns=${CONNECTIONS:-16}
PGBIN=/usr/lib/postgresql/15/bin
tmp=$(mktemp -d /tmp/cdtt-bench.XXXXXX); chmod 755 "$tmp"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; deploy/pg.sh stop "$tmp" >/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

url=$(CDTT_PG_THROWAWAY=1 deploy/pg.sh start "$tmp")
port=$((20000 + RANDOM % 20000))
CDTT_DATABASE_URL=$url CDTT_LISTEN=127.0.0.1:$port CDTT_LOG_LEVEL=warn \
  CDTT_JWT_SECRET=bench-secret-0123456789abcdef0123456789 "$build/cdtt" serve > "$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

CDTT_DATABASE_URL=$url CDTT_PASSWORD='bench password 1234' \
  "$build/cdtt" create-user --username bench --role admin >/dev/null
token=$(curl -s "http://127.0.0.1:$port/api/v1/auth/token" -d grant_type=password -d username=bench \
  -d 'password=bench password 1234' | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
cat > "$tmp/auth.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
LUA

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$PGBIN/pgbench" -q -i -s 10 -h "$tmp/sock" -U postgres postgres >/dev/null 2>&1

echo "cdtt baseline, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $conns connections, ${duration}s each"
printf '%-34s %12s %10s %10s\n' "what" "requests/s" "p50" "p99"
for path in /healthz /readyz /api/v1/me; do
  out=$(wrk -t2 -c"$conns" -d"${duration}s" --latency -s "$tmp/auth.lua" "http://127.0.0.1:$port$path")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  printf '%-34s %12s %10s %10s\n' "GET $path" "$rps" "$p50" "$p99"
done
tps=$(as_pg "$PGBIN/pgbench" -S -M prepared -c "$conns" -j 2 -T "$duration" -h "$tmp/sock" -U postgres postgres 2>/dev/null |
      awk '/^tps/ {print $3; exit}')
printf '%-34s %12s\n' "pgbench -S -M prepared (tps)" "$tps"
rss=$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$pid/status")
echo "peak RSS of cdtt serve: $rss"
