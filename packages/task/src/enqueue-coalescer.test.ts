import { TqError, type EnqueueOutcome, type NewTask } from '@tq/core';
import { EnqueueCoalescer } from './enqueue-coalescer';

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

  it("makes an error of the whole call every caller's", async () => {
    const down = new Error('Connection is closed.');
    const coalescer = new EnqueueCoalescer(() => Promise.reject(down));
    const answers = await Promise.allSettled(['a', 'b'].map((id) => coalescer.add('q', task(id), 0, 0)));
    expect(answers).toEqual([
      { status: 'rejected', reason: down },
      { status: 'rejected', reason: down },
    ]);
  });
});
