#!/usr/bin/env bash
# Installs what cdtt needs from Debian 12 packages, once, for every way it is built:
#   install-deps.sh build    compilers and -dev libraries (the Dockerfile's build stage)
#   install-deps.sh runtime  shared libraries only (the Dockerfile's final stage)
#   install-deps.sh run      build + runtime + PostgreSQL 15 + curl and jq (what `make run` and
#                            the README's tour need; no Node.js)
#   install-deps.sh check    run + test and lint tools, and the Node.js tools of .tools/ (the
#                            OpenAPI linter) when Node.js >= 20.19 and npm are present (default;
#                            what `make check` and CI use; `all` is the same)
# A no-op when everything is present: it asks dpkg first and calls apt-get only for what is missing.
# Debian 12 ships Node.js 18 and no npm: there the Node.js tools are not installed, and the
# checks that use them say "skipped" (tests/node-ok.sh decides).
set -euo pipefail
profile=${1:-all}
here=$(cd "$(dirname "$0")/.." && pwd)

runtime_pkgs=(libulfius2.7 libjansson4 libjwt0 libpq5 libsodium23 libmicrohttpd12 libyder2.0 libssl3 ca-certificates)
build_pkgs=(gcc make pkg-config libc6-dev libulfius-dev libjansson-dev libjwt-dev libpq-dev
            libsodium-dev libmicrohttpd-dev libyder-dev liborcania-dev libgnutls28-dev libyaml-dev
            libssl-dev)
run_pkgs=(postgresql-15 curl jq)
test_pkgs=(check libsubunit-dev libcurl4-gnutls-dev postgresql-15 postgresql-contrib cppcheck
           valgrind wrk procps openssl curl jq slowhttptest)

case "$profile" in
  runtime) want=("${runtime_pkgs[@]}") ;;
  build)   want=("${build_pkgs[@]}") ;;
  run)     want=("${runtime_pkgs[@]}" "${build_pkgs[@]}" "${run_pkgs[@]}") ;;
  check|all) profile=check
           want=("${runtime_pkgs[@]}" "${build_pkgs[@]}" "${run_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 [build|runtime|run|check]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "install-deps: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Node.js tools are development tools: only for the check profile, kept in the project's
# .tools/, and only where Node.js is new enough to run them and npm can install them.
node_tools_ok=0
if [ "$profile" = check ]; then
  if ! why=$("$here/tests/node-ok.sh" --node); then
    echo "install-deps: skipped the Node.js tools (.tools/): $why; the checks that use them will say skipped" >&2
  elif ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: skipped the Node.js tools (.tools/): needs npm; the checks that use them will say skipped" >&2
  else
    node_tools_ok=1
  fi
fi
if [ "$node_tools_ok" = 1 ]; then
  redocly="$here/.tools/node_modules/.bin/redocly"
  if [ ! -x "$redocly" ]; then
    mkdir -p "$here/.tools"
    echo "install-deps: installing @redocly/cli@2.77.0 into .tools/" >&2
    (cd "$here/.tools" && [ -f package.json ] || echo '{"private":true}' > "$here/.tools/package.json"
     cd "$here/.tools" && npm install --silent --no-audit --no-fund @redocly/cli@2.77.0 >/dev/null)
  fi
  # Prism checks the document against real traffic (tests/contract/prism-check.sh); it needs
  # Node.js >= 20, which Debian 12 does not have: without it, that check says it was skipped.
  prism="$here/.tools/node_modules/.bin/prism"
  node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ ! -x "$prism" ] && [ "$node_major" -ge 20 ] && command -v npm >/dev/null 2>&1; then
    echo "install-deps: installing @stoplight/prism-cli@5.14.2 into .tools/" >&2
    (cd "$here/.tools" && npm install --silent --no-audit --no-fund @stoplight/prism-cli@5.14.2 >/dev/null)
  elif [ ! -x "$prism" ]; then
    echo "install-deps: Node.js >= 20 and npm are needed for @stoplight/prism-cli; its check will be skipped" >&2
  fi
  # Standard OAuth clients for the interop tests (tests/interop/), on Node.js >= 20 only: without
  # them those tests say "skipped" (Debian 12 ships Node.js 18 and no npm).
  if command -v npm >/dev/null 2>&1 &&
     node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' 2>/dev/null &&
     { [ ! -f "$here/.tools/node_modules/openid-client/package.json" ] ||
       [ ! -f "$here/.tools/node_modules/jose/package.json" ]; }; then
    echo "install-deps: installing openid-client@6.9.1 and jose@6.2.19 into .tools/" >&2
    (cd "$here/.tools" && npm install --silent --no-audit --no-fund openid-client@6.9.1 jose@6.2.19 >/dev/null)
  fi
fi
