#!/usr/bin/env bash
# Rules for the C sources in api/ and db/ that the compiler does not enforce. Exit 1, naming the
# lines, when one is broken:
# - no unbounded string writes (sprintf, vsprintf, strcpy, strcat, stpcpy, gets): snprintf with
#   the buffer's size, or memcpy of a known length;
# - no printing from library code: only the subcommands (api/main.c, api/cli.c, api/seed.c), the
#   logger (api/http/log.c) and the build tools (api/tools/) write to stdout or stderr; the rest
#   logs through log_event or returns an error.
# A grep, not `#pragma GCC poison`: poisoning breaks on system headers that mention the names
# (glibc's _FORTIFY_SOURCE wrappers) and needs one header that every file includes.
set -uo pipefail
cd "$(dirname "$0")/.."
failed=0
# comments are skipped: a line whose code starts with /*, * or //
code() { grep -rnE --include='*.c' --include='*.h' "$@" api db | grep -vE '^[^:]+:[0-9]+:\s*(/?\*|//)'; }
if hits=$(code '\b(v?sprintf|strcpy|strcat|stpcpy|gets)\s*\('); then
  echo "unbounded string functions (use snprintf or memcpy with a known length):"
  echo "$hits"
  failed=1
fi
if hits=$(code '\b(v?printf|puts|perror)\s*\(|\b(v?fprintf|fputs|fputc|fwrite)\s*\([^;]*\b(stdout|stderr)\b' |
          grep -vE '^(api/main\.c|api/cli\.c|api/seed\.c|api/http/log\.c|api/tools/)'); then
  echo "printing outside the subcommands (log with log_event or return an error):"
  echo "$hits"
  failed=1
fi
[ $failed -eq 0 ] && echo "source rules: kept"
exit $failed
