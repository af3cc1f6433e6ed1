# Shared shell helpers for infra/kafka/kafka.sh and infra/redis.sh (sourced, not run).

# stop_pid PID SECONDS: SIGTERM, wait up to SECONDS for the process to exit, then SIGKILL and wait
# up to 5 s more. Returns 0 when the process is gone, 1 when it had to be killed.
stop_pid() {
  local pid="$1" tenths=$(($2 * 10)) i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < tenths; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}
