import { ManualClock, PartitionedQueue } from '@tq/core';
import { waitFor } from '@tq/testing';
import { LeaseLostError } from './errors';
import { aborted, closeHarnesses, deferred, metricValue, startHarness } from './test-support/harness';

afterEach(closeHarnesses);

/**
 * The lease: the keeper extends every third of it and the lease timer aborts a handler past it, both on
 * real time (the manual clock only moves Redis's side). 3 s, so a loaded 2-core machine that stalls this
 * process for a second does not expire a lease the test expects to be kept (300 ms did, at load 80).
 */
const VISIBILITY_MS = 3000;

describe('leases', () => {
  it('keeps extending the lease of a long task, so a reaper never recovers it', async () => {
    const clock = new ManualClock();
    const gate = deferred();
    const h = await startHarness({
      clock,
      visibilityTimeoutMs: VISIBILITY_MS,
      handlers: { long: () => gate.promise.then(() => 'finished') },
    });
    const reaper = await PartitionedQueue.open(h.redis, h.queue.name, clock);
    const id = await h.enqueue('long', null);
    await waitFor(async () => (await h.task(id)).status === 'running');
    const running = reaper.partitionOf(id).keys.running; // the partition the id names (ADR 0040)
    const localId = id.split('.').at(-1)!;

    // Four steps of 2/3 of the lease: 2.7 leases in all. Before each reap the keeper has moved the
    // deadline past the new time, so the task is never expired.
    for (let step = 0; step < 4; step++) {
      clock.advance((VISIBILITY_MS * 2) / 3);
      await waitFor(
        async () => Number(await h.redis.zscore(running, localId)) === clock.now() + VISIBILITY_MS,
        {
          message: `lease extended after step ${step}`,
        },
      );
      expect((await reaper.reap()).recovered).toEqual([]);
    }
    gate.resolve();

    const task = await waitFor(async () => {
      const t = await h.task(id);
      return t.status === 'done' && t;
    });
    expect(task).toMatchObject({ attempt: 1, errors: [] });
    expect(
      await metricValue(h.worker.registry, 'tq_lease_extensions_total', { queue: h.queue.name }),
    ).toBeGreaterThanOrEqual(4);
  });

  it('aborts the handler when its lease is lost, and never acknowledges that attempt', async () => {
    const clock = new ManualClock();
    const reasons: unknown[] = [];
    const h = await startHarness({
      clock,
      visibilityTimeoutMs: VISIBILITY_MS,
      handlers: {
        job: async ({ attempt, signal }) => {
          if (attempt > 1) return `attempt ${attempt}`;
          reasons.push(await aborted(signal));
          return 'late result of attempt 1'; // must be dropped
        },
      },
    });
    const id = await h.enqueue('job', null);
    await waitFor(async () => (await h.task(id)).status === 'running');

    // A reaper whose time is past the deadline recovers the task (as if the worker had stalled): the
    // worker claims attempt 2, and the keeper's next extend of attempt 1 is refused.
    const lateReaper = await PartitionedQueue.open(
      h.redis,
      h.queue.name,
      new ManualClock(clock.now() + 10 * VISIBILITY_MS),
    );
    expect((await lateReaper.reap()).recovered).toEqual([id]);

    await waitFor(() => reasons.length === 1);
    expect(reasons[0]).toBeInstanceOf(LeaseLostError);
    const task = await waitFor(async () => {
      const t = await h.task(id);
      return t.status === 'done' && t;
    });
    expect(task).toMatchObject({ attempt: 2, result: JSON.stringify('attempt 2') });
    const q = h.queue.name;
    expect(
      await metricValue(h.worker.registry, 'tq_stale_acks_total', { queue: q, operation: 'extend' }),
    ).toBe(1);
    expect(
      await metricValue(h.worker.registry, 'tq_stale_acks_total', { queue: q, operation: 'complete' }),
    ).toBe(0);
    expect(
      await metricValue(h.worker.registry, 'tq_task_run_seconds', { queue: q, outcome: 'lease_lost' }),
    ).toBe(1);
  });
});
