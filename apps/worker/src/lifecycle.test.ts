import { Queue, listQueues } from '@tq/core';
import { waitFor } from '@tq/testing';
import { closeHarnesses, deferred, metricValue, startHarness } from './test-support/harness';
import type { HandlerContext } from './types';

afterEach(closeHarnesses);

/** Redis's clock, ms. */
async function redisTimeMs(redis: { time(): Promise<(string | number)[]> }): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

describe('worker lifecycle', () => {
  it('registers the queues it serves, so the reaper finds them even when no producer did', async () => {
    const h = await startHarness({ handlers: {} });
    await waitFor(async () => (await listQueues(h.redis)).includes(h.queue.name), {
      message: `${h.queue.name} in tq:queues`,
    });
  });

  it('runs a task to done, stores its result and counts it', async () => {
    const seen: HandlerContext[] = [];
    const h = await startHarness({
      handlers: {
        echo: (ctx) => {
          seen.push(ctx);
          return Promise.resolve({ echoed: ctx.payload });
        },
      },
    });
    const before = await redisTimeMs(h.redis);
    const id = await h.enqueue('echo', { n: 1 }, { maxAttempts: 4 });

    const task = await waitFor(async () => {
      const t = await h.task(id);
      return t.status === 'done' && t;
    });
    expect(task).toMatchObject({ attempt: 1, result: JSON.stringify({ echoed: { n: 1 } }), errors: [] });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      id,
      queue: h.queue.name,
      type: 'echo',
      payload: { n: 1 },
      attempt: 1,
      maxAttempts: 4,
      // The claim's time on Redis's clock, as the task records it.
      startedAt: (await h.task(id)).startedAt,
    });
    expect(seen[0]!.startedAt).toBeGreaterThanOrEqual(before);
    expect(seen[0]!.signal.aborted).toBe(false);
    const q = { queue: h.queue.name };
    await waitFor(async () => (await metricValue(h.worker.registry, 'tq_tasks_completed_total', q)) === 1);
    expect(await metricValue(h.worker.registry, 'tq_tasks_started_total', q)).toBe(1);
    expect(await metricValue(h.worker.registry, 'tq_task_wait_seconds', q)).toBe(1);
    expect(await metricValue(h.worker.registry, 'tq_task_run_seconds', { ...q, outcome: 'success' })).toBe(1);
    expect(await metricValue(h.worker.registry, 'tq_task_end_to_end_seconds', q)).toBe(1);
  });

  it('runs at most `concurrency` handlers at once and drains a backlog through batched claims', async () => {
    const gate = deferred();
    let active = 0;
    let maxActive = 0;
    const h = await startHarness({
      concurrency: 4,
      claimBatch: 4,
      handlers: {
        work: async () => {
          active++;
          maxActive = Math.max(maxActive, active);
          await gate.promise;
          active--;
        },
      },
    });
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => h.enqueue('work', i)));
    await waitFor(() => h.worker.status().busySlots === 4);
    expect((await h.logical.stats()).counts).toMatchObject({ running: 4, pending: 6 });
    gate.resolve();
    await waitFor(async () => (await h.logical.stats()).counts.done === 10);
    expect(maxActive).toBe(4);
    for (const id of ids) expect((await h.task(id)).attempt).toBe(1);
  });

  it('keeps a claim at Redis while a batch runs when there is a backlog, never leasing more than its slots', async () => {
    const calls = { out: 0, mostOut: 0 };
    const spies = (['claim', 'completeAndClaim'] as const).map((method) => {
      const original = Reflect.get(Queue.prototype, method) as (...args: unknown[]) => Promise<unknown>;
      return jest.spyOn(Queue.prototype, method).mockImplementation(async function (this: Queue, ...args) {
        calls.mostOut = Math.max(calls.mostOut, ++calls.out);
        try {
          return (await original.apply(this, args)) as never;
        } finally {
          calls.out--;
        }
      });
    });
    let active = 0;
    let maxActive = 0;
    try {
      const h = await startHarness({
        partitions: 0,
        concurrency: 20,
        claimBatch: 20,
        handlers: {
          quick: async () => {
            maxActive = Math.max(maxActive, ++active);
            await Promise.resolve();
            active--;
          },
        },
      });
      await h.logical.pause();
      await Promise.all(Array.from({ length: 300 }, (_, i) => h.enqueue('quick', i)));
      await h.logical.resume();
      await waitFor(async () => (await h.logical.stats()).counts.done === 300, { timeoutMs: 60_000 });
      // Two lanes of at most 10 slots each: one's claim travels while the other's handlers run.
      expect(calls.mostOut).toBe(2);
      expect(maxActive).toBeLessThanOrEqual(20);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('acknowledges finished tasks with the next claim while other handlers still run', async () => {
    const together = jest.spyOn(Queue.prototype, 'completeAndClaim');
    const gate = deferred();
    const h = await startHarness({
      concurrency: 2,
      claimBatch: 2,
      handlers: { slow: () => gate.promise.then(() => 'slow'), quick: (ctx) => Promise.resolve(ctx.payload) },
    });
    const slow = await h.enqueue('slow', null);
    await waitFor(() => h.worker.status().busySlots === 1);
    const quick = await Promise.all(Array.from({ length: 5 }, (_, i) => h.enqueue('quick', i)));
    await waitFor(async () => (await h.logical.stats()).counts.done === 5);
    expect(together).toHaveBeenCalled();
    for (const [i, id] of quick.entries()) {
      expect(await h.task(id)).toMatchObject({ status: 'done', attempt: 1, result: String(i) });
    }
    const q = { queue: h.queue.name };
    await waitFor(async () => (await metricValue(h.worker.registry, 'tq_tasks_completed_total', q)) === 5);
    gate.resolve();
    await waitFor(async () => (await h.task(slow)).status === 'done');
    together.mockRestore();
  });

  it('sends a task whose payload is not JSON to dead with reason decode_error', async () => {
    const h = await startHarness({ handlers: { echo: () => Promise.resolve('never') } });
    const id = await h.enqueueRaw('echo', '{not json', { maxAttempts: 5 });

    const task = await waitFor(async () => {
      const t = await h.task(id);
      return t.status === 'dead' && t;
    });
    expect(task).toMatchObject({ attempt: 1, deadReason: 'decode_error' });
    expect(task.lastError).toMatch(/^payload is not valid JSON/);
    const labels = { queue: h.queue.name, reason: 'decode_error' };
    await waitFor(
      async () => (await metricValue(h.worker.registry, 'tq_tasks_dead_lettered_total', labels)) === 1,
    );
    expect(await metricValue(h.worker.registry, 'tq_tasks_failed_total', labels)).toBe(1);
  });

  it('stores no result for a handler that returns nothing, and a note for one over 1 MiB', async () => {
    const h = await startHarness({
      handlers: {
        nothing: () => Promise.resolve(undefined),
        huge: () => Promise.resolve('x'.repeat(1024 * 1024 + 1)),
      },
    });
    const [a, b] = [await h.enqueue('nothing', null), await h.enqueue('huge', null)];
    await waitFor(async () => (await h.logical.stats()).counts.done === 2);
    expect((await h.task(a)).result).toBeUndefined();
    expect(JSON.parse((await h.task(b)).result!)).toEqual({ truncated: true, bytes: 1024 * 1024 + 3 });
  });
});
