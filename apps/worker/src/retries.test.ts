import { ManualClock, PermanentError } from '@tq/core';
import { backoffDelayMs } from '@tq/task';
import { waitFor } from '@tq/testing';
import { TaskTimeoutError } from './errors';
import { aborted, closeHarnesses, metricValue, startHarness } from './test-support/harness';
import { createWorker } from './worker';

afterEach(closeHarnesses);

const half = () => 0.5;

describe('failures and retries', () => {
  it('retries a failing task after full-jitter exponential backoff, promoting it without a reaper', async () => {
    const clock = new ManualClock();
    const policy = { baseMs: 1000, capMs: 10_000 };
    const h = await startHarness({
      clock,
      random: half,
      backoff: policy,
      handlers: {
        flaky: ({ attempt }) =>
          attempt < 3 ? Promise.reject(new Error(`boom ${attempt}`)) : Promise.resolve('ok'),
      },
    });
    const t0 = clock.now();
    const id = await h.enqueue('flaky', null, { maxAttempts: 5 });

    const first = await waitFor(async () => {
      const t = await h.task(id);
      return t.status === 'retry' && t.attempt === 1 && t;
    });
    const delay1 = backoffDelayMs(1, policy, half);
    expect(delay1).toBe(500);
    expect(first.errors).toEqual([{ attempt: 1, at: t0, error: 'boom 1' }]);
    expect(first.runAt).toBe(t0 + delay1);

    // Redis time moves on; the worker's own timer (nextDueAt from its last claim) promotes and claims it.
    clock.advance(delay1);
    const second = await waitFor(
      async () => {
        const t = await h.task(id);
        return t.status === 'retry' && t.attempt === 2 && t;
      },
      { timeoutMs: 3000 },
    );
    expect(second.runAt).toBe(t0 + delay1 + backoffDelayMs(2, policy, half));
    expect(backoffDelayMs(2, policy, half)).toBe(1000);

    clock.advance(1000);
    const done = await waitFor(
      async () => {
        const t = await h.task(id);
        return t.status === 'done' && t;
      },
      { timeoutMs: 3000 },
    );
    expect(done.attempt).toBe(3);
    expect(done.errors.map((e) => e.error)).toEqual(['boom 1', 'boom 2']);
    expect(await metricValue(h.worker.registry, 'tq_tasks_retried_total', { queue: h.queue.name })).toBe(2);
    expect(
      await metricValue(h.worker.registry, 'tq_tasks_failed_total', { queue: h.queue.name, reason: 'error' }),
    ).toBe(2);
  });

  it('aborts a handler past its timeoutMs and counts a failed attempt (reason timeout)', async () => {
    const reasons: unknown[] = [];
    const h = await startHarness({
      random: () => 0, // retry at once
      handlers: {
        slow: async ({ attempt, signal }) => {
          if (attempt > 1) return 'fast the second time';
          reasons.push(await aborted(signal));
          throw new Error('aborted'); // what the handler throws after the abort does not matter
        },
      },
    });
    const id = await h.enqueue('slow', null, { timeoutMs: 50 });

    const task = await waitFor(async () => {
      const t = await h.task(id);
      return t.status === 'done' && t;
    });
    expect(reasons[0]).toBeInstanceOf(TaskTimeoutError);
    expect(task.attempt).toBe(2);
    expect(task.errors).toMatchObject([{ attempt: 1, error: 'timed out after 50 ms' }]);
    expect(
      await metricValue(h.worker.registry, 'tq_tasks_failed_total', {
        queue: h.queue.name,
        reason: 'timeout',
      }),
    ).toBe(1);
  });

  it('frees the slot of a handler that ignores its signal once the timeout passes', async () => {
    const h = await startHarness({
      concurrency: 1,
      taskTimeoutMs: 50, // the worker default, for tasks without their own timeoutMs
      handlers: { hang: () => new Promise(() => undefined), quick: () => Promise.resolve('ran') },
    });
    const hung = await h.enqueue('hang', null, { maxAttempts: 1 });
    const quick = await h.enqueue('quick', null);

    await waitFor(async () => (await h.task(quick)).status === 'done');
    expect(await h.task(hung)).toMatchObject({
      status: 'dead',
      deadReason: 'max_attempts',
      lastError: 'timed out after 50 ms',
    });
  });

  it('sends a task to dead at once when its handler throws a PermanentError, with the error and its reason', async () => {
    const h = await startHarness({
      handlers: {
        declined: () => Promise.reject(new PermanentError('card declined', 'card_declined')),
        // A module loaded through HANDLER_MODULES may not import tq: `permanent: true` does the same.
        invalid: () => Promise.reject(Object.assign(new Error('no such customer'), { permanent: true })),
      },
    });
    const a = await h.enqueue('declined', null, { maxAttempts: 5 });
    const b = await h.enqueue('invalid', null, { maxAttempts: 5 });

    await waitFor(async () => (await h.logical.stats()).counts.dead === 2);
    expect(await h.task(a)).toMatchObject({
      attempt: 1,
      deadReason: 'card_declined',
      lastError: 'card declined',
    });
    expect(await h.task(b)).toMatchObject({
      attempt: 1,
      deadReason: 'permanent',
      lastError: 'no such customer',
    });
    const labels = { queue: h.queue.name, reason: 'permanent' };
    await waitFor(
      async () => (await metricValue(h.worker.registry, 'tq_tasks_dead_lettered_total', labels)) === 2,
    );
    expect(await metricValue(h.worker.registry, 'tq_tasks_failed_total', labels)).toBe(2);
  });

  it('retries an unknown type with backoff and sends it to dead with reason unknown_type after its attempts', async () => {
    const h = await startHarness({ random: () => 0, handlers: { known: () => Promise.resolve('ok') } });
    const id = await h.enqueue('v2.only', null, { maxAttempts: 3 });

    const task = await waitFor(async () => {
      const t = await h.task(id);
      return t.status === 'dead' && t;
    });
    expect(task).toMatchObject({ attempt: 3, deadReason: 'unknown_type' });
    expect(task.errors.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(task.lastError).toBe('no handler for type "v2.only" on this worker (it handles: known)');
    const q = h.queue.name;
    await waitFor(
      async () =>
        (await metricValue(h.worker.registry, 'tq_tasks_dead_lettered_total', {
          queue: q,
          reason: 'unknown_type',
        })) === 1,
    );
    expect(
      await metricValue(h.worker.registry, 'tq_tasks_failed_total', { queue: q, reason: 'unknown_type' }),
    ).toBe(3);
    expect(await metricValue(h.worker.registry, 'tq_tasks_retried_total', { queue: q })).toBe(2);
  });

  it('leaves an unknown type to a newer worker while attempts remain (rolling deploy)', async () => {
    const clock = new ManualClock();
    const old = await startHarness({ clock, random: half, handlers: {} });
    const id = await old.enqueue('v2.only', null, { maxAttempts: 5 });
    await waitFor(async () => (await old.task(id)).status === 'retry');
    await old.worker.stop();

    const newer = createWorker({
      redis: old.redis,
      queues: [old.queue.name],
      clock,
      handlers: { 'v2.only': () => Promise.resolve('handled by v2') },
    });
    await newer.start();
    try {
      clock.advance(500); // the first backoff with random 0.5 and the default base of 1000 ms
      const task = await waitFor(
        async () => {
          const t = await old.task(id);
          return t.status === 'done' && t;
        },
        { timeoutMs: 3000 },
      );
      expect(task).toMatchObject({ attempt: 2, result: JSON.stringify('handled by v2') });
    } finally {
      await newer.stop();
    }
  });
});
