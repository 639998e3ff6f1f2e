import { createHash } from 'node:crypto';
import { createRedis, ManualClock, newTaskId, Queue, queueKeys, type RedisClient } from '@tq/core';
import { randomQueueName } from '@tq/testing';
import { TaskRepository } from './repository';
import { TaskService } from './service';

let redis: RedisClient;
let service: TaskService;
beforeAll(() => {
  redis = createRedis(process.env.REDIS_URL!);
  service = new TaskService(new TaskRepository(redis), { maxQueueDepth: 3, maxPayloadBytes: 100 });
});
afterAll(() => redis.quit());

describe('TaskService against a real Redis', () => {
  it("stores the seed's task in the default queue and reads it back", async () => {
    const { task, created } = await service.submit({ type: 'email', payload: 'hello world' });
    expect(created).toBe(true);
    expect(task).toMatchObject({
      queue: 'default',
      type: 'email',
      payload: 'hello world',
      status: 'pending',
      attempt: 0,
      maxAttempts: 5,
    });
    expect(await service.get(task.id)).toEqual({ ...task, source: 'redis' });
    await service.cancel(task.id); // keep the shared default queue empty for the depth limit
  });

  it('says a delayed task is scheduled, with its run time', async () => {
    const queue = randomQueueName();
    const { task } = await service.submit({ type: 'x', queue, delayMs: 60_000 });
    expect(task.status).toBe('scheduled');
    expect(Date.parse(task.runAt!) - Date.parse(task.createdAt)).toBe(60_000);
    expect(await service.get(task.id)).toEqual({ ...task, source: 'redis' });
  });

  it('remembers a key for its idempotencyTtlMs when shorter than the window, and only with a key', async () => {
    const queue = randomQueueName();
    const idem = (key: string) => redis.pttl(queueKeys(queue).idempotencyPrefix + key);
    await service.submit({ type: 'x', queue, idempotencyKey: 'short', idempotencyTtlMs: 5000 });
    expect(await idem('short')).toBeGreaterThan(0);
    expect(await idem('short')).toBeLessThanOrEqual(5000);
    // The window is the API's at most: a longer ask is capped, no ask gets the default (24 h).
    await service.submit({ type: 'x', queue, idempotencyKey: 'long', idempotencyTtlMs: 30 * 24 * 3600_000 });
    expect(await idem('long')).toBeLessThanOrEqual(24 * 3600_000);
    expect(await idem('long')).toBeGreaterThan(23 * 3600_000);
    // The TTL is not part of the submission: a replay that asks for another one is the same task.
    const first = await service.submit({ type: 'x', queue, idempotencyKey: 'same' }, undefined);
    const again = await service.submit({ type: 'x', queue, idempotencyKey: 'same', idempotencyTtlMs: 2000 });
    expect(again).toMatchObject({ created: false, task: { id: first.task.id } });
    await expect(service.submit({ type: 'x', queue, idempotencyTtlMs: 5000 })).rejects.toMatchObject({
      code: 'invalid',
      details: {
        errors: [{ field: 'idempotencyTtlMs', message: expect.stringContaining('needs an idempotency key') }],
      },
    });
  });

  it('replays an idempotent submission and refuses the key with another body', async () => {
    const queue = randomQueueName();
    const first = await service.submit({ type: 'x', queue, payload: { n: 1 } }, 'key-1');
    const replay = await service.submit({ type: 'x', queue, payload: { n: 1 }, idempotencyKey: 'key-1' });
    expect(replay).toEqual({ created: false, task: first.task });
    await expect(service.submit({ type: 'x', queue, payload: { n: 2 } }, 'key-1')).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('was already used for task'),
    });
    await expect(service.submit({ type: 'x', queue, idempotencyKey: 'a' }, 'b')).rejects.toMatchObject({
      code: 'invalid',
    });
  });

  it('replays an equivalent resubmission: defaults spelled out, payload keys reordered, delayMs 0, runAt as ISO or epoch ms', async () => {
    const queue = randomQueueName();
    const payload = { to: 'ada@example.com', opts: { b: 2, a: [1, { y: 1, x: 2 }] } };
    const first = await service.submit({ type: 'x', queue, payload }, 'equivalent');
    const equivalents = [
      { type: 'x', queue, payload, priority: 0, maxAttempts: 5 },
      { type: 'x', queue, payload: { opts: { a: [1, { x: 2, y: 1 }], b: 2 }, to: 'ada@example.com' } },
      { type: 'x', queue, payload, delayMs: 0 },
    ];
    for (const body of equivalents) {
      expect(await service.submit(body, 'equivalent')).toEqual({ created: false, task: first.task });
    }
    const at = Date.now() + 60_000;
    const later = await service.submit({ type: 'x', queue, runAt: new Date(at).toISOString() }, 'at');
    expect((await service.submit({ type: 'x', queue, runAt: at }, 'at')).task.id).toBe(later.task.id);
    // Different submissions still conflict: another value, priority, attempts or queue default spelled otherwise.
    for (const body of [
      { type: 'x', queue, payload: { ...payload, to: 'bob@example.com' } },
      { type: 'x', queue, payload, priority: 1 },
      { type: 'x', queue, payload, maxAttempts: 4 },
      { type: 'x', queue, payload, delayMs: 1 },
    ]) {
      await expect(service.submit(body, 'equivalent')).rejects.toMatchObject({ code: 'conflict' });
    }
  });

  it('replays a key stored in the previous, unversioned fingerprint format after the upgrade', async () => {
    const queue = randomQueueName();
    const body = { type: 'x', queue, payload: { n: 1, m: 2 }, maxAttempts: 3 };
    // What tq 0.1.0 stored: sha256 over the submission as sent, serialized as it was then.
    const v1 = createHash('sha256')
      .update(
        JSON.stringify([
          'x',
          JSON.stringify(body.payload),
          queue,
          undefined,
          undefined,
          undefined,
          3,
          undefined,
        ]),
      )
      .digest('base64url');
    const [stored] = await new Queue(redis, queue).enqueue([
      {
        id: newTaskId(queue),
        type: 'x',
        payload: JSON.stringify(body.payload),
        maxAttempts: 3,
        idempotencyKey: 'from-0.1',
        fingerprint: v1,
        idempotencyWindowMs: 60_000,
      },
    ]);
    const replay = await service.submit(body, 'from-0.1');
    expect(replay).toMatchObject({ created: false, task: { id: stored!.id } });
    await expect(service.submit({ ...body, maxAttempts: 4 }, 'from-0.1')).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('refuses a payload over the size limit, naming the sizes', async () => {
    await expect(
      service.submit({ type: 'x', queue: randomQueueName(), payload: 'y'.repeat(200) }),
    ).rejects.toMatchObject({
      code: 'too_large',
      message: expect.stringContaining('payload is 202 bytes serialized; the limit is 100'),
    });
  });

  it('refuses a runAt further ahead than the longest delay', async () => {
    const runAt = Date.now() + 366 * 86_400_000;
    await expect(service.submit({ type: 'x', queue: randomQueueName(), runAt })).rejects.toMatchObject({
      code: 'invalid',
      details: {
        errors: [{ field: 'runAt', message: 'runAt must be at most 365 days from now, like delayMs' }],
      },
    });
  });

  it('refuses tasks past the queue depth limit with queue_full', async () => {
    const queue = randomQueueName();
    for (let i = 0; i < 3; i++) await service.submit({ type: 'x', queue });
    await expect(service.submit({ type: 'x', queue })).rejects.toMatchObject({ code: 'queue_full' });
  });

  it('stores a batch item by item, reporting each outcome in order as created, replayed or an error code (no protocol statuses)', async () => {
    const queue = randomQueueName();
    const results = await service.submitBatch({
      tasks: [
        { type: 'x', queue },
        { type: '' },
        { type: 'x', queue, idempotencyKey: 'k' },
        { type: 'x', queue, idempotencyKey: 'k' },
        { type: 'x', queue },
        { type: 'x', queue },
      ],
    });
    expect(
      results.map((r) => [r.index, 'task' in r ? (r.created ? 'created' : 'replayed') : r.code]),
    ).toEqual([
      [0, 'created'],
      [1, 'invalid'],
      [2, 'created'],
      [3, 'replayed'],
      [4, 'created'],
      [5, 'queue_full'],
    ]);
    expect(results[1]).toMatchObject({ errors: [{ field: 'type' }] });
  });

  it('stores a batch larger than one script call in its order, counting the depth limit in that order', async () => {
    const [a, b] = [randomQueueName(), randomQueueName()];
    const limited = new TaskService(new TaskRepository(redis), { maxQueueDepth: 200 });
    // 1000 items: every 10th to queue b, one invalid, the rest to queue a (809, so 609 over its limit).
    const tasks = Array.from({ length: 1000 }, (_, i) =>
      i === 150 ? { type: '' } : { type: 'x', queue: i % 10 === 0 ? b : a, payload: i },
    );
    const results = await limited.submitBatch({ tasks });
    expect(results.map((r) => r.index)).toEqual(tasks.map((_, i) => i));
    const created = (queue: string) =>
      results.flatMap((r) => ('task' in r && r.task.queue === queue ? [r.task.payload] : []));
    const intoA = tasks.flatMap((t, i) => (t.queue === a ? [i] : []));
    expect(created(a)).toEqual(intoA.slice(0, 200));
    expect(created(b)).toEqual(tasks.flatMap((t, i) => (t.queue === b ? [i] : [])));
    expect(results[150]).toMatchObject({ code: 'invalid', errors: [{ field: 'type' }] });
    expect(results.filter((r) => 'code' in r && r.code === 'queue_full').map((r) => r.index)).toEqual(
      intoA.slice(200),
    );
    // Workers get them in the batch's order.
    const claimed = await new Queue(redis, a).claim(200, 30_000);
    expect(claimed.tasks.map((t) => JSON.parse(t.payload) as number)).toEqual(intoA.slice(0, 200));
  });

  it('stores a batch in its order in each partition of a new partitioned queue (each registered by its first call)', async () => {
    const clock = new ManualClock();
    const repository = new TaskRepository(redis, clock);
    const queue = randomQueueName();
    const opened = await repository.createQueue(queue, 3, 600_000);
    clock.advance(60_000); // past the creation's settling: keys spread over the 3 partitions
    const partitionOfKey = (partitionKey: string) =>
      opened.pick({ id: '', type: 'x', payload: '', maxAttempts: 1, partitionKey });
    // 300 tasks of one key, then 700 of a key of another partition, first used by the fourth slice.
    const second = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'].find(
      (k) => partitionOfKey(k) !== partitionOfKey('k0'),
    )!;
    const tasks = Array.from({ length: 1000 }, (_, i) => ({
      type: 'x',
      queue,
      payload: i,
      partitionKey: i < 300 ? 'k0' : second,
    }));
    const results = await new TaskService(repository).submitBatch({ tasks });
    const partitionOfItem = results.map((r) => ('task' in r ? opened.partitionOf(r.task.id).partition : -1));
    expect(new Set(partitionOfItem)).toEqual(new Set([partitionOfKey('k0'), partitionOfKey(second)]));
    for (const partition of new Set(partitionOfItem)) {
      const { tasks: claimed } = await opened.partitions[partition]!.claim(1000, 30_000);
      expect(claimed.map((t) => JSON.parse(t.payload) as number)).toEqual(
        tasks.flatMap((_, i) => (partitionOfItem[i] === partition ? [i] : [])),
      );
    }
  });

  it('fails the whole batch with the error of a slice that Redis failed, leaving no rejection unhandled', async () => {
    const repository = new TaskRepository(redis);
    const add = repository.add.bind(repository);
    const calls: number[] = [];
    repository.add = (queue, tasks, ...rest) => {
      calls.push(tasks.length);
      if (calls.length === 2) return Promise.reject(new Error('connection lost'));
      return add(queue, tasks, ...rest);
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const queue = randomQueueName();
      const tasks = Array.from({ length: 500 }, (_, i) => ({ type: 'x', queue, payload: i }));
      await expect(new TaskService(repository).submitBatch({ tasks })).rejects.toThrow('connection lost');
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      expect(calls.slice(0, 2)).toEqual([100, 100]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('stores single submissions made in one turn with one script call, each answered as if alone', async () => {
    const queue = randomQueueName();
    const client = createRedis(process.env.REDIS_URL!);
    // Counts the enqueue script calls for this queue (its function, with the queue's key base) on a real client.
    type Sent = { name: string; args: unknown[] };
    const target = client as unknown as { sendCommand: (c: Sent, ...rest: unknown[]) => unknown };
    const send = target.sendCommand.bind(client);
    let enqueueCalls = 0;
    target.sendCommand = (command, ...rest) => {
      const [fn, , key] = command.args;
      if (command.name === 'fcall' && String(fn).startsWith('tq_enqueue_') && key === queueKeys(queue).base)
        enqueueCalls++;
      return send(command, ...rest);
    };
    try {
      const coalescing = new TaskService(new TaskRepository(client), { maxQueueDepth: 4 });
      // The queue exists and the connection has the script (a new queue's first call registers it first).
      await coalescing.submit({ type: 'x', queue, payload: 0 });
      enqueueCalls = 0;
      const results = await Promise.allSettled([
        coalescing.submit({ type: 'x', queue, payload: 1 }),
        coalescing.submit({ type: 'x', queue, payload: 2, idempotencyKey: 'k' }),
        coalescing.submit({ type: 'x', queue, payload: 2, idempotencyKey: 'k' }),
        coalescing.submit({ type: 'x', queue, payload: 3, idempotencyKey: 'k' }),
        coalescing.submit({ type: 'x', queue, payload: 4, delayMs: 60_000 }),
        coalescing.submit({ type: 'x', queue, payload: 5 }),
        coalescing.submit({ type: 'x', queue, payload: { bad: true }, priority: 99 }),
      ]);
      expect(enqueueCalls).toBe(1);
      const [one, keyed, replay, conflict, delayed, full, invalid] = results;
      expect(one).toMatchObject({ status: 'fulfilled', value: { created: true, task: { payload: 1 } } });
      expect(keyed).toMatchObject({ status: 'fulfilled', value: { created: true, task: { payload: 2 } } });
      const keyedId = keyed.status === 'fulfilled' ? keyed.value.task.id : '';
      expect(replay).toMatchObject({ status: 'fulfilled', value: { created: false, task: { id: keyedId } } });
      expect(conflict).toMatchObject({
        status: 'rejected',
        reason: { code: 'conflict', message: expect.stringContaining(`for task ${keyedId}`) },
      });
      expect(delayed).toMatchObject({ status: 'fulfilled', value: { task: { status: 'scheduled' } } });
      expect(full).toMatchObject({ status: 'rejected', reason: { code: 'queue_full' } });
      expect(invalid).toMatchObject({ status: 'rejected', reason: { code: 'invalid' } });
      expect(await new Queue(client, queue).stats()).toMatchObject({ counts: { pending: 3, scheduled: 1 } });
    } finally {
      await client.quit();
    }
  });

  it('answers not_found for unknown tasks and queues, and conflict for canceling a running task', async () => {
    await expect(service.get('default.01M8F54YX7PGR1X8FEA69BWT98')).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(service.get('nonsense')).rejects.toMatchObject({ code: 'not_found' });
    await expect(service.queueStats(randomQueueName())).rejects.toMatchObject({ code: 'not_found' });
    const queue = randomQueueName();
    const { task } = await service.submit({ type: 'x', queue });
    await new Queue(redis, queue).claim(1, 30_000);
    await expect(service.cancel(task.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('lists queue stats, pauses and resumes, and redrives dead letters', async () => {
    const queue = randomQueueName();
    const { task } = await service.submit({ type: 'x', queue, maxAttempts: 1 });
    const q = new Queue(redis, queue);
    const [claimed] = (await q.claim(1, 30_000)).tasks;
    await q.fail([{ ...claimed!, error: 'bad', retryDelayMs: 0 }]);

    expect((await service.listQueues()).map((s) => s.queue)).toContain(queue);
    expect((await service.pause(queue)).paused).toBe(true);
    expect((await service.resume(queue)).paused).toBe(false);
    const page = await service.listTasks(queue, { state: 'dead', limit: '10' });
    expect(page).toMatchObject({
      queue,
      state: 'dead',
      nextCursor: null,
      total: 1,
      tasks: [{ id: task.id, deadReason: 'max_attempts', lastError: 'bad' }],
    });
    expect(await service.requeueDead(queue)).toEqual({ requeued: [task.id], notDead: [] });
    expect((await service.get(task.id)).status).toBe('pending');
  });
});
