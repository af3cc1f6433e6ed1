#!/usr/bin/env bash
# A reachable Redis for NewsFuse (BullMQ needs maxmemory-policy noeviction).
#
#   bash infra/redis.sh ensure   print a Redis URL that answers PING, starting a local redis-server if needed
#   bash infra/redis.sh stop     stop the redis-server this script started (never any other)
#
# `ensure` prints only the URL on stdout (messages go to stderr), so: REDIS_URL="$(bash infra/redis.sh ensure)"
# Env: REDIS_URL (default redis://127.0.0.1:6379), REDIS_PORT (port for a started server, default 6379),
#      NEWSFUSE_CACHE (pid/log dir: <cache>/redis).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
CACHE_DIR="${NEWSFUSE_CACHE:-$REPO_ROOT/.cache}"
REDIS_DIR="$CACHE_DIR/redis"
REDIS_PORT="${REDIS_PORT:-6379}"
URL_GIVEN="${REDIS_URL:-}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
PID_FILE="$REDIS_DIR/redis-$REDIS_PORT.pid"
LOG_FILE="$REDIS_DIR/redis-$REDIS_PORT.log"

msg() { printf '[redis] %s\n' "$*" >&2; }
die() { printf '[redis] error: %s\n' "$*" >&2; exit 1; }

# ping URL -> exit 0 if it answers PONG within ~2 s.
ping() {
  local url="$1"
  if command -v redis-cli >/dev/null; then
    [[ "$(timeout 3 redis-cli -u "$url" --no-auth-warning PING 2>/dev/null)" == PONG ]]
  else
    (cd "$REPO_ROOT" && URL="$url" timeout 5 node --input-type=module -e '
      import Redis from "ioredis";
      const r = new Redis(process.env.URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on("error", () => {});
      try { await r.connect(); process.exit((await r.ping()) === "PONG" ? 0 : 1); } catch { process.exit(1); }
    ' 2>/dev/null)
  fi
}

# BullMQ loses jobs silently under an evicting policy; say so (CONFIG may be disabled: then stay quiet).
check_policy() {
  command -v redis-cli >/dev/null || return 0
  local policy
  policy="$(timeout 3 redis-cli -u "$1" --no-auth-warning CONFIG GET maxmemory-policy 2>/dev/null | sed -n 2p || true)"
  if [[ -n "$policy" && "$policy" != noeviction ]]; then
    msg "warning: $1 has maxmemory-policy=$policy; BullMQ needs noeviction (CONFIG SET maxmemory-policy noeviction)"
  fi
}

our_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'redis-server' || return 1
  echo "$pid"
}

ensure() {
  if ping "$REDIS_URL"; then
    check_policy "$REDIS_URL"
    echo "$REDIS_URL"
    return 0
  fi
  local local_url="redis://127.0.0.1:$REDIS_PORT"
  if [[ -n "$URL_GIVEN" && "$URL_GIVEN" != "$local_url" ]]; then
    msg "REDIS_URL=$URL_GIVEN does not answer PING; trying a local server on port $REDIS_PORT instead"
  fi
  if [[ "$local_url" != "$REDIS_URL" ]] && ping "$local_url"; then
    check_policy "$local_url"
    echo "$local_url"
    return 0
  fi
  command -v redis-server >/dev/null ||
    die "no Redis answers at $REDIS_URL and redis-server is not installed: install it (Debian: apt-get install redis-server) or set REDIS_URL to a reachable server"
  mkdir -p "$REDIS_DIR"
  msg "starting redis-server on 127.0.0.1:$REDIS_PORT (no persistence, noeviction; log $LOG_FILE)"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
    --pidfile "$PID_FILE" --logfile "$LOG_FILE" --dir "$REDIS_DIR" \
    --save '' --appendonly no --maxmemory-policy noeviction ||
    die "redis-server failed to start (log: $LOG_FILE)"
  local i
  for ((i = 0; i < 50; i++)); do
    if ping "$local_url"; then
      echo "$local_url"
      return 0
    fi
    sleep 0.1
  done
  tail -n 20 "$LOG_FILE" >&2 2>/dev/null || true
  die "started redis-server but $local_url does not answer PING"
}

stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PID_FILE"
    msg "no redis-server started by this script on port $REDIS_PORT; nothing to stop"
    return 0
  fi
  msg "stopping redis-server pid $pid"
  stop_pid "$pid" 10 || msg "still running after 10 s; killed (SIGKILL)"
  rm -f "$PID_FILE"
  msg "stopped"
}

case "${1:-}" in
  ensure) ensure ;;
  stop) stop ;;
  *)
    echo "usage: bash infra/redis.sh ensure | stop" >&2
    exit 2
    ;;
esac
