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
# db/functions/: every body an `AS $$ ... $$` string, never an SQL-standard body (BEGIN ATOMIC
# ... END, or a bare RETURN expr). PostgreSQL records what an SQL-standard body uses as
# dependencies, and PostgreSQL 15.20 then refuses ALTER TABLE ... ADD COLUMN with a default or a
# generated value on any table whose row type such a function uses; those files are applied
# again on every change, so they must never hold one. Comments, quoted strings and dollar-quoted
# bodies are skipped; what remains may not say BEGIN ATOMIC or RETURN.
if hits=$(perl -0777 -ne '
    s{(--[^\n]*|(\$[A-Za-z_0-9]*\$).*?\2|\x27(?:[^\x27]|\x27\x27)*\x27)}{"\n" x ($1 =~ tr/\n//)}gse;
    my $n = 0;
    for (split /\n/, $_, -1) { $n++; print "$ARGV:$n: $_\n" if /\bBEGIN\s+ATOMIC\b|\bRETURN\b/i }
  ' db/functions/*.sql); then
  if [ -n "$hits" ]; then
    echo "SQL-standard function bodies in db/functions/ (write AS \$\$ ... \$\$):"
    echo "$hits"
    failed=1
  fi
fi
[ $failed -eq 0 ] && echo "source rules: kept"
exit $failed
