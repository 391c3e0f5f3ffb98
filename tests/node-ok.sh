#!/usr/bin/env bash
# Whether the Node.js tools of .tools/ (Redocly and the like) can run here. They need Node.js
# >= 20.19, which Debian 12 does not ship (it has 18, and no npm), so every check that uses
# them is run only where this says yes, and is reported as skipped otherwise.
#
#   tests/node-ok.sh [TOOL...]   exit 0 when node >= 20.19 is on PATH, .tools/node_modules
#                                exists and each TOOL is in .tools/node_modules/.bin;
#                                otherwise exit 1 and print the reason on one line,
#                                e.g. "needs Node >= 20.19 (found 18.19.0)"
#   tests/node-ok.sh --node      only the Node.js version (what install-deps.sh asks before
#                                installing into .tools/)
#
# In a check:  if why=$(tests/node-ok.sh redocly); then ...; else echo "skipped: $why"; fi
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
need_major=20 need_minor=19

if ! command -v node >/dev/null 2>&1; then
  echo "needs Node >= $need_major.$need_minor (no node on PATH)"; exit 1
fi
version=$(node -p 'process.versions.node' 2>/dev/null) || version=""
IFS=. read -r major minor _ <<<"$version"
if ! [[ "${major:-}" =~ ^[0-9]+$ && "${minor:-}" =~ ^[0-9]+$ ]]; then
  echo "needs Node >= $need_major.$need_minor (node does not report its version)"; exit 1
fi
if [ "$major" -lt $need_major ] || { [ "$major" -eq $need_major ] && [ "$minor" -lt $need_minor ]; }; then
  echo "needs Node >= $need_major.$need_minor (found $version)"; exit 1
fi
[ "${1:-}" = --node ] && exit 0

if [ ! -d "$here/.tools/node_modules" ]; then
  echo "needs .tools/ (make deps installs it)"; exit 1
fi
for tool in "$@"; do
  if [ ! -x "$here/.tools/node_modules/.bin/$tool" ]; then
    echo "needs $tool in .tools/ (make deps installs it)"; exit 1
  fi
done
exit 0
