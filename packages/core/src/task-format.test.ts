import { newTaskId, parseTaskId } from './ids';
import type { Queue } from './queue';
import type { RedisClient } from './scripts';
import { connect, enqueue, expectConsistent, freshQueue, listAll } from './test-support/fixtures';

// ADR 0045: records come in two formats, told by the id's length. Format 1 is what releases before it
// wrote (26-character ULID, full field names); every script and reader takes both.

let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => redis.quit());

const LEASE = 30_000;

/**
 * Stores a pending task exactly as enqueue.lua of the previous release (93aad84) did: one HSET with the
 * full field names (priority only when not 0) and an LPUSH on its pending list. Returns its id.
 */
async function storeFormat1(queue: Queue, maxAttempts: number, createdAt: number): Promise<string> {
  const id = newTaskId(queue.name, createdAt, 0, 1);
  const localId = parseTaskId(id)!.localId;
  expect(localId).toHaveLength(26);
  await redis.hset(queue.keys.taskPrefix + localId, {
    type: 'legacy',
    payload: '{"old":true}',
    maxAttempts: String(maxAttempts),
    createdAt: String(createdAt),
    status: 'pending',
  });
  await redis.lpush(`${queue.keys.pendingPrefix}0`, localId);
  return id;
}

describe('stored task formats (ADR 0045)', () => {
  it('writes a default task in format 2: a 20-character id, t p c, no status while pending, no m at the default', async () => {
    const { queue, clock } = freshQueue(redis);
    const [plain] = await enqueue(queue, { type: 'email', payload: '"hello world"', maxAttempts: 5 });
    const [three] = await enqueue(queue, { type: 'email', payload: '"x"', maxAttempts: 3, delayMs: 1000 });
    const local = parseTaskId(plain!)!.localId;
    expect(local).toHaveLength(20);
    expect(await redis.hgetall(queue.keys.taskPrefix + local)).toEqual({
      t: 'email',
      p: '"hello world"',
      c: String(clock.now()),
    });
    expect(await redis.hgetall(queue.keys.taskPrefix + parseTaskId(three!)!.localId)).toMatchObject({
      m: '3',
      status: 'scheduled',
    });
    // Read at the edge with the full names.
    expect(await queue.getTask(plain!)).toMatchObject({
      id: plain,
      type: 'email',
      payload: '"hello world"',
      status: 'pending',
      maxAttempts: 5,
      attempt: 0,
      createdAt: clock.now(),
    });
    expect((await listAll(queue, 'pending')).pages[0]!.tasks[0]).toMatchObject({
      id: plain,
      type: 'email',
      status: 'pending',
      maxAttempts: 5,
      createdAt: clock.now(),
    });
    expect((await listAll(queue, 'pending', { type: 'email' })).ids).toEqual([plain]);
    expect(await expectConsistent(queue, [plain!, three!])).toEqual({
      [plain!]: 'pending',
      [three!]: 'scheduled',
    });
  });

  it('answers actions on a format 2 pending task by its status, though none is stored', async () => {
    const { queue } = freshQueue(redis);
    const [a, b, c] = await enqueue(queue, { maxAttempts: 5 }, { maxAttempts: 5 }, { maxAttempts: 5 });
    expect(await queue.runNow([a!])).toEqual([{ id: a, code: 'not_waiting', status: 'pending' }]);
    expect(await queue.deleteFinished(b!)).toMatchObject({ code: 'not_finished' });
    expect(await queue.cancel(c!)).toBe('pending');
    expect(await expectConsistent(queue, [a!, b!, c!])).toEqual({
      [a!]: 'pending',
      [b!]: 'pending',
      [c!]: 'canceled',
    });
    // A lease token on a task that was never leased is a lost lease, not a missing task.
    expect(await queue.complete([{ id: a!, token: 'x.1' }])).toEqual(['lease_lost']);
  });

  it('claims and completes a format 1 record', async () => {
    const { queue, clock } = freshQueue(redis);
    const id = await storeFormat1(queue, 3, clock.now());
    expect(await queue.getTask(id)).toMatchObject({ type: 'legacy', status: 'pending', maxAttempts: 3 });
    const { tasks } = await queue.claim(10, LEASE);
    expect(tasks).toEqual([
      expect.objectContaining({ id, type: 'legacy', payload: '{"old":true}', maxAttempts: 3, attempt: 1 }),
    ]);
    expect(tasks[0]!.createdAt).toBe(clock.now());
    expect(await queue.complete([{ ...tasks[0]!, result: '1' }])).toEqual(['ok']);
    expect(await queue.getTask(id)).toMatchObject({ status: 'done', result: '1', type: 'legacy' });
    expect(await expectConsistent(queue, [id])).toEqual({ [id]: 'done' });
  });

  it('retries a format 1 record, then takes it to dead at its maxAttempts', async () => {
    const { queue, clock } = freshQueue(redis);
    const id = await storeFormat1(queue, 2, clock.now());
    const first = (await queue.claim(1, LEASE)).tasks[0]!;
    expect(await queue.fail([{ ...first, error: 'boom', retryDelayMs: 1000 }])).toEqual(['retry']);
    clock.advance(1000);
    const second = (await queue.claim(1, LEASE)).tasks[0]!;
    expect(second).toMatchObject({ id, attempt: 2, maxAttempts: 2, type: 'legacy' });
    expect(await queue.fail([{ ...second, error: 'boom', retryDelayMs: 1000 }])).toEqual(['dead']);
    expect(await queue.getTask(id)).toMatchObject({ status: 'dead', deadReason: 'max_attempts', attempt: 2 });
  });

  it('reaps an expired lease of a format 1 record back to pending, and of a format 2 record', async () => {
    const { queue, clock } = freshQueue(redis);
    const old = await storeFormat1(queue, 3, clock.now());
    const [compact] = await enqueue(queue, { maxAttempts: 5 });
    expect((await queue.claim(2, LEASE)).tasks.map((t) => t.id).sort()).toEqual([old, compact].sort());
    clock.advance(LEASE + 1);
    const reaped = await queue.reap();
    expect(reaped.recovered.sort()).toEqual([old, compact].sort());
    expect(await expectConsistent(queue, [old, compact!])).toEqual({
      [old]: 'pending',
      [compact!]: 'pending',
    });
    const again = (await queue.claim(2, LEASE)).tasks;
    expect(again.map((t) => [t.id, t.attempt, t.maxAttempts, t.createdAt])).toEqual(
      expect.arrayContaining([
        [old, 2, 3, clock.now() - LEASE - 1],
        [compact, 2, 5, clock.now() - LEASE - 1],
      ]),
    );
  });

  it('takes a format 2 task at the default maxAttempts to dead after 5 attempts', async () => {
    const { queue, clock } = freshQueue(redis);
    const [id] = await enqueue(queue, { maxAttempts: 5 });
    for (let attempt = 1; attempt <= 5; attempt++) {
      const task = (await queue.claim(1, LEASE)).tasks[0]!;
      expect(task).toMatchObject({ id, attempt, maxAttempts: 5 });
      const code = await queue.fail([{ ...task, error: 'boom', retryDelayMs: 10 }]);
      expect(code).toEqual([attempt < 5 ? 'retry' : 'dead']);
      clock.advance(10);
    }
  });
});
