#!/usr/bin/env bash
# `make fresh-check`: the newcomer's path on a clean Debian 12, in a chroot.
#
#   tests/fresh-debian/run.sh [--run-only]
#
# 1. A Debian 12 (bookworm) minbase root is made with debootstrap from the mirror apt already
#    uses (once; cached under ${FRESH_DEBIAN_CACHE:-/var/tmp/cdtt-fresh-debian}, as
#    /work/shared/tools/build-image.sh makes its base image), and copied to a throwaway root.
#    The host's apt sources are copied in, so the chroot installs what a fresh machine would.
# 2. The repository's files (tracked and new, not build/, .tools/ or .run/) are copied to /src.
# 3. As on a new machine: `apt-get install make`, then `make run` in the background; it must
#    install what it needs (with no Node.js anywhere in the root), build, start PostgreSQL,
#    migrate, seed the demo and answer 200 on /readyz; then it is stopped (cdtt by SIGTERM,
#    PostgreSQL by `make stop`).
# 4. Unless --run-only: Debian's own Node.js (18) is installed, and `make check` must pass, with
#    the OpenAPI lint reported as "skipped: needs Node >= 20.19".
# Needs root (debootstrap, chroot, mounts) and the Debian mirror. Prints PASS/FAIL; exit 0 on PASS.
# FRESH_PG_VERSION=15.18-0+deb12u1 pins PostgreSQL (server and libpq) to that Debian version
# instead of the newest one, to tell a PostgreSQL update apart from a change of ours.
set -euo pipefail
here=${FRESH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}   # the repository to copy
run_only=0; [ "${1:-}" = --run-only ] && run_only=1
cache=${FRESH_DEBIAN_CACHE:-/var/tmp/cdtt-fresh-debian}
[ "$(id -u)" -eq 0 ] || { echo "fresh-check: needs root (debootstrap, chroot, mount)" >&2; exit 2; }
command -v debootstrap >/dev/null 2>&1 ||
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
mkdir -p "$cache"
start=$(date +%s)
say() { printf '[fresh-check %4ss] %s\n' $(( $(date +%s) - start )) "$*"; }

if [ ! -f "$cache/base/.complete" ]; then
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  mirror=${mirror:-$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)}
  say "making the Debian 12 base with debootstrap from $mirror (about a minute, once)"
  rm -rf --one-file-system "$cache/base"
  debootstrap --variant=minbase bookworm "$cache/base" "$mirror" > "$cache/debootstrap.log" 2>&1 ||
    { echo "fresh-check: debootstrap failed; see $cache/debootstrap.log" >&2; exit 1; }
  touch "$cache/base/.complete"
fi

# A clean environment: nothing of the host's (no CDTT_*, no Node.js on PATH).
in_root() {
  local listen=(); [ -n "${port:-}" ] && listen=(CDTT_LISTEN="127.0.0.1:$port")
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 TERM=dumb MAKEFLAGS=-j2 "${listen[@]}" \
    chroot "$root" /bin/bash -euo pipefail -c "$1"
}
root=$(mktemp -d "$cache/root.XXXXXX")
log=$cache/last.log
server_pid=""
mounted=()
cleanup() {
  set +e
  [ -n "$server_pid" ] && kill -TERM -- "-$server_pid" 2>/dev/null
  if [ -x "$root/usr/lib/postgresql/15/bin/pg_ctl" ]; then
    in_root 'cd /src && make stop' >/dev/null 2>&1
  fi
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}"; done
  # Only a root with nothing mounted in it is removed (never a bound host folder).
  if ! grep -q " $root/" /proc/mounts; then rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT
mnt() { mount "$@"; mounted+=("${*: -1}"); }

say "copying the base to $root"
cp -a "$cache/base/." "$root/"
mnt -t proc proc "$root/proc"
mnt -t tmpfs -o mode=1777 shm "$root/dev/shm"
mnt -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
  rm -f "$root/etc/apt/sources.list"
fi
for f in /etc/apt/apt.conf.d/*; do
  grep -qs 'Check-Valid-Until\|Proxy' "$f" && cp "$f" "$root/etc/apt/apt.conf.d/"
done
if [ -n "${FRESH_PG_VERSION:-}" ]; then
  printf 'Package: postgresql-15 postgresql-client-15 libpq5 libpq-dev\nPin: version %s\nPin-Priority: 1001\n' \
    "$FRESH_PG_VERSION" > "$root/etc/apt/preferences.d/postgresql"
fi
# As in a container: packages' services (the postgresql package's own cluster) are not started.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"; chmod 755 "$root/usr/sbin/policy-rc.d"

say "copying the repository to /src"
mkdir -p "$root/src"
(cd "$here" && git ls-files -z --cached --others --exclude-standard |
   grep -zv '^\(\.tools\|build\|\.run\)\(/\|$\)' | tar --null -T - -cf - 2>/dev/null) | tar -C "$root/src" -xf -

fail() { tail -n 5 "$log" | sed 's/^/  | /'; echo "fresh-check: FAIL: $*  (log: $log)"; exit 1; }

: > "$log"
say "apt-get install make (the one step before \`make run\`)"
in_root 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq make >/dev/null' >> "$log" 2>&1 ||
  fail "apt-get install make"
in_root 'if command -v node || command -v npm; then exit 1; fi' >> "$log" 2>&1 || fail "node is in the fresh root"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
       echo $((20000 + RANDOM % 20000)))
say "make run (listening on 127.0.0.1:$port); log in $log"
setsid bash -c "$(declare -f in_root); root='$root' port='$port'; in_root 'cd /src && make run'" >> "$log" 2>&1 &
server_pid=$!
ready=0
for _ in $(seq 1 1800); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" 2>/dev/null)" = 200 ]; then
    ready=1; break
  fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 1
done
[ $ready = 1 ] || fail "make run did not answer 200 on /readyz"
say "make run: /readyz answered 200"
grep -q '^admin password: ' "$log" || fail "make run did not print the admin password"
kill -TERM -- "-$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""
in_root 'cd /src && make stop' >> "$log" 2>&1 || fail "make stop"
say "make run stopped"

if [ $run_only = 0 ]; then
  say "apt-get install nodejs (Debian's Node.js 18), then make check"
  in_root 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >/dev/null' >> "$log" 2>&1 ||
    fail "apt-get install nodejs"
  port=""
  in_root 'cd /src && make check' > "$cache/check.log" 2>&1 || { cat "$cache/check.log" >> "$log"; fail "make check"; }
  cat "$cache/check.log" >> "$log"
  grep -q '^skipped: needs Node >= 20.19' "$cache/check.log" || fail "the OpenAPI lint was not reported as skipped"
  say "make check: all passed (OpenAPI lint skipped: Node.js 18)"
fi
say "PASS"
