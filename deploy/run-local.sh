#!/usr/bin/env bash
# `make run`: a private PostgreSQL in the project folder (kept between runs), migrations, the
# demo province (seed-demo, first run only), then cdtt in the foreground on CDTT_LISTEN
# (default 127.0.0.1:8080). Ctrl-C stops cdtt;
# `make stop` stops PostgreSQL. CDTT_* variables already set in the environment are kept; with
# CDTT_DATABASE_URL set, that database is used and no private PostgreSQL is started.
#
#   run-local.sh [BIN]          the above (BIN defaults to build/cdtt)
#   run-local.sh env            `make env`: the export lines of the last `make run` (database,
#                               listen address, signing secret), for `eval "$(make -s env)"`
#   run-local.sh admin-password `make admin-password`: the password seed-demo printed for admin
#
# The folder (deploy/pg.sh dir-for-run: .run/pg, or CDTT_RUN_DIR) holds the cluster; next to it,
# DIR.jwt-secret, DIR.env and DIR.admin-password (readable by the owner only).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(deploy/pg.sh dir-for-run)

case "${1:-}" in
  env)
    if [ ! -s "$dir.env" ]; then
      echo "run-local: \`make run\` has not been run in this folder yet (no $dir.env)" >&2; exit 1
    fi
    cat "$dir.env"; exit 0 ;;
  admin-password)
    if [ ! -s "$dir.admin-password" ]; then
      echo "run-local: no admin password kept in $dir.admin-password: \`make run\` prints it on" \
           "its first run; an admin made otherwise keeps the password it was given" >&2; exit 1
    fi
    cat "$dir.admin-password"; exit 0 ;;
esac
bin=${1:-build/cdtt}

if [ -z "${CDTT_DATABASE_URL:-}" ]; then
  CDTT_DATABASE_URL=$(deploy/pg.sh start "$dir")
fi
mkdir -p "$(dirname "$dir")"

# A signing secret made once per folder, so tokens survive a restart of cdtt.
secret_file="$dir.jwt-secret"
if [ ! -s "$secret_file" ]; then
  (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n/+=' > "$secret_file")
fi

export CDTT_DATABASE_URL
export CDTT_JWT_SECRET=${CDTT_JWT_SECRET:-$(cat "$secret_file")}
export CDTT_LISTEN=${CDTT_LISTEN:-127.0.0.1:8080}
# What `make env` prints, so the subcommands (create-user, create-client, ...) and a cdtt started
# by hand reach this database with this secret.
(umask 077 && printf "export CDTT_DATABASE_URL='%s'\nexport CDTT_LISTEN='%s'\nexport CDTT_JWT_SECRET='%s'\n" \
  "$CDTT_DATABASE_URL" "$CDTT_LISTEN" "$CDTT_JWT_SECRET" > "$dir.env")

"$bin" migrate
# The demo province, once; seed-demo prints the admin password when it creates the account,
# and it is kept for `make admin-password` (a demo convenience: this is a local database).
seed_out=$("$bin" seed-demo) || { printf '%s\n' "$seed_out"; exit 1; }
printf '%s\n' "$seed_out"
password=$(printf '%s\n' "$seed_out" | sed -n 's/^admin password: //p')
if [ -n "$password" ]; then
  (umask 077 && printf '%s\n' "$password" > "$dir.admin-password")
fi
cat <<BANNER

  cdtt is starting on http://$CDTT_LISTEN
    API reference    http://$CDTT_LISTEN/docs
    health           http://$CDTT_LISTEN/readyz
  PostgreSQL: $CDTT_DATABASE_URL
  admin password: \`make admin-password\`; the subcommands' settings: eval "\$(make -s env)"
  Ctrl-C stops cdtt; \`make stop\` stops PostgreSQL (data is kept in $dir).

BANNER
exec "$bin" serve
