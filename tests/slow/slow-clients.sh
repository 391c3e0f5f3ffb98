#!/usr/bin/env bash
# Slow clients cannot take the server offline. slowhttptest holds thousands of slow
# connections from 127.0.0.1 — first trickling headers (slowloris, -H), then trickling bodies
# (-B) — while ordinary requests from another address (127.0.0.2) must still be answered
# promptly. Before per-address limits and whole-request deadlines, 1,200 such connections
# left every other client unanswered for the whole attack.
#
# Usage: tests/slow/slow-clients.sh BIN DATABASE_URL   (tests/run.sh calls it)
# Bounded: about 15 s per attack. Exit code 0 when every probe was answered in time.
set -uo pipefail
bin=$1 url=$2
connections=5000
probes=8
probe_limit=2  # seconds an ordinary request may take while the attack runs

command -v slowhttptest >/dev/null || { echo "slowhttptest is not installed (deploy/install-deps.sh)" >&2; exit 1; }
# slowhttptest needs a descriptor per connection
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt $((connections + 200)) ]; then
  connections=$(( $(ulimit -n) - 200 ))
  echo "only $(ulimit -n) descriptors allowed: $connections slow connections" >&2
fi

work=$(mktemp -d /tmp/cdtt-slow.XXXXXX)
port=$(shuf -i 20000-45000 -n 1)
server=
attack=
cleanup() {
  [ -n "$attack" ] && kill "$attack" 2>/dev/null
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# migrated first, so that the wait below is for the listener only, however busy the machine
CDTT_DATABASE_URL=$url "$bin" migrate >"$work/server.log" 2>&1 ||
  { echo "cdtt migrate failed:"; cat "$work/server.log"; exit 1; }
CDTT_DATABASE_URL=$url CDTT_LISTEN=127.0.0.1:$port CDTT_THREADS=4 CDTT_LOG_LEVEL=error \
  CDTT_JWT_SECRET=slow-clients-test-secret-0123456789abcdef \
  "$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 300); do
  curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
  sleep 0.1
done
curl -s -o /dev/null "http://127.0.0.1:$port/healthz" || { echo "cdtt did not start:"; cat "$work/server.log"; exit 1; }

failed=0
# run NAME SLOWHTTPTEST-ARGS...: the attack in the background, probes from 127.0.0.2 meanwhile
run() {
  local name=$1; shift
  slowhttptest "$@" -c "$connections" -r 1000 -i 5 -l 20 -p 3 \
    -u "http://127.0.0.1:$port/healthz" >"$work/$name.log" 2>&1 &
  attack=$!
  sleep 7 # the attack opens its connections at 1,000 a second
  local ok=0 slow=0
  for i in $(seq "$probes"); do
    out=$(curl -s -o /dev/null --interface 127.0.0.2 -m "$probe_limit" \
      -w '%{http_code} %{time_total}' "http://127.0.0.1:$port/healthz")
    if [ "${out%% *}" = 200 ]; then ok=$((ok + 1)); else slow=$((slow + 1)); fi
    sleep 0.5
  done
  kill "$attack" 2>/dev/null; wait "$attack" 2>/dev/null; attack=
  echo "slow clients ($name, $connections connections): $ok of $probes ordinary requests answered within ${probe_limit}s"
  if [ "$slow" -ne 0 ]; then
    failed=1
    tail -n 20 "$work/$name.log"
  fi
}
run "slowloris -H" -H -x 24
run "slow body -B" -B -s 8192 -t POST -x 10

kill -0 "$server" 2>/dev/null || { echo "cdtt died during the attacks:"; cat "$work/server.log"; failed=1; }
exit $failed
