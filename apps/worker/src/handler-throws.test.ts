import { waitFor } from '@tq/testing';
import { closeHarnesses, startHarness } from './test-support/harness';

afterEach(closeHarnesses);

describe('a handler that throws a value JSON cannot hold', () => {
  it('fails the attempt (not the process) for a BigInt, a cycle, and a sync throw', async () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const h = await startHarness({
      handlers: {
        // What a JavaScript handler may throw: the rules below are the point of the test.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        bigint: () => Promise.reject(10n),
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        cycle: () => Promise.reject(cycle),
        sync: () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          throw 10n;
        },
        ok: () => Promise.resolve('ok'),
      },
    });
    const ids = [
      await h.enqueue('bigint', null, { maxAttempts: 1 }),
      await h.enqueue('cycle', null, { maxAttempts: 1 }),
      await h.enqueue('sync', null, { maxAttempts: 1 }),
    ];
    const ok = await h.enqueue('ok', null);
    for (const id of ids) {
      const dead = await waitFor(
        async () => {
          const t = await h.task(id);
          return t.status === 'dead' && t;
        },
        { message: `task ${id} dead` },
      );
      expect(dead.deadReason).toBe('max_attempts');
      expect(dead.errors[0]!.error).not.toMatch(/timed out/);
    }
    expect((await h.task(ids[0]!)).errors[0]!.error).toBe('10n');
    expect((await h.task(ids[1]!)).errors[0]!.error).toContain('[Circular');
    await waitFor(async () => (await h.task(ok)).status === 'done', { message: 'the other task done' });
  });
});
