import { waitFor } from '@tq/testing';
import { EventFeed } from './event-feed';
import { enqueue, freshQueue, connect } from './test-support/fixtures';
import { PROGRESS_MAX_BYTES } from './queue';
import type { RedisClient } from './scripts';
import type { TaskEvent } from './types';

let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => redis.quit());

const LEASE = 30_000;
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('progress', () => {
  it('stores a number or a small object on the running task, and refuses a stale lease', async () => {
    const { queue, clock } = freshQueue(redis);
    await enqueue(queue, {});
    const [first] = (await queue.claim(1, 1000)).tasks;
    expect(await queue.progress(first!, 40)).toBe('ok');
    expect((await queue.getTask(first!.id))!.progress).toBe('40');
    expect(await queue.progress(first!, { step: 'upload', done: 3, of: 10 })).toBe('ok');
    expect((await queue.getTask(first!.id))!.progress).toBe('{"step":"upload","done":3,"of":10}');

    // The lease expires and another attempt takes the task: the first worker's report is refused.
    clock.advance(1001);
    await queue.reap();
    const [second] = (await queue.claim(1, LEASE)).tasks;
    expect(await queue.progress(first!, 99)).toBe('lease_lost');
    expect(await queue.progress(second!, 5)).toBe('ok');
    expect((await queue.getTask(first!.id))!.progress).toBe('5');
    await queue.complete([second!]);
    expect(await queue.progress(second!, 100)).toBe('lease_lost');
    expect((await queue.getTask(first!.id))!.progress).toBe('5');
  });

  it('refuses values that are not a 0-100 number or a JSON object, saying what to send', async () => {
    const { queue } = freshQueue(redis);
    await enqueue(queue, {});
    const [task] = (await queue.claim(1, LEASE)).tasks;
    for (const bad of [-1, 101, Number.NaN, 'half', null, [1, 2], true]) {
      await expect(queue.progress(task!, bad)).rejects.toMatchObject({
        code: 'invalid',
        message: expect.stringContaining('progress must be a number from 0 to 100 or a JSON object'),
      });
    }
    const big = { text: 'x'.repeat(PROGRESS_MAX_BYTES) };
    await expect(queue.progress(task!, big)).rejects.toMatchObject({
      code: 'too_large',
      message: expect.stringContaining(`the limit is ${PROGRESS_MAX_BYTES}`),
    });
    expect((await queue.getTask(task!.id))!.progress).toBeUndefined();
  });
});

describe('event stream', () => {
  it("writes nothing in 'auto' mode until a reader holds a lease, and stops when it runs out", async () => {
    const { queue, clock } = freshQueue(redis);
    await enqueue(queue, {});
    expect(await redis.exists(queue.keys.events)).toBe(0);

    expect(await queue.listenEvents(5000)).toBe('auto');
    const [id] = await enqueue(queue, {});
    const { events } = await queue.readEvents('0');
    expect(events).toEqual([
      {
        id: expect.stringMatching(/^\d+-\d+$/),
        taskId: id,
        queue: queue.name,
        kind: 'pending',
        at: expect.any(Number),
      },
    ]);

    clock.advance(5001);
    await enqueue(queue, {});
    expect((await queue.readEvents(events[0]!.id)).events).toEqual([]);
  });

  it("follows a task through its states in 'on' mode, with the attempt, the progress and the dead reason", async () => {
    const { queue, clock } = freshQueue(redis);
    await queue.setEventsMode('on');
    expect((await queue.stats()).events).toBe('on');
    const [id] = await enqueue(queue, { maxAttempts: 2, delayMs: 10 });
    clock.advance(10);
    const [t1] = (await queue.claim(1, LEASE)).tasks;
    await queue.progress(t1!, { done: 1 });
    await queue.fail([{ ...t1!, error: 'boom', retryDelayMs: 0 }]);
    const [t2] = (await queue.claim(1, LEASE)).tasks;
    await queue.fail([{ ...t2!, error: 'boom', retryDelayMs: 0 }]);
    const { events } = await queue.readEvents('0');
    expect(events.map((e) => [e.taskId, e.kind, e.value])).toEqual([
      [id, 'scheduled', undefined],
      [id, 'pending', undefined],
      [id, 'running', '1'],
      [id, 'progress', '{"done":1}'],
      [id, 'retry', undefined],
      [id, 'pending', undefined],
      [id, 'running', '2'],
      [id, 'dead', 'max_attempts'],
    ]);
    // Ids increase, and each one's time is Redis time.
    const ids = events.map((e) => e.id);
    expect([...ids].sort()).toEqual(ids);
    expect(events.every((e) => Math.abs(e.at - Date.now()) < 60_000)).toBe(true);
  });

  it("writes nothing in 'off' mode, whatever a reader asks", async () => {
    const { queue } = freshQueue(redis);
    await queue.setEventsMode('off');
    expect(await queue.listenEvents(60_000)).toBe('off');
    await enqueue(queue, {});
    expect(await redis.exists(queue.keys.events)).toBe(0);
    await queue.setEventsMode('auto');
    expect((await queue.stats()).events).toBe('auto');
  });

  it('keeps about the newest 10,000 events of a queue (MAXLEN ~)', async () => {
    const { queue } = freshQueue(redis);
    await queue.setEventsMode('on');
    for (let i = 0; i < 11; i++) await enqueue(queue, ...Array.from({ length: 1000 }, () => ({})));
    const length = await redis.xlen(queue.keys.events);
    expect(length).toBeGreaterThanOrEqual(10_000);
    expect(length).toBeLessThan(10_200);
    const { oldest } = await queue.readEvents('0', 1);
    expect(oldest).not.toBeNull();
    expect(await queue.lastEventId()).not.toBe('0-0');
  });
});

