#!/usr/bin/env bash
# The production stack, started as the README says (Procfile run by honcho: gunicorn, Celery worker
# and beat) on PostgreSQL and Redis with DEBUG=0, then a smoke journey over HTTP through it
# (.ci/smoke_journey.py). Stops everything, and fails on any error, in the journey or in the logs.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${SMOKE_PORT:-8765}"
db="${SMOKE_DB:-smoke}"
work="$(mktemp -d)"
stack_log="$work/stack.log"

export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
export CELERY_BROKER_URL="${SMOKE_BROKER_URL:-redis://127.0.0.1:6379/14}"
export CACHE_URL="${SMOKE_CACHE_URL:-redis://127.0.0.1:6379/15}"
export DEBUG=0
SECRET_KEY="smoke-$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1 SITE_URL="http://127.0.0.1:$port" TSF_BIND="127.0.0.1:$port"
export TSF_VAR_DIR="$work/var" MEDIA_ROOT="$work/var/media" STATIC_ROOT="$work/static"
export EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend EMAIL_FILE_PATH="$work/emails"
export WEB_CONCURRENCY=2 CELERY_CONCURRENCY=2 LOG_LEVEL=INFO
# A heartbeat every second: /sante/ is green as soon as the worker has run one.
export TSF_HEARTBEAT_SECONDS=1
export PATH="$PWD/.venv/bin:$PATH"

redis-cli -u "$CELERY_BROKER_URL" flushdb >/dev/null
redis-cli -u "$CACHE_URL" flushdb >/dev/null
PGOPTIONS=--client-min-messages=warning psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
mkdir -p "$TSF_VAR_DIR"
python manage.py migrate --noinput -v 0
python manage.py collectstatic --noinput -v 0
python manage.py load_demo --force >/dev/null

honcho start -f Procfile >"$stack_log" 2>&1 &
honcho_pid=$!
stop() {
  if kill -0 "$honcho_pid" 2>/dev/null; then
    kill -TERM "$honcho_pid"
    for _ in $(seq 1 40); do kill -0 "$honcho_pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$honcho_pid" 2>/dev/null && { echo "smoke: the stack did not stop within 20 s"; kill -KILL "$honcho_pid"; return 1; }
  fi
  wait "$honcho_pid" 2>/dev/null || true
}
trap 'stop || true; echo "--- stack log (last 60 lines)"; tail -n 60 "$stack_log"; rm -rf "$work"' ERR

started=$SECONDS
python .ci/smoke_journey.py "http://127.0.0.1:$port" "$stack_log"
stop
trap - ERR
if grep -E '"level": "(ERROR|CRITICAL)"|Traceback' "$stack_log"; then
  echo "smoke: errors in the stack's logs (above)"
  rm -rf "$work"
  exit 1
fi
grep -q "Shutting down: Master" "$stack_log" || { echo "smoke: gunicorn did not stop cleanly"; tail -n 30 "$stack_log"; exit 1; }
echo "smoke: journey passed in $((SECONDS - started)) s, stack stopped cleanly"
rm -rf "$work"
