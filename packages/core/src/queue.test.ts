import { randomQueueName, startRedisServer, waitFor } from '@tq/testing';
import { createRedis } from './connection';
import { Queue, listQueues } from './queue';
import { enqueue, expectConsistent, freshQueue, connect, newTask } from './test-support/fixtures';
import { TqError } from './errors';
import type { RedisClient } from './scripts';

let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => redis.quit());

const LEASE = 30_000;

describe('Queue against a real Redis', () => {
  it('registers a queue again on the next enqueue after Redis refused the registration (never hidden from the reaper)', async () => {
    // A private server: the suite's Redis is shared with tests running in parallel.
    const server = await startRedisServer();
    const own = createRedis(server.url);
    try {
      const queue = new Queue(own, randomQueueName('core'));
      await own.config('SET', 'maxmemory', '1');
      await expect(queue.enqueue([newTask(queue)])).rejects.toThrow(/OOM/);
      await own.config('SET', 'maxmemory', '0');
      await queue.enqueue([newTask(queue)]);
      expect(await listQueues(own)).toEqual([queue.name]);
    } finally {
      own.disconnect();
      await server.stop();
    }
  });

  it('runs the full lifecycle: pending -> running -> done, with the result stored', async () => {
    const { queue } = freshQueue(redis);
    const [id] = await enqueue(queue, { type: 'email', payload: '"hello world"' });
    expect(await expectConsistent(queue, [id!])).toEqual({ [id!]: 'pending' });

    const { tasks } = await queue.claim(10, LEASE);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      id,
      attempt: 1,
      type: 'email',
      payload: '"hello world"',
      maxAttempts: 3,
    });
    expect(await expectConsistent(queue, [id!])).toEqual({ [id!]: 'running' });

    expect(await queue.complete([{ ...tasks[0]!, result: '{"sent":true}' }])).toEqual(['ok']);
    expect(await expectConsistent(queue, [id!])).toEqual({ [id!]: 'done' });
    const record = await queue.getTask(id!);
    expect(record).toMatchObject({ status: 'done', attempt: 1, result: '{"sent":true}' });
    expect(record!.finishedAt).toBeGreaterThanOrEqual(record!.createdAt);
  });

  it('retries with a backoff delay, then succeeds', async () => {
    const { queue, clock } = freshQueue(redis);
    const [id] = await enqueue(queue, {});
    const first = (await queue.claim(1, LEASE)).tasks[0]!;
    expect(await queue.fail([{ ...first, error: 'smtp down', retryDelayMs: 5000 }])).toEqual(['retry']);
    expect(await expectConsistent(queue, [id!])).toEqual({ [id!]: 'retry' });

    clock.advance(4999);
    const early = await queue.claim(1, LEASE);
    expect(early.tasks).toHaveLength(0);
    expect(early.nextDueAt).toBe(clock.now() + 1);

    clock.advance(1);
    const second = (await queue.claim(1, LEASE)).tasks[0]!;
    expect(second).toMatchObject({ id, attempt: 2 });
    expect(second.token).not.toBe(first.token);
    expect(await queue.complete([second])).toEqual(['ok']);
    expect(await queue.getTask(id!)).toMatchObject({ status: 'done', attempt: 2, lastError: 'smtp down' });
  });

  it('sends a task that exhausts its attempts to dead with the reason and its error history', async () => {
    const { queue } = freshQueue(redis);
    const [id] = await enqueue(queue, { maxAttempts: 2 });
    const a1 = (await queue.claim(1, LEASE)).tasks[0]!;
    expect(await queue.fail([{ ...a1, error: 'first', retryDelayMs: 0 }])).toEqual(['retry']);
    const a2 = (await queue.claim(1, LEASE)).tasks[0]!;
    expect(await queue.fail([{ ...a2, error: 'second', retryDelayMs: 0 }])).toEqual(['dead']);

    expect(await expectConsistent(queue, [id!])).toEqual({ [id!]: 'dead' });
    const record = await queue.getTask(id!);
    expect(record).toMatchObject({
      status: 'dead',
      deadReason: 'max_attempts',
      attempt: 2,
      lastError: 'second',
    });
    expect(record!.errors.map((e) => [e.attempt, e.error])).toEqual([
      [1, 'first'],
      [2, 'second'],
    ]);
  });

  it('sends a permanently failed task to dead at once with the given reason', async () => {
    const { queue } = freshQueue(redis);
    const [id] = await enqueue(queue, { maxAttempts: 5 });
    const a1 = (await queue.claim(1, LEASE)).tasks[0]!;
    expect(
      await queue.fail([{ ...a1, error: '404 from target', retryDelayMs: 0, permanentReason: 'permanent' }]),
    ).toEqual(['dead']);
    expect(await queue.getTask(id!)).toMatchObject({ status: 'dead', deadReason: 'permanent', attempt: 1 });
  });

  it('refuses a stale token on complete, fail, extend and release after the lease was reaped and re-claimed', async () => {
    const { queue, clock } = freshQueue(redis);
    const [id] = await enqueue(queue, {});
    const stale = (await queue.claim(1, 1000)).tasks[0]!;
    clock.advance(1001);
    expect((await queue.reap()).recovered).toEqual([id]);
    const current = (await queue.claim(1, LEASE)).tasks[0]!;
    expect(current.attempt).toBe(2);

    expect(await queue.complete([{ ...stale, result: '"late"' }])).toEqual(['lease_lost']);
    expect(await queue.fail([{ ...stale, error: 'late', retryDelayMs: 0 }])).toEqual(['lease_lost']);
    expect(await queue.extend([stale], LEASE)).toEqual(['lease_lost']);
    expect(await queue.release([stale])).toEqual(['lease_lost']);
    expect(await expectConsistent(queue, [id!])).toEqual({ [id!]: 'running' });

    expect(await queue.complete([{ ...current, result: '"winner"' }])).toEqual(['ok']);
    expect(await queue.getTask(id!)).toMatchObject({ status: 'done', result: '"winner"' });
  });

  it('completes a batch task by task: each code in order, only the current leases done, results where given', async () => {
    const { queue, clock } = freshQueue(redis);
    const ids = await enqueue(queue, {}, {}, {}, {});
    const [a, b, c, d] = (await queue.claim(4, LEASE)).tasks;
    const ghost = { id: newTask(queue).id, token: 'x.1' };
    clock.advance(5);
    const batch = [a!, { ...b!, token: `${b!.token}x` }, { ...c!, result: '"c"' }, ghost, d!];
    expect(await queue.complete(batch)).toEqual(['ok', 'lease_lost', 'ok', 'not_found', 'ok']);
    expect(await expectConsistent(queue, ids)).toEqual({
      [ids[0]!]: 'done',
      [ids[1]!]: 'running',
      [ids[2]!]: 'done',
      [ids[3]!]: 'done',
    });
    const local = (id: string) => id.split('.')[1]!;
    expect(await redis.zscore(queue.keys.done, local(d!.id))).toBe(String(clock.now()));
    expect(await queue.getTask(c!.id)).toMatchObject({
      status: 'done',
      result: '"c"',
      finishedAt: clock.now(),
    });
    expect((await queue.getTask(a!.id))?.result).toBeUndefined();
    // Every one completed: all 'ok', with and without results.
    expect(await queue.complete([b!])).toEqual(['ok']);
    expect(await queue.complete([a!, c!])).toEqual(['lease_lost', 'lease_lost']);
  });

  it('refuses operations on a task that does not exist with not_found', async () => {
    const { queue } = freshQueue(redis);
    const ghost = { id: newTask(queue).id, token: 'x.1' };
    expect(await queue.complete([ghost])).toEqual(['not_found']);
    expect(await queue.extend([ghost], LEASE)).toEqual(['not_found']);
  });

  it('reaps an expired task back to pending with its attempt counted, and to dead once attempts are spent', async () => {
    const { queue, clock } = freshQueue(redis);
    const [id] = await enqueue(queue, { maxAttempts: 2 });
    await queue.claim(1, 1000);
    clock.advance(999);
    expect(await queue.reap()).toEqual({ recovered: [], dead: [], orphans: 0, canceled: [] });
    clock.advance(1);
    expect(await queue.reap()).toEqual({ recovered: [id], dead: [], orphans: 0, canceled: [] });
    expect(await queue.getTask(id!)).toMatchObject({ status: 'pending', attempt: 1 });

    const again = (await queue.claim(1, 1000)).tasks[0]!;
    expect(again.attempt).toBe(2);
    clock.advance(1000);
    expect(await queue.reap()).toEqual({ recovered: [], dead: [id], orphans: 0, canceled: [] });
    const record = await queue.getTask(id!);
    expect(record).toMatchObject({ status: 'dead', deadReason: 'lease_expired', attempt: 2 });
    expect(record!.errors).toHaveLength(2);
  });

  it('extends a lease from the time of the call, so a heartbeat keeps the task from being reaped', async () => {
    const { queue, clock } = freshQueue(redis);
    const [id] = await enqueue(queue, {});
    const task = (await queue.claim(1, 1000)).tasks[0]!;
    clock.advance(900);
    expect(await queue.extend([task], 1000)).toEqual(['ok']);
    clock.advance(900);
    expect((await queue.reap()).recovered).toEqual([]);
    clock.advance(101);
    expect((await queue.reap()).recovered).toEqual([id]);
  });

  it('release puts the task back at the front of pending without counting an attempt', async () => {
    const { queue } = freshQueue(redis);
    const [first, second] = await enqueue(queue, {}, {});
    const claimed = (await queue.claim(1, LEASE)).tasks[0]!;
    expect(claimed.id).toBe(first);
    expect(await queue.release([claimed])).toEqual(['ok']);
    expect(await queue.getTask(first!)).toMatchObject({ status: 'pending', attempt: 0 });

    const next = (await queue.claim(2, LEASE)).tasks;
    expect(next.map((t) => [t.id, t.attempt])).toEqual([
      [first, 1],
      [second, 1],
    ]);
  });

  it('hands every field of a claimed task back intact, whatever its type and payload hold', async () => {
    const { queue, clock } = freshQueue(redis);
    const created = clock.now();
    const [plain] = await enqueue(queue, {});
    const [odd] = await enqueue(queue, {
      type: 'odd type . with spaces',
      payload: '{"text":"two  spaces\\nand a line"}\n',
      timeoutMs: 1234,
      maxAttempts: 7,
      delayMs: 10,
    });
    clock.advance(10);
    const { tasks } = await queue.claim(2, LEASE);
    expect(tasks).toEqual([
      expect.objectContaining({ id: plain, type: 'test', payload: '{"n":1}', timeoutMs: undefined }),
      {
        id: odd,
        queue: queue.name,
        token: expect.stringMatching(/^[A-Za-z0-9_-]{8}\.2$/),
        attempt: 1,
        type: 'odd type . with spaces',
        payload: '{"text":"two  spaces\\nand a line"}\n',
        maxAttempts: 7,
        timeoutMs: 1234,
        createdAt: created,
        readyAt: created + 10,
        startedAt: clock.now(),
      },
    ]);
  });

  it('hands back types and payloads outside ASCII intact, and the tasks after them (ADR 0054: packed rows)', async () => {
    const { queue } = freshQueue(redis);
    const shapes = [
      { type: 'mail.é', payload: '{"to":"zoë@example.com","note":"日本語 🎉"}' },
      { type: 'plain', payload: '{"n":2}' },
      { type: 'typ 🎉 e', payload: '""' },
      { type: 'last', payload: '{"s":"ü"}' },
    ];
    const ids = await enqueue(queue, ...shapes);
    const { tasks } = await queue.claim(10, LEASE);
    expect(tasks.map((t) => ({ id: t.id, type: t.type, payload: t.payload }))).toEqual(
      shapes.map((shape, i) => ({ id: ids[i], ...shape })),
    );
    const { codes, claim } = await queue.completeAndClaim(tasks.slice(0, 2), 1, LEASE);
    expect(codes).toEqual(['ok', 'ok']);
    expect(claim.tasks).toEqual([]);
    const none = await queue.completeAndClaim([], 1, LEASE);
    expect(none.codes).toEqual([]);
  });

  it('completes running tasks and claims the next ones in one call', async () => {
    const { queue, clock } = freshQueue(redis);
    const [a, b, c] = await enqueue(queue, {}, {}, { priority: 5 });
    const first = (await queue.claim(2, LEASE)).tasks;
    expect(first.map((t) => t.id)).toEqual([c, a]);

    clock.advance(10);
    const { codes, claim } = await queue.completeAndClaim(
      first.map((t) => ({ ...t, result: `"${t.id}"` })),
      5,
      LEASE,
    );
    expect(codes).toEqual(['ok', 'ok']);
    expect(claim.tasks.map((t) => [t.id, t.attempt, t.startedAt])).toEqual([[b, 1, clock.now()]]);
    expect(claim.nextDueAt).toBeNull();
    expect(claim.tasks[0]!.token).not.toBe(first[0]!.token);
    expect(await expectConsistent(queue, [a!, b!, c!])).toEqual({
      [a!]: 'done',
      [b!]: 'running',
      [c!]: 'done',
    });
    expect(await queue.getTask(a!)).toMatchObject({
      status: 'done',
      result: `"${a}"`,
      finishedAt: clock.now(),
    });
    expect(await redis.zscore(queue.keys.running, b!.split('.')[1]!)).toBe(String(clock.now() + LEASE));
  });

  it('refuses stale tokens in the complete half of completeAndClaim, and still claims', async () => {
    const { queue, clock } = freshQueue(redis);
    const [id, next] = await enqueue(queue, {}, { delayMs: 5000 });
    const stale = (await queue.claim(1, 1000)).tasks[0]!;
    clock.advance(1001);
    await queue.reap();
    const current = (await queue.claim(1, LEASE)).tasks[0]!;
    const ghost = { id: newTask(queue).id, token: 'x.1' };

    const { codes, claim } = await queue.completeAndClaim([stale, ghost], 1, LEASE);
    expect(codes).toEqual(['lease_lost', 'not_found']);
    expect(claim.tasks).toEqual([]);
    expect(claim.nextDueAt).toBe(clock.now() - 1001 + 5000);
    expect(await expectConsistent(queue, [id!, next!])).toEqual({ [id!]: 'running', [next!]: 'scheduled' });

    await queue.pause();
    const paused = await queue.completeAndClaim([current], 1, LEASE);
    expect(paused.codes).toEqual(['ok']);
    expect(paused.claim.tasks).toEqual([]);
    expect(await queue.getTask(id!)).toMatchObject({ status: 'done', attempt: 2 });
  });

  describe('idempotency', () => {
    it('returns the existing task when the same key and body are replayed', async () => {
      const { queue } = freshQueue(redis);
      const t = newTask(queue, {
        idempotencyKey: 'order-1',
        fingerprint: 'fp-a',
        idempotencyWindowMs: 60_000,
      });
      const [created] = await queue.enqueue([t]);
      const [replayed] = await queue.enqueue([
        { ...newTask(queue), idempotencyKey: 'order-1', fingerprint: 'fp-a', idempotencyWindowMs: 60_000 },
      ]);
      expect(created!.status).toBe('created');
      expect(replayed).toMatchObject({ status: 'existing', id: created!.id });
      expect((await queue.stats()).counts.pending).toBe(1);
    });

    it('reports a conflict when the same key comes with another body', async () => {
      const { queue } = freshQueue(redis);
      const [created] = await queue.enqueue([
        newTask(queue, { idempotencyKey: 'k', fingerprint: 'fp-a', idempotencyWindowMs: 60_000 }),
      ]);
      const [other] = await queue.enqueue([
        newTask(queue, { idempotencyKey: 'k', fingerprint: 'fp-b', idempotencyWindowMs: 60_000 }),
      ]);
      expect(other).toMatchObject({ status: 'conflict', id: created!.id });
      expect((await queue.stats()).counts.pending).toBe(1);
    });

    it('forgets the key once its window has passed', async () => {
      const { queue } = freshQueue(redis);
      const key = { idempotencyKey: 'short', fingerprint: 'fp', idempotencyWindowMs: 50 };
      const [first] = await queue.enqueue([newTask(queue, key)]);
      // The window is a Redis TTL (real time), so wait for Redis to expire it rather than sleeping.
      await waitFor(async () => (await redis.exists(`${queue.keys.idempotencyPrefix}short`)) === 0, {
        timeoutMs: 5000,
        message: 'idempotency key never expired',
      });
      const [second] = await queue.enqueue([newTask(queue, key)]);
      expect(second!.status).toBe('created');
      expect(second!.id).not.toBe(first!.id);
    });

    it('creates nothing twice when the same enqueue is resent after a lost reply', async () => {
      const { queue } = freshQueue(redis);
      const t = newTask(queue);
      await queue.enqueue([t]);
      expect(await queue.enqueue([t])).toEqual([expect.objectContaining({ status: 'created', id: t.id })]);
      expect(await expectConsistent(queue, [t.id])).toEqual({ [t.id]: 'pending' });
    });

    it('creates nothing twice when a batch is resent, also when only some of its tasks were stored', async () => {
      const { queue } = freshQueue(redis);
      // Default options (maxAttempts 5): the usual task's own path through the script.
      const tasks = Array.from({ length: 5 }, () => newTask(queue, { maxAttempts: 5 }));
      // The first call stored the first two only (the depth limit refused the rest).
      expect((await queue.enqueue(tasks, 2)).map((o) => o.status)).toEqual([
        'created',
        'created',
        'full',
        'full',
        'full',
      ]);
      const again = await queue.enqueue(tasks);
      expect(again.map((o) => [o.status, o.id])).toEqual(tasks.map((t) => ['created', t.id]));
      const ids = tasks.map((t) => t.id);
      expect(await expectConsistent(queue, ids)).toEqual(
        Object.fromEntries(ids.map((id) => [id, 'pending'])),
      );
      expect(await redis.llen(`${queue.keys.pendingPrefix}0`)).toBe(5);
      // The whole batch once more: every id is stored.
      await queue.enqueue(tasks);
      expect(await redis.llen(`${queue.keys.pendingPrefix}0`)).toBe(5);
    });

    it('stores an id sent twice in one call once, and answers created for both', async () => {
      const { queue } = freshQueue(redis);
      const a = newTask(queue, { maxAttempts: 5 });
      const b = newTask(queue, { priority: 3 });
      const outcomes = await queue.enqueue([a, b, a, b]);
      expect(outcomes.map((o) => [o.status, o.id])).toEqual([a, b, a, b].map((t) => ['created', t.id]));
      expect(await redis.llen(`${queue.keys.pendingPrefix}0`)).toBe(1);
      expect(await redis.llen(`${queue.keys.pendingPrefix}3`)).toBe(1);
      expect(await expectConsistent(queue, [a.id, b.id])).toEqual({ [a.id]: 'pending', [b.id]: 'pending' });
    });
  });

  /** A wake message's kind: 'due:<ms>' as it is, else 'wake' (its text is the wake's id, ADR 0061). */
  const kind = (message: string) => (message.startsWith('due:') ? message : 'wake');

  /** A connection subscribed to `queue`'s wake channel, and the messages it has received so far. */
  async function listenToWakes(queue: Queue): Promise<{ subscriber: RedisClient; messages: string[] }> {
    // Single-node and cluster clients both have duplicate(), with signatures TypeScript cannot unify.
    const subscriber = (redis.duplicate as () => RedisClient).call(redis);
    const messages: string[] = [];
    subscriber.on('message', (_channel: string, message: string) => messages.push(message));
    await subscriber.subscribe(queue.keys.wakeChannel);
    return { subscriber, messages };
  }

  it("tells idle workers when a delayed or retried task comes first ('due:<ms>'), and nothing for a later one", async () => {
    const { queue } = freshQueue(redis);
    const { subscriber, messages } = await listenToWakes(queue);
    try {
      await enqueue(queue, { delayMs: 500 });
      await enqueue(queue, { delayMs: 800 }); // later than the first: workers already wake before it
      await enqueue(queue, { delayMs: 900 }, { delayMs: 200 }); // a batch: its earliest, once
      const [now] = await enqueue(queue, {}); // pending was empty: the claim-now message
      const { tasks } = await queue.claim(1, LEASE);
      expect(tasks.map((t) => t.id)).toEqual([now]);
      const fail = (retryDelayMs: number) => ({ id: now!, token: tasks[0]!.token, error: 'x', retryDelayMs });
      expect(await queue.fail([fail(300)])).toEqual(['retry']); // the retry set was empty
      // The end mark comes from a script too (pending is empty again): on a cluster, messages from one
      // node keep their order, those published through another node may not.
      await enqueue(queue, {});
      await waitFor(() => messages.filter((m) => !m.startsWith('due:')).length === 2);
      expect(messages.map(kind)).toEqual(['due:500', 'due:200', 'wake', 'due:300', 'wake']);
    } finally {
      subscriber.disconnect();
    }
  });

  it('wakes idle workers once for a batch that fills an empty pending list, not for one that adds to a list', async () => {
    const { queue } = freshQueue(redis);
    const { subscriber, messages } = await listenToWakes(queue);
    try {
      await enqueue(queue, { maxAttempts: 5 }, { maxAttempts: 5 }, { maxAttempts: 5 }); // empty: a wake
      await enqueue(queue, { maxAttempts: 5 }, { maxAttempts: 5 }); // the list holds 3: nothing
      await enqueue(queue, { priority: 4 }, { priority: 4 }); // priority 4 was empty: a wake
      await waitFor(() => messages.length >= 2);
      expect((await queue.claim(10, LEASE)).tasks).toHaveLength(7);
      await enqueue(queue, { delayMs: 100 }); // the end mark
      await waitFor(() => messages.length >= 3);
      expect(messages.map(kind)).toEqual(['wake', 'wake', 'due:100']);
    } finally {
      subscriber.disconnect();
    }
  });

  it('does not let a scheduled task be claimed before its time', async () => {
    const { queue, clock } = freshQueue(redis);
    const [delayed] = await enqueue(queue, { delayMs: 10_000 });
    const [atTime] = await enqueue(queue, { runAt: clock.now() + 20_000 });
    expect(await expectConsistent(queue, [delayed!, atTime!])).toEqual({
      [delayed!]: 'scheduled',
      [atTime!]: 'scheduled',
    });

    clock.advance(9_999);
    const early = await queue.claim(10, LEASE);
    expect(early.tasks).toEqual([]);
    expect(early.nextDueAt).toBe(clock.now() + 1);
    clock.advance(1);
    expect((await queue.claim(10, LEASE)).tasks.map((t) => t.id)).toEqual([delayed]);
    clock.advance(10_000);
    expect((await queue.promote()).scheduled).toBe(1);
    expect(await expectConsistent(queue, [atTime!])).toEqual({ [atTime!]: 'pending' });
  });

  it('promotes and claims a due task of a queue whose meta hash holds only fields a claim does not read', async () => {
    // Partition 0 of a partitioned queue keeps its layout there: the claim reads the hash as no settings, and
    // still finds the delayed task (ADR 0056: one EXISTS of meta, scheduled and retry counts all three).
    const { queue, clock } = freshQueue(redis);
    await redis.hset(queue.keys.meta, 'partitionGen', '0');
    const [delayed] = await enqueue(queue, { delayMs: 1000 });
    const early = await queue.claim(10, LEASE);
    expect(early).toMatchObject({ tasks: [], nextDueAt: clock.now() + 1000 });
    clock.advance(1000);
    expect((await queue.claim(10, LEASE)).tasks.map((t) => t.id)).toEqual([delayed]);
  });

  it('claims higher priorities first and FIFO within a priority', async () => {
    const { queue } = freshQueue(redis);
    const ids = await enqueue(
      queue,
      { priority: 0 },
      { priority: 5 },
      { priority: 9 },
      { priority: 5 },
      { priority: 0 },
    );
    const order = (await queue.claim(5, LEASE)).tasks.map((t) => t.id);
    expect(order).toEqual([ids[2], ids[1], ids[3], ids[0], ids[4]]);
  });

  it('claims nothing from a paused queue until it is resumed', async () => {
    const { queue } = freshQueue(redis);
    const [id] = await enqueue(queue, {});
    await queue.pause();
    expect((await queue.stats()).paused).toBe(true);
    expect((await queue.claim(10, LEASE)).tasks).toEqual([]);
    await queue.resume();
    expect((await queue.claim(10, LEASE)).tasks.map((t) => t.id)).toEqual([id]);
  });

  it('cancels pending, scheduled and retrying tasks, and refuses running and finished ones', async () => {
    const { queue } = freshQueue(redis);
    const [pending, scheduled, retrying, running] = await enqueue(queue, {}, { delayMs: 60_000 }, {}, {});
    // Claim order is FIFO: `pending` is first, so release it and keep the others.
    const claimed = (await queue.claim(10, LEASE)).tasks;
    const byId = new Map(claimed.map((t) => [t.id, t]));
    await queue.release([byId.get(pending!)!]);
    await queue.fail([{ ...byId.get(retrying!)!, error: 'x', retryDelayMs: 60_000 }]);

    expect(await queue.cancel(pending!)).toBe('pending');
    expect(await queue.cancel(scheduled!)).toBe('scheduled');
    expect(await queue.cancel(retrying!)).toBe('retry');
    await expect(queue.cancel(running!)).rejects.toMatchObject({ code: 'conflict' });
    await expect(queue.cancel(pending!)).rejects.toMatchObject({ code: 'conflict' });
    await expect(queue.cancel(newTask(queue).id)).rejects.toBeInstanceOf(TqError);
    expect(await expectConsistent(queue, [pending!, scheduled!, retrying!, running!])).toEqual({
      [pending!]: 'canceled',
      [scheduled!]: 'canceled',
      [retrying!]: 'canceled',
      [running!]: 'running',
    });
    expect((await queue.claim(10, LEASE)).tasks).toEqual([]);
  });

  it('reports counts per state and the age of the oldest pending task', async () => {
    const { queue, clock } = freshQueue(redis);
    await enqueue(queue, {}, { priority: 3 });
    clock.advance(2500);
    await enqueue(queue, { delayMs: 1000 });
    const stats = await queue.stats();
    expect(stats.counts).toMatchObject({ pending: 2, scheduled: 1, running: 0 });
    expect(stats.oldestPendingAgeMs).toBe(2500);
  });

  describe('the oldest pending age is the true oldest runnable task', () => {
    it('is not hidden by tasks the reaper puts back, which keep their own age and run oldest first', async () => {
      const { queue, clock } = freshQueue(redis);
      const [a, b] = await enqueue(queue, {}, {}); // ready at 0
      await queue.claim(2, 1000); // a worker takes both, then dies
      clock.advance(100);
      const [c] = await enqueue(queue, {}); // ready at 100, waits behind them
      clock.advance(4900);
      expect((await queue.reap()).recovered.sort()).toEqual([a, b].sort());
      // At the front of pending, but they were runnable since 0: before, they said 5000 and hid c's age.
      expect((await queue.stats()).oldestPendingAgeMs).toBe(5000);
      const recovered = (await queue.getTask(a!))!;
      expect(recovered.readyAt).toBe(recovered.createdAt);
      const order = (await queue.claim(3, 1000)).tasks.map((t) => t.id);
      expect(order.slice(2)).toEqual([c]);
    });

    it('is not hidden by a released task newer than the one it goes in front of', async () => {
      const { queue, clock } = freshQueue(redis);
      const [old] = await enqueue(queue, {}); // ready at 0
      const [taken] = (await queue.claim(1, 60_000)).tasks;
      clock.advance(1000);
      const [young] = await enqueue(queue, {}); // ready at 1000
      const [youngTaken] = (await queue.claim(1, 60_000)).tasks;
      expect([taken!.id, youngTaken!.id]).toEqual([old, young]);
      clock.advance(1000);
      await queue.release([taken!]); // back at the front: ready since 0
      await queue.release([youngTaken!]); // goes in front of it, but must not hide its age
      const stats = await queue.stats();
      expect(stats.counts.pending).toBe(2);
      expect(stats.oldestPendingAgeMs).toBe(2000);
    });

    it('counts a scheduled or retry task that is due but not promoted yet (no reaper, no worker)', async () => {
      const { queue, clock } = freshQueue(redis);
      await enqueue(queue, { delayMs: 500 });
      expect((await queue.stats()).oldestPendingAgeMs).toBeNull();
      clock.advance(3500);
      const stats = await queue.stats();
      expect(stats.counts).toMatchObject({ pending: 0, scheduled: 1 });
      expect(stats.oldestPendingAgeMs).toBe(3000);
    });
  });

  it('applies retention: finished tasks by age and count, dead tasks by their own window', async () => {
    const { queue, clock } = freshQueue(redis);
    const ids = await enqueue(queue, {}, {}, {}, {});
    const tasks = (await queue.claim(4, LEASE)).tasks;
    for (const task of tasks.slice(0, 3)) {
      await queue.complete([task]); // one ms apart, so "oldest" is well defined
      clock.advance(1);
    }
    await queue.fail([{ ...tasks[3]!, error: 'x', retryDelayMs: 0, permanentReason: 'permanent' }]);
    const policy = { finishedMaxAgeMs: 60_000, finishedMaxCount: 2, deadMaxAgeMs: 120_000, deadMaxCount: 10 };

    expect(await queue.trim(policy)).toMatchObject({ done: 1, canceled: 0, dead: 0 });
    expect(await queue.getTask(ids[0]!)).toBeNull();
    clock.advance(60_000);
    expect(await queue.trim(policy)).toMatchObject({ done: 2, canceled: 0, dead: 0 });
    clock.advance(60_000);
    expect(await queue.trim(policy)).toMatchObject({ done: 0, canceled: 0, dead: 1 });
    const stats = await queue.stats();
    expect(stats.counts).toMatchObject({ done: 0, dead: 0 });
    expect(await redis.exists(...ids.map((id) => queue.keys.taskPrefix + id.split('.')[1]))).toBe(0);
  });

  it('lists, requeues and purges dead letters', async () => {
    const { queue } = freshQueue(redis);
    const ids = await enqueue(queue, { maxAttempts: 1 }, { maxAttempts: 1 }, { maxAttempts: 1 });
    const tasks = (await queue.claim(3, LEASE)).tasks;
    await queue.fail(tasks.map((t) => ({ ...t, error: 'bad', retryDelayMs: 0 })));

    const page = await queue.listTasks('dead', { limit: 2 });
    expect(page.total).toBe(3);
    expect(page.tasks).toHaveLength(2);
    expect(page.tasks[0]).toMatchObject({ status: 'dead', deadReason: 'max_attempts' });

    expect(await queue.requeueDead([ids[0]!, newTask(queue).id])).toEqual({
      requeued: [ids[0]],
      notDead: [expect.any(String)],
    });
    expect(await queue.getTask(ids[0]!)).toMatchObject({ status: 'pending', attempt: 0 });
    expect(await queue.purgeDead([ids[1]!])).toBe(1);
    expect(await queue.getTask(ids[1]!)).toBeNull();
    expect((await queue.requeueDead()).requeued).toEqual([ids[2]]);
    expect(
      await expectConsistent(
        queue,
        ids.filter((_, i) => i !== 1),
      ),
    ).toEqual({ [ids[0]!]: 'pending', [ids[2]!]: 'pending' });
  });

  it('requeues all only the tasks dead when the call started, each once, while redriven tasks die again meanwhile', async () => {
    const { queue } = freshQueue(redis);
    const ids = await enqueue(queue, ...Array.from({ length: 200 }, () => ({ maxAttempts: 1 })));
    const first = (await queue.claim(200, LEASE)).tasks;
    await queue.fail(first.map((t) => ({ ...t, error: 'boom', retryDelayMs: 0 })));
    // A worker that fails each redriven task permanently once (and completes it if it comes back), at work
    // while the redrive runs.
    let redriving = true;
    const killed = new Set<string>();
    const worker = (async () => {
      while (redriving) {
        const { tasks } = await queue.claim(10, LEASE);
        if (tasks.length === 0) {
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        const again = tasks.filter((t) => killed.has(t.id));
        const fresh = tasks.filter((t) => !killed.has(t.id));
        await queue.complete(again);
        await queue.fail(
          fresh.map((t) => ({ ...t, error: 'again', retryDelayMs: 0, permanentReason: 'permanent' })),
        );
        for (const t of fresh) killed.add(t.id);
      }
    })();
    const { requeued } = await queue.requeueDead(undefined, 1).finally(() => (redriving = false));
    await worker;
    expect(killed.size).toBeGreaterThan(0); // tasks did die again during the call
    expect(requeued).toHaveLength(ids.length);
    expect(new Set(requeued)).toEqual(new Set(ids));
    expect((await redis.keys(`${queue.keys.redrivePrefix}*`)).length).toBe(0); // the snapshot is gone
  });

  it('repairs a task hash that says running without a lease, and drops running ids without a task', async () => {
    const { queue } = freshQueue(redis);
    const [id, ghost] = await enqueue(queue, {}, {});
    await queue.claim(2, LEASE);
    const local = (x: string) => x.split('.')[1]!;
    await redis.zrem(queue.keys.running, local(id!)); // as if the lease entry were lost with Redis data
    await redis.del(queue.keys.taskPrefix + local(ghost!)); // as if the hash were lost
    expect(await queue.repair()).toEqual([id]);
    expect(await expectConsistent(queue, [id!])).toEqual({ [id!]: 'pending' });
    await redis.zadd(queue.keys.running, 0, local(ghost!));
    expect((await queue.reap()).orphans).toBe(1);
  });

  it('enqueues a large batch in one call and claims it in batches', async () => {
    const { queue } = freshQueue(redis);
    const tasks = Array.from({ length: 1200 }, () => newTask(queue));
    const outcomes = await queue.enqueue(tasks);
    expect(outcomes.every((o) => o.status === 'created')).toBe(true);
    const claimed = (await queue.claim(1000, LEASE)).tasks;
    expect(claimed).toHaveLength(1000);
    expect(claimed[0]!.id).toBe(tasks[0]!.id);
    expect(await queue.complete(claimed)).toEqual(Array(1000).fill('ok'));
    expect((await queue.stats()).counts).toMatchObject({ pending: 200, done: 1000 });
  });

  it('refuses tasks over the depth limit', async () => {
    const { queue } = freshQueue(redis);
    const outcomes = await queue.enqueue([newTask(queue), newTask(queue), newTask(queue)], 2);
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'created', 'full']);
  });
});