describe('trace context', () => {
  it('stores a traceparent with the task and hands it to the worker that claims it', async () => {
    const { queue } = freshQueue(redis);
    const [withTrace] = await enqueue(queue, { traceparent: TRACEPARENT });
    const [without] = await enqueue(queue, {});
    const { tasks } = await queue.claim(2, LEASE);
    expect(tasks.map((t) => [t.id, t.traceparent])).toEqual([
      [withTrace, TRACEPARENT],
      [without, undefined],
    ]);
    expect((await queue.getTask(withTrace!))!.traceparent).toBe(TRACEPARENT);
    // Without one, the hash holds no field for it: no bytes spent.
    expect(await redis.hexists(queue.keys.taskPrefix + without!.split('.')[1], 'traceparent')).toBe(0);
  });
});

describe('EventFeed', () => {
  const feeds: EventFeed[] = [];
  afterAll(() => Promise.all(feeds.map((f) => f.stop())));

  /** A feed whose XREAD blocks for a minute: anything delivered sooner did not wait for the block to end. */
  function newFeed(): EventFeed {
    const feed = new EventFeed(redis, { blockMs: 60_000 });
    feeds.push(feed);
    return feed;
  }

  it('fans the events of several queues out to every listener over one blocking connection', async () => {
    const feed = newFeed();
    const a = freshQueue(redis).queue;
    const b = freshQueue(redis).queue;
    const seen: Record<string, string[]> = { a1: [], a2: [], b: [] };
    const listen = (name: string) => (events: TaskEvent[]) =>
      seen[name]!.push(...events.map((e) => `${e.taskId} ${e.kind}`));
    const subA1 = await feed.subscribe(a.name, listen('a1'));
    expect(subA1).toMatchObject({ position: '0-0', mode: 'auto' });
    // B joins while the reader is blocked on A alone: it is read at once, not after the minute.
    await feed.subscribe(b.name, listen('b'));
    await feed.subscribe(a.name, listen('a2'));
    const [inA] = await enqueue(a, {});
    const [inB] = await enqueue(b, {});
    await waitFor(() => seen.a1!.length === 1 && seen.a2!.length === 1 && seen.b!.length === 1, {
      timeoutMs: 10_000,
      message: 'events reaching every listener',
    });
    expect(seen).toEqual({ a1: [`${inA} pending`], a2: [`${inA} pending`], b: [`${inB} pending`] });
    // One XREAD cannot span Cluster slots: there, one connection per queue.
    expect(feed.size.connections).toBe((redis as { isCluster?: boolean }).isCluster ? 2 : 1);

    // The last listener of A leaves: A's events are no longer read (its lease lapses later on its own).
    subA1.unsubscribe();
    (await feed.subscribe(a.name, () => {})).unsubscribe();
    expect(feed.size).toMatchObject({ queues: 2, listeners: 2 });
  });

  it("reports a queue whose events are 'off'", async () => {
    const feed = newFeed();
    const { queue } = freshQueue(redis);
    await queue.setEventsMode('off');
    const sub = await feed.subscribe(queue.name, () => {});
    expect(sub.mode).toBe('off');
    sub.unsubscribe();
  });

  it("tells a listener when its queue's events are turned 'off' after it subscribed", async () => {
    // A lease of 300 ms: the feed renews it, and reads the mode, every 100 ms.
    const feed = new EventFeed(redis, { blockMs: 60_000, listenLeaseMs: 300 });
    feeds.push(feed);
    const { queue } = freshQueue(redis);
    let offs = 0;
    const sub = await feed.subscribe(
      queue.name,
      () => {},
      () => offs++,
    );
    expect(sub.mode).toBe('auto');
    await queue.setEventsMode('off');
    await waitFor(() => offs > 0, { timeoutMs: 10_000, message: "the feed seeing the events 'off'" });
    sub.unsubscribe();
  });
});

describe('queue removal', () => {
  it('keeps a queue whose events are being listened to, and deletes its event stream with it once the lease lapsed', async () => {
    const { queue, clock } = freshQueue(redis);
    await queue.listenEvents(5000);
    await enqueue(queue, {});
    const [task] = (await queue.claim(1, LEASE)).tasks;
    await queue.complete([task!]);
    await queue.trim({ finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 });
    expect(await redis.exists(queue.keys.events)).toBe(1);
    expect((await queue.remove('idle')).code).toBe('served');

    clock.advance(5001);
    expect((await queue.remove('idle')).code).toBe('removed');
    expect(await redis.exists(queue.keys.events, queue.keys.meta)).toBe(0);
  });
});
