import {
  DEFAULT_MAX_ATTEMPTS,
  PartitionedQueue,
  redisMasters,
  type QueueKeys,
  type RedisClient,
} from '@tq/core';

const ZSETS = ['scheduled', 'running', 'retry', 'dead', 'done', 'canceled'] as const;

/** What the invariant scan found; `violations` must be empty. */
export interface InvariantReport {
  tasks: number;
  byState: Record<string, number>;
  violations: string[];
}

/**
 * Reads a whole queue and checks DESIGN §2's invariants: every task is in exactly one state structure
 * and its hash says the same; no structure holds an id without a task; attempts stay within bounds.
 * For quiesced queues (after a drain): it reads everything, so it is not for a live, large queue.
 */
export async function scanInvariants(redis: RedisClient, queue: string): Promise<InvariantReport> {
  const where = new Map<string, string[]>();
  const hashes = new Map<string, Record<string, string>>();
  // Each partition of a partitioned queue (ADR 0040) is a whole queue of its own; local ids are unique.
  for (const partition of (await PartitionedQueue.open(redis, queue)).partitions)
    await readPartition(redis, partition.keys, where, hashes);
  const violations: string[] = [];
  const byState: Record<string, number> = {};
  for (const [id, hash] of hashes) {
    // Either stored format (ADR 0045): format 2 has `t`, no status while pending, no `m` at the default.
    const compact = hash.t !== undefined;
    const status = hash.status ?? (compact ? 'pending' : undefined);
    const maxAttempts = compact ? (hash.m ?? String(DEFAULT_MAX_ATTEMPTS)) : hash.maxAttempts;
    const states = where.get(id) ?? [];
    if (states.length !== 1 || states[0] !== status) {
      violations.push(`task ${id}: in [${states.join(', ')}] but its hash says ${status}`);
    }
    if (Number(hash.attempt) > Number(maxAttempts)) {
      violations.push(`task ${id}: attempt ${hash.attempt} is over maxAttempts ${maxAttempts}`);
    }
    if (status === 'running' && !hash.token) violations.push(`task ${id}: running without a lease token`);
    byState[status ?? 'none'] = (byState[status ?? 'none'] ?? 0) + 1;
  }
  for (const [id, states] of where) {
    if (!hashes.has(id)) violations.push(`id ${id} is in [${states.join(', ')}] without a task hash`);
  }
  return { tasks: hashes.size, byState, violations };
}

/** Adds one partition's state structures to `where` and its task hashes to `hashes`, by local id. */
async function readPartition(
  redis: RedisClient,
  k: QueueKeys,
  where: Map<string, string[]>,
  hashes: Map<string, Record<string, string>>,
): Promise<void> {
  const note = (id: string, state: string) => where.set(id, [...(where.get(id) ?? []), state]);
  for (let p = 0; p < 10; p++)
    for (const id of await redis.lrange(`${k.pendingPrefix}${p}`, 0, -1)) note(id, 'pending');
  for (const state of ZSETS) for (const id of await redis.zrange(k[state], '0', '-1')) note(id, state);
  // SCAN walks one server: on a Cluster, each master (the partition's keys are all on one of them).
  for (const node of redisMasters(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${k.taskPrefix}*`, 'COUNT', '1000');
      cursor = next;
      for (const key of keys) hashes.set(key.slice(k.taskPrefix.length), await redis.hgetall(key));
    } while (cursor !== '0');
  }
}
