import { TqError, type EnqueueOutcome, type NewTask } from '@tq/core';
import { COALESCE_MAX, EnqueueCoalescer } from './enqueue-coalescer';

const task = (id: string): NewTask => ({ id, type: 't', payload: '{}', maxAttempts: 1 });
const created = (id: string): EnqueueOutcome => ({ status: 'created', id, at: 1 });

describe('EnqueueCoalescer', () => {
  it('sends the single tasks of one turn as one call, and answers each caller with its own result', async () => {
    const calls: string[][] = [];
    const unavailable = new TqError('unavailable', 'partition 1 could not confirm');
    const coalescer = new EnqueueCoalescer((_queue, tasks) => {
      calls.push(tasks.map((t) => t.id));
      // As a partitioned queue answers when one partition's call failed and the others stored theirs.
      return Promise.resolve(
        tasks.map((t): PromiseSettledResult<EnqueueOutcome> =>
          t.id === 'b'
            ? { status: 'rejected', reason: unavailable }
            : { status: 'fulfilled', value: created(t.id) },
        ),
      );
    });
    const answers = await Promise.allSettled(['a', 'b', 'c'].map((id) => coalescer.add('q', task(id), 0, 0)));
    expect(calls).toEqual([['a', 'b', 'c']]);
    expect(answers).toEqual([
      { status: 'fulfilled', value: created('a') },
      { status: 'rejected', reason: unavailable },
      { status: 'fulfilled', value: created('c') },
    ]);
  });

  it('sends a group as soon as it holds COALESCE_MAX tasks, the rest at the end of the turn, in the order added', async () => {
    const calls: string[][] = [];
    const coalescer = new EnqueueCoalescer((_queue, tasks) => {
      calls.push(tasks.map((t) => t.id));
      return Promise.resolve(tasks.map((t) => ({ status: 'fulfilled' as const, value: created(t.id) })));
    });
    const ids = Array.from({ length: 2 * COALESCE_MAX + 5 }, (_, i) => `t${i}`);
    const answers = Promise.all(ids.map((id) => coalescer.add('q', task(id), 0, 0)));
    // Two full groups are out before this turn ends.
    expect(calls).toEqual([ids.slice(0, COALESCE_MAX), ids.slice(COALESCE_MAX, 2 * COALESCE_MAX)]);
    expect(await answers).toEqual(ids.map(created));
    expect(calls).toEqual([
      ids.slice(0, COALESCE_MAX),
      ids.slice(COALESCE_MAX, 2 * COALESCE_MAX),
      ids.slice(2 * COALESCE_MAX),
    ]);
  });

  it("makes an error of the whole call every caller's", async () => {
    const down = new Error('Connection is closed.');
    const coalescer = new EnqueueCoalescer(() => Promise.reject(down));
    const answers = await Promise.allSettled(['a', 'b'].map((id) => coalescer.add('q', task(id), 0, 0)));
    expect(answers).toEqual([
      { status: 'rejected', reason: down },
      { status: 'rejected', reason: down },
    ]);
  });

  it('sends a lone submission at once when no call is out, and batches those made while one is', async () => {
    const calls: string[][] = [];
    const answers: ((settled: PromiseSettledResult<EnqueueOutcome>[]) => void)[] = [];
    const coalescer = new EnqueueCoalescer((_queue, tasks) => {
      calls.push(tasks.map((t) => t.id));
      return new Promise((resolve) => answers.push(resolve));
    });
    const fulfilled = (ids: string[]) =>
      ids.map((id): PromiseSettledResult<EnqueueOutcome> => ({ status: 'fulfilled', value: created(id) }));
    const a = coalescer.add('q', task('a'), 0, 0);
    await Promise.resolve(); // a microtask later, before the event loop's next turn
    expect(calls).toEqual([['a']]);
    // While a's call is out, the submissions wait for the end of the turn and go together.
    const bc = [coalescer.add('q', task('b'), 0, 0)];
    await Promise.resolve();
    bc.push(coalescer.add('q', task('c'), 0, 0));
    expect(calls).toEqual([['a']]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([['a'], ['b', 'c']]);
    answers[0]!(fulfilled(['a']));
    answers[1]!(fulfilled(['b', 'c']));
    await expect(a).resolves.toEqual(created('a'));
    await expect(Promise.all(bc)).resolves.toEqual([created('b'), created('c')]);
    // Nothing out again: the next lone submission goes at once.
    const d = coalescer.add('q', task('d'), 0, 0);
    await Promise.resolve();
    expect(calls).toEqual([['a'], ['b', 'c'], ['d']]);
    answers[2]!(fulfilled(['d']));
    await expect(d).resolves.toEqual(created('d'));
  });
});
