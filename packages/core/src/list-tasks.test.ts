import { TqError } from './errors';
import type { RedisClient } from './scripts';
import {
  connect,
  enqueue,
  expectedOrder,
  freshQueue,
  listAll,
  newTask,
  STATES,
} from './test-support/fixtures';

let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => redis.quit());

const LEASE = 30_000;

describe('Queue.listTasks', () => {
  it('pages through every state in its order: pending as claimed, waiting states due first, finished newest first', async () => {
    const { queue, clock } = freshQueue(redis);
    // pending over three priorities, scheduled at three times, retry, running, dead, done, canceled.
    await enqueue(
      queue,
      { priority: 0 },
      { priority: 5 },
      { priority: 0 },
      { priority: 9 },
      { priority: 5 },
      { priority: 1 },
    );
    await enqueue(queue, { delayMs: 3000 }, { delayMs: 1000 }, { delayMs: 2000 });
    const claimed = (await queue.claim(4, LEASE)).tasks;
    clock.advance(1);
    await queue.fail([{ ...claimed[0]!, error: 'again', retryDelayMs: 5000 }]);
    await queue.fail([{ ...claimed[1]!, error: 'x', retryDelayMs: 0, permanentReason: 'permanent' }]);
    clock.advance(1);
    await queue.complete([claimed[2]!]);
    const [toCancel] = await enqueue(queue, {});
    await queue.cancel(toCancel!);
    await enqueue(queue, { priority: 3 }, { priority: 3 });

    for (const state of STATES) {
      const expected = await expectedOrder(queue, state);
      for (const limit of [1, 2, 1000]) {
        const { ids, pages } = await listAll(queue, state, { limit });
        expect([state, limit, ids]).toEqual([state, limit, expected]);
        expect(pages.every((p) => p.total === expected.length && p.tasks.length <= limit)).toBe(true);
      }
    }
    const pending = await listAll(queue, 'pending', { limit: 1000 });
    expect(pending.pages[0]!.tasks.map((t) => t.priority)).toEqual([3, 3, 0, 0]);
    const running = (await queue.listTasks('running')).tasks;
    expect(running).toEqual([
      expect.objectContaining({
        id: claimed[3]!.id,
        status: 'running',
        attempt: 1,
        leaseExpiresAt: expect.any(Number),
      }),
    ]);
    const dead = (await queue.listTasks('dead')).tasks[0]!;
    expect(dead).toMatchObject({ status: 'dead', deadReason: 'permanent', lastError: 'x', type: 'test' });
    expect(dead).not.toHaveProperty('payload');
  });

  it('ends with a null cursor exactly when the last entry was listed', async () => {
    const { queue } = freshQueue(redis);
    expect(await queue.listTasks('pending')).toEqual({
      state: 'pending',
      total: 0,
      scanned: 0,
      next: null,
      tasks: [],
      inGroups: 0,
    });
    await enqueue(queue, {}, {});
    const first = await queue.listTasks('pending', { limit: 2 });
    expect(first.tasks).toHaveLength(2);
    expect(first.next).toBeNull();
    const short = await queue.listTasks('pending', { limit: 1 });
    expect(short.next).not.toBeNull();
  });

  it('a sorted-set cursor neither skips nor repeats while entries come and go around it, its own entry included', async () => {
    const { queue, clock } = freshQueue(redis);
    // Twenty tasks die at the same instant (equal scores: ordered by id), ten more a ms later each.
    const ids = await enqueue(queue, ...Array.from({ length: 30 }, () => ({ maxAttempts: 1 })));
    const tasks = (await queue.claim(30, LEASE)).tasks;
    await queue.fail(tasks.slice(0, 20).map((t) => ({ ...t, error: 'e', retryDelayMs: 0 })));
    for (const t of tasks.slice(20)) {
      clock.advance(1);
      await queue.fail([{ ...t, error: 'e', retryDelayMs: 0 }]);
    }
    const before = await expectedOrder(queue, 'dead');
    expect(new Set(before)).toEqual(new Set(ids));

    const seen: string[] = [];
    let page = await queue.listTasks('dead', { limit: 7 });
    seen.push(...page.tasks.map((t) => t.id));
    page = await queue.listTasks('dead', { limit: 7, cursor: page.next! });
    seen.push(...page.tasks.map((t) => t.id));
    // After two pages (the cursor is among the equal scores), the cursor's own task is purged, one already seen and one not yet seen are purged,
    // and a newer task dies (it sorts before the cursor: a newest-first walk has passed its place).
    const cursorTask = page.tasks.at(-1)!.id;
    const unseenGone = before[15]!;
    await queue.purgeDead([cursorTask, before[0]!, unseenGone]);
    clock.advance(1);
    const [late] = await enqueue(queue, { maxAttempts: 1 });
    const lateTask = (await queue.claim(1, LEASE)).tasks[0]!;
    await queue.fail([{ ...lateTask, error: 'e', retryDelayMs: 0 }]);
    while (page.next) {
      page = await queue.listTasks('dead', { limit: 7, cursor: page.next });
      seen.push(...page.tasks.map((t) => t.id));
    }
    expect(seen).toEqual(before.filter((id) => id !== unseenGone));
    expect(seen).not.toContain(late);
  });

  it('a pending cursor skips no task that stays pending while tasks are claimed, added and canceled between pages', async () => {
    const { queue } = freshQueue(redis);
    const ids = await enqueue(queue, ...Array.from({ length: 40 }, () => ({})));
    const seen: string[] = [];
    let page = await queue.listTasks('pending', { limit: 10 });
    seen.push(...page.tasks.map((t) => t.id));
    expect(seen).toEqual(ids.slice(0, 10)); // claim order: oldest first

    // Claims take the 10 shown and 3 more; new tasks arrive at the back: the next page goes on after
    // the shown ones, and the 3 claimed meanwhile are simply gone.
    await queue.claim(13, LEASE);
    const added = await enqueue(queue, {}, {});
    page = await queue.listTasks('pending', { limit: 10, cursor: page.next! });
    expect(page.tasks.map((t) => t.id)).toEqual(ids.slice(13, 23));
    seen.push(...page.tasks.map((t) => t.id));

    // Nothing changed: the next page follows on exactly.
    page = await queue.listTasks('pending', { limit: 5, cursor: page.next! });
    expect(page.tasks.map((t) => t.id)).toEqual(ids.slice(23, 28));

    // The cursor's own task is canceled: the walk starts again at the front, repeating the pending tasks
    // already shown but skipping nothing.
    await queue.cancel(ids[27]!);
    const rest = [];
    let cursor = page.next;
    while (cursor) {
      const p = await queue.listTasks('pending', { limit: 10, cursor });
      rest.push(...p.tasks.map((t) => t.id));
      cursor = p.next;
    }
    expect(rest).toEqual([...ids.slice(13, 27), ...ids.slice(28), ...added]);
  });

  it('a pending cursor finds its task again when claims and releases moved it', async () => {
    const { queue } = freshQueue(redis);
    const ids = await enqueue(queue, ...Array.from({ length: 12 }, () => ({})));
    const early = (await queue.claim(2, LEASE)).tasks;
    let page = await queue.listTasks('pending', { limit: 3 });
    expect(page.tasks.map((t) => t.id)).toEqual(ids.slice(2, 5));
    // Both released to the front: the cursor's task is two places further from it.
    await queue.release(early);
    page = await queue.listTasks('pending', { limit: 3, cursor: page.next! });
    expect(page.tasks.map((t) => t.id)).toEqual(ids.slice(5, 8));
    // Four claimed (the two released and two shown): two places nearer.
    await queue.claim(4, LEASE);
    page = await queue.listTasks('pending', { limit: 3, cursor: page.next! });
    expect(page.tasks.map((t) => t.id)).toEqual(ids.slice(8, 11));
  });

  it('a type filter examines at most the scan budget and answers a short page with a cursor to go on', async () => {
    const { queue } = freshQueue(redis);
    const types = Array.from({ length: 60 }, (_, i) => (i % 20 === 7 ? 'rare' : 'common'));
    const ids = await enqueue(queue, ...types.map((type) => ({ type })));
    const rare = ids.filter((_, i) => types[i] === 'rare');

    const first = await queue.listTasks('pending', { type: 'rare', limit: 10, scanBudget: 10 });
    expect(first).toMatchObject({ scanned: 10, total: 60 });
    expect(first.tasks.map((t) => t.id)).toEqual([rare[0]]);
    expect(first.next).not.toBeNull();

    const { ids: listed, pages } = await listAll(queue, 'pending', {
      type: 'rare',
      limit: 10,
      scanBudget: 10,
    });
    expect(listed).toEqual(rare);
    expect(pages.every((p) => p.scanned <= 10)).toBe(true);
    expect((await listAll(queue, 'pending', { type: 'none', limit: 10, scanBudget: 25 })).ids).toEqual([]);
  });

  it('refuses a cursor that was not made for this state, or was altered', async () => {
    const { queue } = freshQueue(redis);
    await enqueue(queue, {}, {});
    const page = await queue.listTasks('pending', { limit: 1 });
    await expect(queue.listTasks('dead', { cursor: page.next! })).rejects.toThrow(
      /cursor is invalid: it belongs to a page of "pending" tasks, not "dead"/,
    );
    for (const cursor of [
      'x',
      'not base64!',
      Buffer.from('t1|pending|1|2').toString('base64url'),
      'a'.repeat(300),
    ]) {
      const error = (await queue.listTasks('pending', { cursor }).catch((e: unknown) => e)) as TqError;
      expect([cursor, error.code]).toEqual([cursor, 'invalid']);
      expect(error.details).toEqual({ errors: [{ field: 'cursor', message: expect.any(String) }] });
    }
    expect(newTask(queue).id).toMatch(queue.name);
  });
});
