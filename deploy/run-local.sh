#!/usr/bin/env bash
# `make run`: a private PostgreSQL in the project folder (kept between runs), migrations, the
# demo province (seed-demo, first run only), then cdtt in the foreground on CDTT_LISTEN
# (default 127.0.0.1:8080). Ctrl-C stops cdtt;
# `make stop` stops PostgreSQL. CDTT_* variables already set in the environment are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/cdtt}
dir=$(deploy/pg.sh dir-for-run)
url=$(deploy/pg.sh start "$dir")

# A signing secret made once per folder, so tokens survive a restart of cdtt.
secret_file="$dir.jwt-secret"
if [ ! -s "$secret_file" ]; then
  (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n/+=' > "$secret_file")
fi

export CDTT_DATABASE_URL=${CDTT_DATABASE_URL:-$url}
export CDTT_JWT_SECRET=${CDTT_JWT_SECRET:-$(cat "$secret_file")}
export CDTT_LISTEN=${CDTT_LISTEN:-127.0.0.1:8080}

"$bin" migrate
"$bin" seed-demo   # the demo province, once; prints the admin password when it creates it
cat <<BANNER

  cdtt is starting on http://$CDTT_LISTEN
    API reference    http://$CDTT_LISTEN/docs
    health           http://$CDTT_LISTEN/readyz
  PostgreSQL: $CDTT_DATABASE_URL
  Ctrl-C stops cdtt; \`make stop\` stops PostgreSQL (data is kept in $dir).

BANNER
exec "$bin" serve
