#!/usr/bin/env bash
# Fails when a SQLSTATE is written as a literal in api/ or db/ C code outside db/sqlstate.h,
# so that every code the service tells apart has a name there. A SQLSTATE is five characters
# of 0-9 and A-Z whose two-character class holds a digit (or is XX or HV); PATCH, BEGIN or
# RS256 never match. A character set handed to strchr (e.g. "35789") is not a code.
# Usage: tests/sqlstate-literals.sh [DIR...] (default: api db). Exit code: 0 when none found.
set -uo pipefail
cd "$(dirname "$0")/.."
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(api db)
found=$(grep -rnP --include='*.c' --include='*.h' \
  '(?<!strchr\()"([0-9][0-9A-Z]|[A-Z][0-9]|XX|HV)[0-9A-Z]{3}"' "${dirs[@]}" |
  grep -v '^db/sqlstate\.h:')
if [ -n "$found" ]; then
  echo "SQLSTATE literals outside db/sqlstate.h (name them there):"
  echo "$found"
  exit 1
fi
echo "no SQLSTATE literal outside db/sqlstate.h"
