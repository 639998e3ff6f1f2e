import { connect, enqueue, expectConsistent, freshQueue, newTask } from './test-support/fixtures';
import type { RedisClient } from './scripts';

let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => redis.quit());

const LEASE = 30_000;

describe("an operator's task actions, each one script that checks the task's state", () => {
  describe('runNow (run_now.lua)', () => {
    it('moves scheduled and retry tasks to pending at once, keeping attempts, and refuses the others with their state', async () => {
      const { queue, clock } = freshQueue(redis);
      const [scheduled, retrying, running, pending] = await enqueue(
        queue,
        { delayMs: 3_600_000 },
        {},
        {},
        {},
      );
      const claimed = (await queue.claim(2, LEASE)).tasks;
      expect(claimed.map((t) => t.id)).toEqual([retrying, running]);
      await queue.fail([{ ...claimed[0]!, error: 'boom', retryDelayMs: 3_600_000 }]);
      clock.advance(10);

      const results = await queue.runNow([scheduled!, retrying!, running!, pending!, newTask(queue).id]);
      expect(results.map((r) => [r.code, r.status])).toEqual([
        ['pending', 'scheduled'],
        ['pending', 'retry'],
        ['not_waiting', 'running'],
        ['not_waiting', 'pending'],
        ['not_found', null],
      ]);
      expect(await expectConsistent(queue, [scheduled!, retrying!, running!, pending!])).toEqual({
        [scheduled!]: 'pending',
        [retrying!]: 'pending',
        [running!]: 'running',
        [pending!]: 'pending',
      });
      const retried = (await queue.getTask(retrying!))!;
      expect([retried.attempt, retried.errors.length, retried.readyAt]).toEqual([1, 1, clock.now()]);
      // They run now, though their time is an hour away: the one waiting longest first.
      expect((await queue.claim(10, LEASE)).tasks.map((t) => t.id)).toEqual([pending, scheduled, retrying]);
    });
  });

  describe('cancelTasks (cancel.lua)', () => {
    it('cancels tasks that are not running at once, refuses finished ones, and leaves running ones alone unless asked', async () => {
      const { queue } = freshQueue(redis);
      const [done] = await enqueue(queue, {});
      await queue.complete((await queue.claim(1, LEASE)).tasks);
      const [running, scheduled] = await enqueue(queue, {}, { delayMs: 60_000 });
      const [lease] = (await queue.claim(1, LEASE)).tasks;
      const results = await queue.cancelTasks([running!, scheduled!, done!], false);
      expect(results.map((r) => [r.code, r.status])).toEqual([
        ['running', 'running'],
        ['canceled', 'scheduled'],
        ['finished', 'done'],
      ]);
      expect((await queue.getTask(running!))!.cancelRequestedAt).toBeUndefined();
      expect(await queue.extend([lease!], LEASE)).toEqual(['ok']);
    });

    it('binds a cancel of a running task to its lease: extend answers cancel_requested, finishCanceled ends it canceled with that token only', async () => {
      const { queue, clock } = freshQueue(redis);
      const [id] = await enqueue(queue, {});
      const [lease] = (await queue.claim(1, LEASE)).tasks;
      // Without a request, the worker cannot end it canceled.
      expect(await queue.finishCanceled([lease!])).toEqual(['not_requested']);

      clock.advance(5);
      const [first] = await queue.cancelTasks([id!], true);
      expect([first!.code, first!.status]).toEqual(['cancel_requested', 'running']);
      const requestedAt = clock.now();
      clock.advance(5);
      // Asked again: the same answer, the first request's time.
      expect((await queue.cancelTasks([id!], true))[0]!.code).toBe('cancel_requested');
      expect((await queue.getTask(id!))!.cancelRequestedAt).toBe(requestedAt);
      expect(await expectConsistent(queue, [id!])).toEqual({ [id!]: 'running' });

      // The extension carries the request, and still extends (the acknowledgement must fit in the lease).
      expect(await queue.extend([lease!], LEASE)).toEqual(['cancel_requested']);
      expect(Number(await redis.zscore(queue.keys.running, lease!.id.slice(queue.name.length + 1)))).toBe(
        clock.now() + LEASE,
      );
      // A stale token cannot end it; the current one can, once.
      expect(await queue.finishCanceled([{ ...lease!, token: 'stale.1' }])).toEqual(['lease_lost']);
      expect(await queue.finishCanceled([lease!])).toEqual(['ok']);
      expect(await queue.finishCanceled([lease!])).toEqual(['lease_lost']);
      expect(await expectConsistent(queue, [id!])).toEqual({ [id!]: 'canceled' });
      const record = (await queue.getTask(id!))!;
      expect([record.status, record.finishedAt, record.deadReason, record.cancelRequestedAt]).toEqual([
        'canceled',
        clock.now(),
        undefined,
        undefined,
      ]);
      // Neither retried nor failed: an ended attempt in the history, no failure.
      const history = await queue.history(1);
      expect([history.processed.at(-1), history.failed.at(-1)]).toEqual([1, 0]);
    });

    it('ends the task canceled when its worker died before it saw the request (the reaper)', async () => {
      const { queue, clock } = freshQueue(redis);
      const [id] = await enqueue(queue, { maxAttempts: 3 });
      await queue.claim(1, 1000);
      await queue.cancelTasks([id!], true);
      clock.advance(1001);
      expect(await queue.reap()).toEqual({ recovered: [], dead: [], orphans: 0, canceled: [id] });
      expect(await expectConsistent(queue, [id!])).toEqual({ [id!]: 'canceled' });
      const record = (await queue.getTask(id!))!;
      expect([record.finishedAt, record.errors, record.cancelRequestedAt]).toEqual([
        clock.now(),
        [],
        undefined,
      ]);
      expect((await queue.claim(1, LEASE)).tasks).toEqual([]);
    });

    it('forgets a cancel request when the lease it was made for ended first: the next attempt runs normally', async () => {
      const { queue, clock } = freshQueue(redis);
      const [id] = await enqueue(queue, {});
      const [first] = (await queue.claim(1, 1000)).tasks;
      await queue.cancelTasks([id!], true);
      // The worker gave the task back (shutdown) before its next extension: a new lease starts.
      expect(await queue.release([first!])).toEqual(['ok']);
      clock.advance(1001);
      const [second] = (await queue.claim(1, LEASE)).tasks;
      expect(second!.token).not.toBe(first!.token);
      expect((await queue.getTask(id!))!.cancelRequestedAt).toBeUndefined();
      expect(await queue.extend([second!], LEASE)).toEqual(['ok']);
      expect(await queue.finishCanceled([second!])).toEqual(['not_requested']);
      expect(await queue.complete([second!])).toEqual(['ok']);
    });

    it('lets a worker that finished first win: complete after a cancel request ends the task done', async () => {
      const { queue } = freshQueue(redis);
      const [id] = await enqueue(queue, {});
      const [lease] = (await queue.claim(1, LEASE)).tasks;
      await queue.cancelTasks([id!], true);
      expect(await queue.complete([lease!])).toEqual(['ok']);
      expect(await queue.finishCanceled([lease!])).toEqual(['lease_lost']);
      expect((await queue.getTask(id!))!.status).toBe('done');
    });
  });

  describe('deleteFinishedTasks (delete_task.lua)', () => {
    it('deletes done, dead and canceled tasks with a tombstone each, and refuses unfinished ones with their state', async () => {
      const { queue } = freshQueue(redis);
      const [done, dead, canceled, pending] = await enqueue(queue, {}, { maxAttempts: 1 }, {}, {});
      const [a, b] = (await queue.claim(2, LEASE)).tasks;
      await queue.complete([a!]);
      await queue.fail([{ ...b!, error: 'x', retryDelayMs: 0 }]);
      await queue.cancel(canceled!);
      const results = await queue.deleteFinishedTasks([done!, dead!, canceled!, pending!, done!]);
      expect(results.map((r) => [r.code, r.status])).toEqual([
        ['deleted', 'done'],
        ['deleted', 'dead'],
        ['deleted', 'canceled'],
        ['not_finished', 'pending'],
        ['not_found', null],
      ]);
      expect(await Promise.all([done, dead, canceled].map((id) => queue.getTask(id!)))).toEqual([
        null,
        null,
        null,
      ]);
      expect(await redis.zcard(queue.keys.deleted)).toBe(3);
      expect(await redis.pttl(queue.keys.deleted)).toBeGreaterThan(0);
    });
  });

  it('retries a dead task (requeue_dead.lua by ids) and refuses tasks that are not dead', async () => {
    const { queue } = freshQueue(redis);
    const [dead, pending] = await enqueue(queue, { maxAttempts: 1 }, {});
    const [lease] = (await queue.claim(1, LEASE)).tasks;
    await queue.fail([{ ...lease!, error: 'x', retryDelayMs: 0 }]);
    expect(await queue.requeueDead([dead!, pending!])).toEqual({ requeued: [dead], notDead: [pending] });
    const record = (await queue.getTask(dead!))!;
    expect([record.status, record.attempt, record.errors.length]).toEqual(['pending', 0, 1]);
  });

  it('records the worker that leased a task (claim and complete_and_claim), and keeps it once finished', async () => {
    const { queue } = freshQueue(redis);
    const [first, second, third] = await enqueue(queue, {}, {}, {});
    const [lease] = (await queue.claim(1, LEASE, 1000, 'worker-a')).tasks;
    expect(lease!.id).toBe(first);
    const { claim } = await queue.completeAndClaim([lease!], 1, LEASE, 1000, 'worker-b');
    expect(claim.tasks.map((t) => t.id)).toEqual([second]);
    await queue.claim(1, LEASE); // no worker id given: none stored
    expect(
      (await Promise.all([first, second, third].map((id) => queue.getTask(id!)))).map((t) => [
        t!.status,
        t!.workerId,
      ]),
    ).toEqual([
      ['done', 'worker-a'],
      ['running', 'worker-b'],
      ['running', undefined],
    ]);
  });
});
