import { ManualClock } from '@tq/core';
import { waitFor } from '@tq/testing';
import { closeHarnesses, metricValue, startHarness } from './test-support/harness';

afterEach(closeHarnesses);

describe('ctx.progress', () => {
  it('stores progress on the task while the attempt holds its lease, and says why a bad value is refused', async () => {
    let reported: boolean[] = [];
    let refusal = '';
    const h = await startHarness({
      handlers: {
        report: async (ctx) => {
          reported = [await ctx.progress(30), await ctx.progress({ step: 'upload', done: 2, of: 5 })];
          refusal = await ctx.progress(150).then(
            () => 'accepted',
            (error: Error) => error.message,
          );
          return 'ok';
        },
      },
    });
    const id = await h.enqueue('report', null);
    await waitFor(async () => (await h.task(id)).status === 'done', {
      timeoutMs: 15_000,
      message: 'the task done',
    });
    expect(reported).toEqual([true, true]);
    expect(refusal).toContain('progress must be a number from 0 to 100 or a JSON object');
    expect((await h.task(id)).progress).toBe('{"step":"upload","done":2,"of":5}');
  });

  it("refuses a stale attempt's progress once another attempt holds the task, and counts the refusal", async () => {
    const clock = new ManualClock();
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    let late: boolean | undefined;
    const h = await startHarness({
      clock,
      // Long enough that the lease keeper does not tick during the test (it extends every third of it).
      visibilityTimeoutMs: 30_000,
      // One slot, held by the stalled handler: this worker cannot take the task back itself.
      concurrency: 1,
      handlers: {
        slow: async (ctx) => {
          started = true;
          await held;
          late = await ctx.progress(90);
        },
      },
    });
    const id = await h.enqueue('slow', null);
    await waitFor(() => started, { timeoutMs: 15_000, message: 'the handler started' });
    // The lease runs out (as if the worker had stalled) and another worker takes the task.
    clock.advance(30_001);
    expect((await h.logical.reap()).recovered).toEqual([id]);
    const [other] = (await h.logical.claim(1, 30_000)).tasks;
    expect(other!.id).toBe(id);
    release();
    await waitFor(() => late !== undefined, { timeoutMs: 15_000, message: 'the late report' });
    expect(late).toBe(false);
    expect((await h.task(id)).progress).toBeUndefined();
    expect(await metricValue(h.worker.registry, 'tq_stale_acks_total', { operation: 'progress' })).toBe(1);
  });
});
