import { PartitionedQueue } from '@tq/core';
import { waitFor } from '@tq/testing';
import { TaskCanceledError } from './errors';
import { aborted, closeHarnesses, deferred, metricValue, startHarness } from './test-support/harness';

afterEach(closeHarnesses);

/** The lease: extends go out every third of it, so a cancel takes effect within about 1 s here. */
const VISIBILITY_MS = 3000;

describe('canceling a running task (ADR 0019)', () => {
  it("fires the handler's AbortSignal at the next lease extension and ends the task canceled, neither retried nor dead", async () => {
    const reasons: unknown[] = [];
    const finished = deferred();
    const h = await startHarness({
      visibilityTimeoutMs: VISIBILITY_MS,
      concurrency: 1,
      handlers: {
        long: async ({ signal }) => {
          reasons.push(await aborted(signal));
          finished.resolve();
          return 'late result'; // must be dropped
        },
        next: () => Promise.resolve('ran'),
      },
    });
    const id = await h.enqueue('long', null);
    await waitFor(async () => (await h.task(id)).status === 'running');

    // What POST /tasks/:id/cancel does.
    const operator = await PartitionedQueue.open(h.redis, h.queue.name);
    expect((await operator.cancelTasks([id], true))[0]).toMatchObject({ code: 'cancel_requested' });
    await finished.promise;
    expect(reasons).toEqual([expect.any(TaskCanceledError)]);

    const task = await waitFor(async () => {
      const t = await h.task(id);
      return t.status === 'canceled' && t;
    });
    expect(task).toMatchObject({ attempt: 1, errors: [], result: undefined, deadReason: undefined });
    expect(await metricValue(h.worker.registry, 'tq_tasks_canceled_total', { queue: h.queue.name })).toBe(1);
    expect(
      await metricValue(h.worker.registry, 'tq_tasks_failed_total', {
        queue: h.queue.name,
        reason: 'error',
        type: 'long',
      }),
    ).toBe(0);
    // The slot is free again: the next task runs on this one-slot worker.
    const next = await h.enqueue('next', null);
    await waitFor(async () => (await h.task(next)).status === 'done');
    expect((await h.task(id)).status).toBe('canceled');
    // Each task names the worker that ran it (GET /tasks/:id, workerId).
    expect([(await h.task(id)).workerId, (await h.task(next)).workerId]).toEqual([h.worker.id, h.worker.id]);
  });
});
