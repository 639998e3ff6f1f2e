import { SHUTDOWN_MARGIN_MS } from '@tq/ops';
import { getTask, submitTask } from './support/api-client';
import { Stack } from './support/stack';

const SHUTDOWN_TIMEOUT_MS = 1500;

/** SIGTERM: short tasks finish exactly once, a long one is released and finished elsewhere, exit 0. */
describe('graceful shutdown end to end', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start();
    await stack.startApi();
  });
  afterAll(() => stack?.close());

  it('finishes short tasks, releases the long one without spending an attempt, and exits 0', async () => {
    const a = await stack.startWorker('worker-a', {
      WORKER_CONCURRENCY: '4',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      VISIBILITY_TIMEOUT_MS: '2000',
    });
    const short = await Promise.all(
      [600, 800, 1000].map((ms) => submitTask(stack.apiUrl, { type: 'sleep', payload: { ms } })),
    );
    const long = await submitTask(stack.apiUrl, { type: 'sleep', payload: { ms: 60_000 } });
    const all = [...short, long];
    await stack.until(
      a,
      () => all.every((t) => stack.effects(t.id).some((e) => e.what === 'start')),
      'worker-a runs all four',
    );

    const termAt = Date.now();
    a.signal('SIGTERM');
    await stack.until(undefined, () => a.logged('stopping: no more claims'), 'worker-a stopping');
    const late = await submitTask(stack.apiUrl, { type: 'sleep', payload: { ms: 0 } }); // must not run on worker-a
    const exit = await a.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    const exitMs = exit.at - termAt;
    console.log(`worker exited 0 ${exitMs} ms after SIGTERM (SHUTDOWN_TIMEOUT_MS ${SHUTDOWN_TIMEOUT_MS})`);
    // The documented promise: SHUTDOWN_TIMEOUT_MS plus the margin for releasing and closing.
    expect(exitMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + SHUTDOWN_MARGIN_MS);

    for (const { id } of short) {
      expect(stack.effects(id).filter((e) => e.what === 'done')).toHaveLength(1);
      expect(await getTask(stack.apiUrl, id)).toMatchObject({ status: 'done', attempt: 1 });
    }
    expect(await getTask(stack.apiUrl, long.id)).toMatchObject({ status: 'pending', attempt: 0, errors: [] });
    expect(await getTask(stack.apiUrl, late.id)).toMatchObject({ status: 'pending', attempt: 0 });
    expect(stack.effects(late.id)).toEqual([]);

    // The next worker (its sleeps capped, to finish fast) runs the released task as attempt 1.
    const b = await stack.startWorker('worker-b', { SLEEP_CAP_MS: '0' });
    for (const id of [long.id, late.id]) {
      await stack.until(
        b,
        async () => (await getTask(stack.apiUrl, id)).status === 'done',
        `${id} done on worker-b`,
      );
      expect(await getTask(stack.apiUrl, id)).toMatchObject({ attempt: 1, errors: [] });
      expect(
        stack
          .effects(id)
          .filter((e) => e.what === 'done')
          .map((e) => e.pid),
      ).toEqual([b.pid]);
    }
    expect(a.logged('task released to pending (shutdown)')).toBe(true);
  });
});
