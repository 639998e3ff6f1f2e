/** The most partitions a queue may have (ADR 0040's MAX_PARTITIONS, repeated: @tq/testing has no tq dependency). */
const MAX = 256;

/**
 * TQ_TEST_PARTITIONS: how many partitions the queues a test suite creates get (default 1, unpartitioned).
 * Set with TQ_TEST_CLUSTER=1 (`pnpm test:cluster:all`), it runs a suite with partitioned queues spread over
 * the cluster's masters. Throws on a value that is not a whole number from 1 to 256.
 */
export function testPartitions(env: NodeJS.ProcessEnv = process.env): number {
  const raw = (env.TQ_TEST_PARTITIONS ?? '').trim();
  if (raw === '') return 1;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX)
    throw new Error(`TQ_TEST_PARTITIONS must be a whole number from 1 to ${MAX}, got ${JSON.stringify(raw)}`);
  return n;
}

/** Whether the suite runs on a private Redis Cluster (TQ_TEST_CLUSTER=1, started by the jest global setup). */
export function onTestCluster(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.TQ_TEST_CLUSTER === '1';
}
