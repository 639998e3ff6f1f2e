import { parseTaskId } from '@tq/core';
import { getTask, submitTask } from './support/api-client';
import { Stack } from './support/stack';

const PARTITIONS = 3;
const VISIBILITY_TIMEOUT_MS = 1500;

/**
 * One partitioned queue (ADR 0040) through the stock services: the API creates the queue with
 * QUEUE_DEFAULT_PARTITIONS and spreads submissions over the partitions, two worker processes serve it as
 * one queue, the reaper recovers a killed worker's task in its partition.
 */
describe('a partitioned queue end to end', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start();
    await stack.startApi({ QUEUE_DEFAULT_PARTITIONS: String(PARTITIONS) });
    await stack.startReaper({ REAPER_INTERVAL_MS: '250' });
  });
  afterAll(() => stack?.close());

  it('runs every task once over the partitions with two workers, and recovers the task of one killed mid-task', async () => {
    const queue = 'parted';
    // The first submission creates the queue with its partitions (before a worker registers it).
    const ids = [(await submitTask(stack.apiUrl, { queue, type: 'sleep', payload: { ms: 0 } })).id];
    const workerEnv = {
      QUEUES: queue,
      QUEUE_DEFAULT_PARTITIONS: String(PARTITIONS),
      VISIBILITY_TIMEOUT_MS: String(VISIBILITY_TIMEOUT_MS),
    };
    const a = await stack.startWorker('worker-a', workerEnv);
    const b = await stack.startWorker('worker-b', workerEnv);
    for (let i = 0; i < 29; i++)
      ids.push((await submitTask(stack.apiUrl, { queue, type: 'sleep', payload: { ms: 20 } })).id);
    expect(new Set(ids.map((id) => parseTaskId(id)!.partition ?? 0))).toEqual(new Set([0, 1, 2]));
    await stack.until(
      undefined,
      async () =>
        (await Promise.all(ids.map((id) => getTask(stack.apiUrl, id)))).every((t) => t.status === 'done'),
      'every task done',
    );
    for (const id of ids) expect(stack.effects(id).filter((e) => e.what === 'start')).toHaveLength(1);
    const pids = new Set(stack.effects().map((e) => e.pid));
    expect(pids).toEqual(new Set([a.pid, b.pid]));

    // A worker killed mid-task: its lease expires, the reaper gives the task back in its partition.
    const { id } = await submitTask(stack.apiUrl, {
      queue,
      type: 'sleep',
      payload: { ms: 60_000, fastFromAttempt: 2 },
      maxAttempts: 3,
    });
    const start = await stack.until(
      undefined,
      () => stack.effects(id).find((e) => e.what === 'start'),
      'the long task starts',
    );
    const [victim, survivor] = start.pid === a.pid ? [a, b] : [b, a];
    await victim.kill();
    const done = await stack.until(
      survivor,
      () => stack.effects(id).find((e) => e.what === 'done'),
      'the task completes on the other worker',
    );
    expect(done).toMatchObject({ pid: survivor.pid, attempt: 2 });
    expect(await getTask(stack.apiUrl, id)).toMatchObject({ status: 'done', attempt: 2 });
  });
});
