#!/usr/bin/env bash
# Installs what cdtt needs from Debian 12 packages, once, for every way it is built:
#   install-deps.sh build    compilers and -dev libraries (the Dockerfile's build stage)
#   install-deps.sh runtime  shared libraries only (the Dockerfile's final stage)
#   install-deps.sh all      build + PostgreSQL 15 + test and lint tools + the spec linter (default;
#                            what `make run`, `make check` and CI use)
# A no-op when everything is present: it asks dpkg first and calls apt-get only for what is missing.
set -euo pipefail
profile=${1:-all}
here=$(cd "$(dirname "$0")/.." && pwd)

runtime_pkgs=(libulfius2.7 libjansson4 libjwt0 libpq5 libsodium23 libmicrohttpd12 libyder2.0 libssl3 ca-certificates)
build_pkgs=(gcc make pkg-config libc6-dev libulfius-dev libjansson-dev libjwt-dev libpq-dev
            libsodium-dev libmicrohttpd-dev libyder-dev liborcania-dev libgnutls28-dev libyaml-dev
            libssl-dev)
test_pkgs=(check libsubunit-dev libcurl4-gnutls-dev postgresql-15 postgresql-contrib cppcheck
           valgrind wrk procps openssl slowhttptest)

case "$profile" in
  runtime) want=("${runtime_pkgs[@]}") ;;
  build)   want=("${build_pkgs[@]}") ;;
  all)     want=("${runtime_pkgs[@]}" "${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 [build|runtime|all]" >&2; exit 2 ;;
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

# The OpenAPI linter is a development tool: only for the full profile, kept in the project's .tools/.
if [ "$profile" = all ]; then
  redocly="$here/.tools/node_modules/.bin/redocly"
  if [ ! -x "$redocly" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "install-deps: npm is needed for @redocly/cli (Node.js >= 20.19)" >&2; exit 1
    fi
    mkdir -p "$here/.tools"
    echo "install-deps: installing @redocly/cli@2.77.0 into .tools/" >&2
    (cd "$here/.tools" && [ -f package.json ] || echo '{"private":true}' > "$here/.tools/package.json"
     cd "$here/.tools" && npm install --silent --no-audit --no-fund @redocly/cli@2.77.0 >/dev/null)
  fi
fi
