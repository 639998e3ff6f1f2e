import { Queue, newTaskId, type PartitionedQueue, type RedisClient, type TaskStatus } from '@tq/core';
import type { HistoryStore } from '@tq/history';
import { metricSample, randomQueueName } from '@tq/testing';
import type { Registry } from 'prom-client';

/** A fresh queue with `n` finished tasks: mostly done, every 7th dead, every 11th canceled. */
export async function queueWithFinished(redis: RedisClient, n: number, prefix = 'arch'): Promise<Queue> {
  const queue = new Queue(redis, randomQueueName(prefix));
  await finishTasks(queue, n);
  return queue;
}

/**
 * Adds `n` finished tasks to `queue` (in chunks of 1000): done, every 7th dead, every 11th canceled. A
 * partitioned queue spreads them over its partitions.
 */
export async function finishTasks(queue: Queue | PartitionedQueue, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let from = 0; from < n; from += 1000) {
    const count = Math.min(1000, n - from);
    const batch = Array.from({ length: count }, (_, i) => ({
      id: newTaskId(queue.name),
      type: (from + i) % 3 ? 'email' : 'sms',
      payload: JSON.stringify({ n: from + i }),
      maxAttempts: 1,
    }));
    // The ids stored: a partitioned queue gives each id its partition.
    const stored = (await queue.enqueue(batch)).map((o) => o.id);
    ids.push(...stored);
    const canceled = stored.filter((_, i) => (from + i) % 11 === 10);
    for (const id of canceled) await queue.cancel(id);
    const { tasks } = await queue.claim(count, 60_000);
    const dead = tasks.filter((t) => ids.indexOf(t.id) % 7 === 6);
    const done = tasks.filter((t) => ids.indexOf(t.id) % 7 !== 6);
    await queue.fail(
      dead.map((t) => ({ ...t, error: 'boom', retryDelayMs: 0, permanentReason: 'permanent' })),
    );
    await queue.complete(done.map((t) => ({ ...t, result: '{"ok":true}' })));
  }
  return ids;
}

/** Each task of `queue` (or of one partition) Redis still holds, with its status and finishedAt. */
export async function redisStates(
  queue: Queue,
): Promise<Map<string, { status: TaskStatus; finishedAt: number }>> {
  const prefix = queue.partition > 0 ? `${queue.name}.${queue.partition}.` : `${queue.name}.`;
  const out = new Map<string, { status: TaskStatus; finishedAt: number }>();
  for (const state of ['done', 'dead', 'canceled'] as const) {
    for (const local of await queue.redis.zrange(queue.keys[state], 0, '-1')) {
      const [status, finishedAt] = await queue.redis.hmget(
        queue.keys.taskPrefix + local,
        'status',
        'finishedAt',
      );
      if (status) out.set(prefix + local, { status: status as TaskStatus, finishedAt: Number(finishedAt) });
    }
  }
  return out;
}

/** Each row of `queue` in PostgreSQL: status and finishedAt, and how many rows each id has. */
export async function archivedRows(
  store: HistoryStore,
  queue: string,
): Promise<{ rows: Map<string, { status: string; finishedAt: number }>; duplicates: number }> {
  const result = await store.db
    .selectFrom('tq_task_history')
    .select(['id', 'status', 'finished_at'])
    .where('queue', '=', queue)
    .execute();
  const rows = new Map(result.map((r) => [r.id, { status: r.status, finishedAt: r.finished_at.getTime() }]));
  return { rows, duplicates: result.length - rows.size };
}

/** The value of one series of a metric (0 when absent); `labels` are all of the series' labels. */
export async function metric(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  return metricSample(await registry.metrics(), name, labels) ?? 0;
}

/**
 * What a reaper's retention does, on `queues`, every `everyMs` until stopped: trim while archiving is on,
 * with a retention that would delete every finished task at once (the archive decides what goes).
 */
export function retentionLoop(queues: Queue[], everyMs = 5): { stop(): Promise<void> } {
  const policy = { finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const q of queues) await q.trim(policy, 1000, { holdMax: 0 }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
