#!/usr/bin/env bash
# pnpm test:cluster:all (docs/testing.md): the api, worker and reaper jest suites, the e2e suite and the
# chaos CI subset, one after the other, each against its own private 3-master Redis Cluster
# (TQ_TEST_CLUSTER=1), with every queue the tests and the services create split into TQ_TEST_PARTITIONS
# partitions (default 3, ADR 0040). Not part of `pnpm test` (its time budget): run it after changing how
# queues are stored, routed or partitioned. Every suite runs even when one fails; the summary at the end
# gives each one's result and time, and the exit status is 1 when any failed.
set -uo pipefail
cd "$(dirname "$0")/.."

export TQ_TEST_CLUSTER=1
export TQ_TEST_PARTITIONS="${TQ_TEST_PARTITIONS:-3}"
# The chaos report of this run goes here, not over the committed tests/chaos/results/report.md.
export CHAOS_RESULTS_DIR="${CHAOS_RESULTS_DIR:-$(mktemp -d -t tq-chaos-cluster-XXXXXX)}"

pnpm turbo run build --output-logs=errors-only || exit 1

summary=()
failed=0
run() {
  local name=$1
  shift
  local started=$SECONDS
  echo "== $name: $*" >&2
  if "$@"; then
    summary+=("passed  $name ($((SECONDS - started)) s)")
  else
    summary+=("FAILED  $name ($((SECONDS - started)) s)")
    failed=1
  fi
}

# Through pnpm, not turbo: a cached test:cluster result is not a run, and turbo --force rebuilds too.
for pkg in api worker reaper; do
  run "$pkg" pnpm --filter "@tq/$pkg" test:cluster
done
run e2e pnpm --filter @tq/e2e test:e2e
run chaos-ci pnpm --filter @tq/chaos chaos:ci

echo "== test:cluster:all, TQ_TEST_PARTITIONS=$TQ_TEST_PARTITIONS (chaos report: $CHAOS_RESULTS_DIR/report.md):" >&2
printf '%s\n' "${summary[@]}" >&2
exit "$failed"
