#!/usr/bin/env bash
# Runs the whole system locally: API on :8080, a worker (metrics :9101) and a reaper (metrics :9102),
# against REDIS_URL (default redis://localhost:6379). When nothing answers there and redis-server is
# installed, it starts a private Redis with AOF persistence under .tq-data/redis. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
# The CLI and the dashboard too: the README runs `pnpm tq ...` against the system this starts, and the API
# serves the dashboard's bundle at /ui/ (a 404 saying it is not built otherwise).
pnpm turbo run build --filter @tq/api --filter @tq/worker --filter @tq/reaper --filter @tq/cli --filter @tq/dashboard \
  --output-logs=errors-only

export REDIS_URL="${REDIS_URL:-redis://localhost:6379}"
pids=()
stop_all() {
  trap - INT TERM EXIT
  echo "tq: stopping…" >&2
  # Services first (the worker drains and releases its tasks into Redis), Redis last.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${redis_pid:-}" ]; then kill -TERM "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
}
trap stop_all INT TERM EXIT

redis_answers() {
  node -e "
    const { createRedis } = require('./packages/core');
    const r = createRedis(process.env.REDIS_URL, { commandTimeoutMs: 1000 });
    r.ping().then(() => process.exit(0), () => process.exit(1));
  " 2>/dev/null
}

if ! redis_answers; then
  if [[ "$REDIS_URL" =~ ^redis://(localhost|127\.0\.0\.1)(:([0-9]+))?/?$ ]] && command -v redis-server >/dev/null; then
    port="${BASH_REMATCH[3]:-6379}"
    mkdir -p .tq-data/redis
    echo "tq: nothing answers at $REDIS_URL; starting redis-server on port $port with AOF (appendfsync always) in .tq-data/redis" >&2
    redis-server --port "$port" --bind 127.0.0.1 --dir "$PWD/.tq-data/redis" --appendonly yes --appendfsync always \
      --maxmemory-policy noeviction --save '' --logfile "$PWD/.tq-data/redis/redis.log" &
    redis_pid=$!
    for _ in $(seq 1 50); do redis_answers && break; sleep 0.1; done
    redis_answers || { echo "tq: redis-server did not start; see .tq-data/redis/redis.log" >&2; exit 1; }
  else
    echo "tq: nothing answers at REDIS_URL=$REDIS_URL." >&2
    echo "    Install Redis (apt-get install redis-server) and run this again, or set REDIS_URL to a running Redis." >&2
    exit 1
  fi
fi

PORT="${PORT:-8080}" node apps/api/dist/main.js &
pids+=($!)
METRICS_PORT="${WORKER_METRICS_PORT:-9101}" node apps/worker/dist/main.js &
pids+=($!)
METRICS_PORT="${REAPER_METRICS_PORT:-9102}" node apps/reaper/dist/main.js &
pids+=($!)
echo "tq: API on http://localhost:${PORT:-8080}, dashboard http://localhost:${PORT:-8080}/ui/, worker metrics :${WORKER_METRICS_PORT:-9101}, reaper metrics :${REAPER_METRICS_PORT:-9102} (Ctrl-C stops)" >&2

# If any service exits, stop the rest: a half-running system hides problems.
wait -n "${pids[@]}" || true
