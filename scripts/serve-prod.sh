#!/usr/bin/env bash
# `make serve-prod`: the production processes on a workstation -- gunicorn, a Celery worker and
# Celery beat, in production mode on PostgreSQL and Redis -- in the foreground, until Ctrl-C or
# until one of them stops (then all stop).
#
# This is NOT how a server runs: over plain http on 127.0.0.1 it has to switch off the HTTPS
# settings production mode turns on. A real server uses deploy/ (systemd units, nginx with TLS,
# /etc/safecampus/safecampus.env); see docs/deploy.md.
#
# DATABASE_URL / REDIS_URL default to this machine's PostgreSQL (database `safecampus`,
# created if missing) and Redis. DEMO=1 adds the demo city when the database has no
# organisations yet.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$PWD/.venv/bin"
PY="$BIN/python"

say() { printf 'serve-prod: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

export SAFECAMPUS_VAR_DIR="${SAFECAMPUS_VAR_DIR:-$PWD/var}"
VAR="$SAFECAMPUS_VAR_DIR"
mkdir -p "$VAR"

LOCAL_DB="postgres://postgres@127.0.0.1:5432/safecampus"
if [ -z "${DATABASE_URL:-}" ]; then
  export DATABASE_URL="$LOCAL_DB"
  command -v pg_isready >/dev/null || die "PostgreSQL client tools are missing (Debian: apt-get install postgresql-client), or set DATABASE_URL."
  pg_isready -q -h 127.0.0.1 -p 5432 || die "no PostgreSQL on 127.0.0.1:5432 (start it, or set DATABASE_URL)."
  exists=$(psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atc \
    "SELECT 1 FROM pg_database WHERE datname = 'safecampus'") \
    || die "cannot log in to PostgreSQL as postgres on 127.0.0.1 (set DATABASE_URL)."
  if [ "$exists" != "1" ]; then
    say "creating the PostgreSQL database safecampus"
    createdb -h 127.0.0.1 -p 5432 -U postgres --encoding UTF8 --template template0 safecampus
  fi
fi
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
"$PY" -c 'import sys, redis; redis.Redis.from_url(sys.argv[1], socket_timeout=3).ping()' \
  "$REDIS_URL" 2>/dev/null || die "no Redis answers at $REDIS_URL (start redis-server, or set REDIS_URL)."

# Production mode, minus what only works behind nginx with TLS. The key is generated once and
# kept, so sessions survive a restart.
KEY_FILE="$VAR/serve-prod-secret-key"
if [ ! -s "$KEY_FILE" ]; then
  (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(64))' >"$KEY_FILE")
fi
export SAFECAMPUS_MODE=production
export SECRET_KEY="${SECRET_KEY:-$(cat "$KEY_FILE")}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false
export SECURE_HSTS_SECONDS=0 BEHIND_TLS_PROXY=false PROXY_COUNT=0
export GUNICORN_BIND="${GUNICORN_BIND:-127.0.0.1:8000}"

say "production processes on a workstation: plain http, so SSL redirect, HSTS and secure"
say "cookies are OFF here (a server uses deploy/ behind nginx with TLS, docs/deploy.md)."
say "database ${DATABASE_URL%%://*}://...${DATABASE_URL##*@}, redis $REDIS_URL, files in $VAR"

manage() { "$PY" manage.py "$@"; }
manage compilemessages --ignore=.venv -v0
manage migrate --noinput -v0
manage collectstatic --noinput -v0
if [ "${DEMO:-0}" = "1" ]; then
  manage demo_city --if-empty --logins-json "$VAR/demo-logins.json" --url "http://${GUNICORN_BIND}/"
fi

pids=()
names=()
start() {
  local name=$1
  shift
  "$@" &
  pids+=("$!")
  names+=("$name")
  say "started $name (pid $!)"
}

any_dead() {
  local pid
  for pid in "${pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then return 0; fi
  done
  return 1
}

any_alive() {
  local pid
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then return 0; fi
  done
  return 1
}

stopping=0
stop_all() {
  if [ "$stopping" = 1 ]; then return; fi
  stopping=1
  say "stopping: ${names[*]}"
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # gunicorn's graceful timeout is 30 s; whatever is still running after that is killed.
  for _ in $(seq 1 35); do
    if ! any_alive; then return; fi
    sleep 1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM HUP

start web "$BIN/gunicorn" -c gunicorn.conf.py
start worker "$BIN/celery" -A safecampus worker --loglevel INFO
start beat "$BIN/celery" -A safecampus beat --loglevel INFO

url="http://${GUNICORN_BIND}"
for _ in $(seq 1 30); do
  if any_dead; then break; fi
  if "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "$url/healthz" 2>/dev/null; then
    say "SafeCampus is up at $url (Ctrl-C stops everything)"
    break
  fi
  sleep 1
done

# Any one of the three stopping stops the others: a web server without its worker would
# queue jobs nobody runs. (`wait -n` without ids: every child of this script is one of them.)
status=0
wait -n || status=$?
for i in "${!pids[@]}"; do
  if ! kill -0 "${pids[$i]}" 2>/dev/null; then
    say "${names[$i]} (pid ${pids[$i]}) stopped with status $status"
  fi
done
stop_all
exit $((status == 0 ? 1 : status))
