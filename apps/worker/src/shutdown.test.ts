import { waitFor } from '@tq/testing';
import { ShutdownError } from './errors';
import { aborted, closeHarnesses, deferred, metricValue, startHarness } from './test-support/harness';
import { createWorker } from './worker';

afterEach(closeHarnesses);

describe('stop()', () => {
  it('finishes short tasks, releases the rest without spending an attempt, and claims nothing new', async () => {
    const quickGate = deferred();
    const reasons: unknown[] = [];
    const handlers = {
      quick: () => quickGate.promise.then(() => 'quick done'),
      slow: async ({ signal }: { signal: AbortSignal }) => {
        reasons.push(await aborted(signal));
      },
    };
    const h = await startHarness({ concurrency: 3, shutdownTimeoutMs: 300, handlers });
    const quick = [await h.enqueue('quick', 1), await h.enqueue('quick', 2)];
    const slow = await h.enqueue('slow', null);
    await waitFor(() => h.worker.status().busySlots === 3);

    const stopped = h.worker.stop();
    const late = await h.enqueue('quick', 3); // enqueued after stop began: must not be claimed
    quickGate.resolve();
    await stopped;

    for (const id of quick) expect(await h.task(id)).toMatchObject({ status: 'done', attempt: 1 });
    expect(await h.task(slow)).toMatchObject({ status: 'pending', attempt: 0, errors: [] });
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(ShutdownError);
    expect(await h.task(late)).toMatchObject({ status: 'pending', attempt: 0 });
    expect(await metricValue(h.worker.registry, 'tq_tasks_released_total', { queue: h.queue.name })).toBe(1);
    expect(await metricValue(h.worker.registry, 'tq_tasks_completed_total', { queue: h.queue.name })).toBe(2);

    // The next worker runs the released task as its first attempt.
    const next = createWorker({
      redis: h.redis,
      queues: [h.queue.name],
      handlers: { ...handlers, slow: () => Promise.resolve('second worker') },
    });
    await next.start();
    try {
      const task = await waitFor(async () => {
        const t = await h.task(slow);
        return t.status === 'done' && t;
      });
      expect(task).toMatchObject({ attempt: 1, result: JSON.stringify('second worker'), errors: [] });
    } finally {
      await next.stop();
    }
  });

  it('returns at once when nothing is running', async () => {
    const h = await startHarness({ shutdownTimeoutMs: 30_000, handlers: {} });
    await waitFor(() => h.worker.status().waiting);
    const started = Date.now();
    await h.worker.stop();
    // A stop that waited for the shutdown timeout would take 30 s; an idle worker's takes milliseconds,
    // and 10 s leaves room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('can be stopped before it started, and then refuses to start', async () => {
    const h = await startHarness({ handlers: {}, start: false });
    await h.worker.stop();
    await expect(h.worker.start()).rejects.toThrow('this worker was stopped; create a new one');
  });
});
