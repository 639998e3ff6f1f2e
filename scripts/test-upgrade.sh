#!/usr/bin/env bash
# pnpm test:upgrade: the rolling upgrade test (ADR 0045, docs/testing.md). Builds the previous release
# (TQ_UPGRADE_FROM_COMMIT, default the last release before the compact task format) in a temporary git
# worktree, then runs chaos scenario 20: old and new APIs, workers and reapers on one Redis with tasks in
# flight, then the switch to format 2. TQ_UPGRADE_FROM=<dir of a built checkout> skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."
commit="${TQ_UPGRADE_FROM_COMMIT:-93aad84}"
from="${TQ_UPGRADE_FROM:-}"
if [ -z "$from" ]; then
  from="$(mktemp -d "${TMPDIR:-/tmp}/tq-upgrade-from.XXXXXX")"
  rmdir "$from"
  trap 'git worktree remove --force "$from" >/dev/null 2>&1 || true' EXIT
  git worktree add --detach "$from" "$commit" >/dev/null
  echo "test:upgrade: building $commit in $from"
  (cd "$from" && pnpm install --offline --frozen-lockfile >/dev/null && pnpm turbo run build \
    --filter=@tq/api --filter=@tq/worker --filter=@tq/reaper --output-logs=errors-only)
fi
pnpm turbo run build --output-logs=errors-only
# Its report goes apart: tests/chaos/results holds the full suite's.
export CHAOS_RESULTS_DIR="${CHAOS_RESULTS_DIR:-$(mktemp -d -t tq-upgrade-XXXXXX)}"
echo "test:upgrade: results in $CHAOS_RESULTS_DIR (20-rolling-upgrade.json, logs/)"
TQ_UPGRADE_FROM="$from" TQ_CHAOS=20 pnpm --filter @tq/chaos exec jest --runInBand src/scenarios/20-rolling-upgrade.test.ts
