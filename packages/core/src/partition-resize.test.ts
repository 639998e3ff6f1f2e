import { randomQueueName, waitFor } from '@tq/testing';
import { ManualClock } from './clock';
import { closeRedis } from './connection';
import { newTaskId, parseTaskId } from './ids';
import { QUEUES_KEY, queueKeys } from './keys';
import { PartitionedQueue, REMOVED_LAYOUT_TTL_MS, readLayout } from './partitions';
import { Queue } from './queue';
import { QueueDirectory } from './queue-directory';
import type { RedisClient } from './scripts';
import { connect, expectConsistent } from './test-support/fixtures';
import type { ClaimedTask, NewTask } from './types';

/**
 * Resizing a partitioned queue (ADR 0043), on a single Redis by `test` and on a 3-master Cluster by
 * `test:cluster`: growing is online, shrinking drains, an idempotency key is never stored twice because
 * the count changed, and of two concurrent resizes one wins.
 */
let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => closeRedis(redis));

const SETTLE = { settleMs: 1000, idempotencyWindowMs: 600_000 };
const WINDOW = 600_000;

/** A queue of `partitions` partitions whose creation (itself a resize from one partition) has settled. */
async function fresh(partitions: number) {
  const clock = new ManualClock();
  const queue = await PartitionedQueue.create(redis, randomQueueName('resize'), partitions, clock, SETTLE);
  clock.advance(SETTLE.settleMs);
  return { queue, clock };
}

function task(queue: { name: string }, extra: Partial<NewTask> = {}): NewTask {
  return { id: newTaskId(queue.name), type: 't', payload: '{}', maxAttempts: 2, ...extra };
}

const keyed = (queue: { name: string }, key: string) =>
  task(queue, { idempotencyKey: key, fingerprint: 'f', idempotencyWindowMs: WINDOW });

const partitionOf = (id: string) => parseTaskId(id)!.partition ?? 0;

/** Claims and completes until the queue has nothing left to claim; returns the ids run, in order. */
async function drain(queue: PartitionedQueue, running: ClaimedTask[] = []): Promise<string[]> {
  const ran: string[] = [];
  if (running.length > 0) {
    expect(await queue.complete(running)).toEqual(running.map(() => 'ok'));
    ran.push(...running.map((t) => t.id));
  }
  for (;;) {
    const { tasks } = await queue.claim(10, 10_000);
    if (tasks.length === 0) return ran;
    expect(await queue.complete(tasks)).toEqual(tasks.map(() => 'ok'));
    ran.push(...tasks.map((t) => t.id));
  }
}

describe('PartitionedQueue.resize', () => {
  it('grows 2 -> 4 online: tasks in flight finish, new tasks use all 4, and an idempotency key stays one task', async () => {
    const { queue: before, clock } = await fresh(2);
    await before.setLimits({ concurrency: 4 });
    const old = await before.enqueue([
      ...Array.from({ length: 10 }, () => task(before)),
      ...Array.from({ length: 20 }, (_, i) => keyed(before, `k${i}`)),
    ]);
    const inFlight = (await before.claim(4, 10_000)).tasks;
    expect(inFlight).toHaveLength(4);

    const after = await before.resize(4, SETTLE);
    expect(after.layout).toMatchObject({ count: 4, generation: 2 });
    expect(after.count).toBe(4);
    expect(after.draining).toEqual([]);
    expect(after.layout.suffixes.slice(0, 2)).toEqual(before.layout.suffixes);
    // The limit is split again over four partitions.
    expect(await Promise.all(after.partitions.map((p) => p.limits()))).toEqual(
      [1, 1, 1, 1].map((concurrency) => ({ concurrency })),
    );
    expect((await after.limits()).concurrency).toBe(4);

    // Tasks without a key spread over all four at once.
    const spread = await after.enqueue(Array.from({ length: 8 }, () => task(after)));
    expect(new Set(spread.map((o) => partitionOf(o.id)))).toEqual(new Set([0, 1, 2, 3]));

    // While it settles, the old layout (a process that has not read it again) and the new one agree:
    // keys seen before and keys new now are each one task, whichever producer sends them first.
    const firstSeen = await after.enqueue(Array.from({ length: 20 }, (_, i) => keyed(after, `k${i}`)));
    expect(firstSeen.map((o) => o.status)).toEqual(firstSeen.map(() => 'existing'));
    expect(firstSeen.map((o) => o.id)).toEqual(old.slice(10).map((o) => o.id));
    const stale = await before.enqueue(Array.from({ length: 10 }, (_, i) => keyed(before, `s${i}`)));
    const fresh10 = await after.enqueue(Array.from({ length: 10 }, (_, i) => keyed(after, `s${i}`)));
    expect(fresh10.map((o) => o.status)).toEqual(fresh10.map(() => 'existing'));
    expect(fresh10.map((o) => o.id)).toEqual(stale.map((o) => o.id));
    expect(new Set(stale.map((o) => partitionOf(o.id)).filter((p) => p > 1))).toEqual(new Set());
    // New keys sent first by a process with the new layout, then by one with the old: still one task each.
    const freshFirst = await after.enqueue(Array.from({ length: 10 }, (_, i) => keyed(after, `t${i}`)));
    const staleSecond = await before.enqueue(Array.from({ length: 10 }, (_, i) => keyed(before, `t${i}`)));
    expect(staleSecond.map((o) => o.status)).toEqual(staleSecond.map(() => 'existing'));
    expect(staleSecond.map((o) => o.id)).toEqual(freshFirst.map((o) => o.id));

    // Settled: keys seen under the old count are found where it put them; new keys use all four.
    clock.advance(SETTLE.settleMs);
    const again = await after.enqueue([
      ...Array.from({ length: 20 }, (_, i) => keyed(after, `k${i}`)),
      ...Array.from({ length: 10 }, (_, i) => keyed(after, `s${i}`)),
    ]);
    expect(again.map((o) => o.status)).toEqual(again.map(() => 'existing'));
    expect(again.map((o) => o.id)).toEqual([...old.slice(10), ...stale].map((o) => o.id));
    const conflicting = await after.enqueue([{ ...keyed(after, 'k3'), fingerprint: 'other' }]);
    expect(conflicting[0]).toMatchObject({ status: 'conflict', id: old[13]!.id });
    const later = await after.enqueue(Array.from({ length: 40 }, (_, i) => keyed(after, `m${i}`)));
    expect(later.every((o) => o.status === 'created')).toBe(true);
    expect(new Set(later.map((o) => partitionOf(o.id)))).toEqual(new Set([0, 1, 2, 3]));
    const laterAgain = await after.enqueue(Array.from({ length: 40 }, (_, i) => keyed(after, `m${i}`)));
    expect(laterAgain.map((o) => o.id)).toEqual(later.map((o) => o.id));

    // Everything runs once: 30 before, 8 spread, 20 keys while settling, 40 after.
    const ran = await drain(after, inFlight);
    expect(ran).toHaveLength(30 + 8 + 20 + 40);
    expect(new Set(ran).size).toBe(ran.length);
    expect((await after.stats()).counts).toMatchObject({ pending: 0, running: 0, done: 98 });
    for (const p of after.partitions) {
      await expectConsistent(
        p,
        ran.filter((id) => partitionOf(id) === p.partition),
      );
    }
  });

  it('shrinks 4 -> 2 by draining: tasks in the removed partitions all run, then the partitions go', async () => {
    const { queue: before, clock } = await fresh(4);
    await before.setLimits({ concurrency: 8 });
    const old = await before.enqueue([
      ...Array.from({ length: 40 }, () => task(before)),
      ...Array.from({ length: 20 }, (_, i) => keyed(before, `k${i}`)),
    ]);
    const inRemoved = old.filter((o) => partitionOf(o.id) >= 2);
    expect(inRemoved.length).toBeGreaterThan(20);
    const inFlight = (await before.claim(6, 10_000)).tasks;

    const after = await before.resize(2, SETTLE);
    expect(after.layout).toMatchObject({ count: 2, generation: 2 });
    expect(after.count).toBe(4);
    expect(after.draining).toEqual([2, 3]);
    // Draining partitions keep their shares until they go: the limit still holds over all four.
    expect((await after.limits()).concurrency).toBe(8);

    const spread = await after.enqueue(Array.from({ length: 10 }, () => task(after)));
    expect(new Set(spread.map((o) => partitionOf(o.id)))).toEqual(new Set([0, 1]));
    expect(await after.dropDrained()).toEqual([]); // settling: a process may still send there

    clock.advance(SETTLE.settleMs);
    const settled = await after.enqueue(Array.from({ length: 20 }, (_, i) => keyed(after, `k${i}`)));
    expect(settled.map((o) => o.id)).toEqual(old.slice(40).map((o) => o.id));
    const fresh20 = await after.enqueue(Array.from({ length: 20 }, (_, i) => keyed(after, `n${i}`)));
    expect(new Set(fresh20.map((o) => partitionOf(o.id)))).toEqual(new Set([0, 1]));
    expect(await after.dropDrained()).toEqual([]); // tasks left in them

    const ran = await drain(after, inFlight);
    expect(new Set(ran)).toEqual(new Set([...old, ...spread, ...fresh20].map((o) => o.id)));
    expect(ran).toHaveLength(60 + 10 + 20);
    expect(await after.dropDrained()).toEqual([]); // finished tasks are kept until retention trims them
    await after.trim({ finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 });
    expect(await after.dropDrained()).toEqual([3, 2]);

    const reopened = await PartitionedQueue.open(redis, after.name, clock);
    expect(reopened.layout).toMatchObject({ count: 2, generation: 3 });
    expect(reopened.count).toBe(2);
    expect(reopened.draining).toEqual([]);
    for (const p of after.partitions.slice(2)) {
      expect(await redis.exists(p.keys.meta, p.keys.registered, p.keys.done, p.keys.running)).toBe(0);
    }
    // Their shares went to the partitions left.
    expect(await Promise.all(reopened.partitions.map((p) => p.limits()))).toEqual([
      { concurrency: 4 },
      { concurrency: 4 },
    ]);
    // A key first seen in a removed partition is still that task while its record lives.
    const replay = await reopened.enqueue(Array.from({ length: 20 }, (_, i) => keyed(reopened, `k${i}`)));
    expect(replay.map((o) => o.status)).toEqual(replay.map(() => 'existing'));
    expect(replay.map((o) => o.id)).toEqual(old.slice(40).map((o) => o.id));
    expect(await reopened.dropDrained()).toEqual([]);
  });

  it('of two concurrent resizes one wins, the other gets conflict; none while the last one settles', async () => {
    const { queue, clock } = await fresh(2);
    const a = await PartitionedQueue.open(redis, queue.name, clock);
    const b = await PartitionedQueue.open(redis, queue.name, clock);
    const results = await Promise.allSettled([a.resize(3, SETTLE), b.resize(4, SETTLE)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toMatchObject({ code: 'conflict' });
    const layout = await readLayout(redis, queue.name);
    expect(layout.generation).toBe(2);
    expect([3, 4]).toContain(layout.count);
    // A resize from the old layout is stale, whenever it comes.
    await expect(queue.resize(5, SETTLE)).rejects.toMatchObject({ code: 'conflict' });
    const current = await PartitionedQueue.open(redis, queue.name, clock);
    await expect(current.resize(5, SETTLE)).rejects.toMatchObject({ code: 'conflict' }); // settling
    clock.advance(SETTLE.settleMs);
    expect((await current.resize(5, SETTLE)).layout).toMatchObject({ count: 5, generation: 3 });
    // The creation is the oldest generation held: the implicit one partition (ADR 0050).
    expect((await readLayout(redis, queue.name)).history.map((h) => h.count)).toEqual([layout.count, 2, 1]);
    await expect(current.resize(0)).rejects.toMatchObject({ code: 'invalid' });
  });

  it('refuses a count that would leave a partition without a limit share', async () => {
    const { queue } = await fresh(2);
    await queue.setLimits({ concurrency: 3 });
    // The message names the count asked for (not the queue's 2) and what to do.
    await expect(queue.resize(4, SETTLE)).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(
        /concurrency 3 is below 4 partitions.*set concurrency to 4 or more, or clear/,
      ),
    });
    expect((await readLayout(redis, queue.name)).generation).toBe(1);
  });

  it('opens a layout stored before resizing existed unchanged, and resizes it', async () => {
    const name = randomQueueName('resize');
    await redis.hset(queueKeys(name).meta, 'partitions', 3, 'partitionGen', 1, 'partitionTags', '0,0,0');
    const stored = await readLayout(redis, name);
    expect(stored).toEqual({ count: 3, generation: 1, suffixes: [0, 0, 0], history: [] });
    const clock = new ManualClock();
    const grown = await PartitionedQueue.resize(redis, name, 4, SETTLE, clock);
    expect(grown.layout).toMatchObject({ count: 4, generation: 2 });
    expect(grown.layout.suffixes.slice(0, 3)).toEqual([0, 0, 0]);
  });

  it('partitions an unpartitioned queue: its idempotency keys still answer with their task', async () => {
    const name = randomQueueName('resize');
    const clock = new ManualClock();
    const plain = new Queue(redis, name, clock);
    const first = await plain.enqueue(Array.from({ length: 12 }, (_, i) => keyed(plain, `p${i}`)));
    const grown = await PartitionedQueue.resize(redis, name, 3, SETTLE, clock);
    expect(grown.layout.history[0]).toMatchObject({ generation: 0, count: 1 });
    clock.advance(SETTLE.settleMs);
    const replay = await grown.enqueue(Array.from({ length: 12 }, (_, i) => keyed(grown, `p${i}`)));
    expect(replay.map((o) => o.id)).toEqual(first.map((o) => o.id));
    expect(replay.map((o) => o.status)).toEqual(replay.map(() => 'existing'));
    expect((await grown.stats()).counts.pending).toBe(12);
  });

  it('stores enqueue calls in the order they were made while an earlier one looks its keys up', async () => {
    const name = randomQueueName('resize');
    const clock = new ManualClock();
    const grown = await PartitionedQueue.resize(redis, name, 3, SETTLE, clock);
    clock.advance(SETTLE.settleMs);
    // A partition key that lands away from partition 0, where generation 0 (one partition) held the keys.
    const partitionKey = ['a', 'b', 'c', 'd', 'e', 'f'].find(
      (k) => grown.pick(task(grown, { partitionKey: k })) !== 0,
    )!;
    // The first call reads generation 0's record of its key (a round trip) before it sends; the second
    // has no key to look up, and still goes after it.
    const [first, second] = await Promise.all([
      grown.enqueue([{ ...keyed(grown, 'looked-up'), partitionKey }]),
      grown.enqueue([task(grown, { partitionKey })]),
    ]);
    const { tasks } = await grown.claim(10, 10_000);
    expect(tasks.map((t) => t.id)).toEqual([first[0]!.id, second[0]!.id]);
  });

  it('partitions a queue that processes hold unpartitioned: a key submitted through both is one task', async () => {
    // Keys whose partition among 3 is not 0: a process that read "no layout" puts them in partition 0.
    const three = new PartitionedQueue(redis, 'x', {
      count: 3,
      generation: 1,
      suffixes: [0, 0, 0],
      history: [],
    });
    const keys = Array.from({ length: 60 }, (_, i) => `c${i}`).filter(
      (k) => three.pick({ ...task(three), idempotencyKey: k }) !== 0,
    );
    const name = randomQueueName('resize');
    const clock = new ManualClock();
    let now = 0;
    const options = { layoutTtlMs: 5000, now: () => now };
    const stale = new QueueDirectory(redis, clock, options);
    const fresher = new QueueDirectory(redis, clock, options);
    expect((await stale.open(name, { create: true })).count).toBe(1);
    await PartitionedQueue.create(redis, name, 3, clock, SETTLE);
    const current = await fresher.open(name, { create: true });
    expect(current.count).toBe(3);
    // Within the directory's TTL: one process routes by the old layout, the other by the new.
    now += 4000;
    const holder = await stale.open(name, { create: true });
    expect(holder.count).toBe(1);
    const early = keys.slice(0, 6);
    const a = await holder.enqueue(early.map((k) => keyed(holder, k)));
    const b = await current.enqueue(early.map((k) => keyed(current, k)));
    expect(b.map((o) => o.id)).toEqual(a.map((o) => o.id));
    expect(b.map((o) => o.status)).toEqual(early.map(() => 'existing'));
    // In the other order, too.
    const late = keys.slice(6, 12);
    const c = await current.enqueue(late.map((k) => keyed(current, k)));
    const d = await holder.enqueue(late.map((k) => keyed(holder, k)));
    expect(d.map((o) => o.id)).toEqual(c.map((o) => o.id));
    // Settled: keys go to their partition among 3, and those stored in partition 0 still answer.
    clock.advance(SETTLE.settleMs);
    now += 5000;
    const settled = await stale.open(name, { create: true });
    expect(settled.count).toBe(3);
    const again = await settled.enqueue([...early, ...late].map((k) => keyed(settled, k)));
    expect(again.map((o) => o.id)).toEqual([...a, ...c].map((o) => o.id));
    const next = await settled.enqueue(keys.slice(12, 18).map((k) => keyed(settled, k)));
    expect(next.every((o) => o.status === 'created' && partitionOf(o.id) !== 0)).toBe(true);
    expect((await settled.stats()).counts.pending).toBe(18);
  });

  it.each(['idle', 'delete'] as const)(
    'a removal (%s) takes a resized queue out of the registry and keeps its layout, history included, for a while',
    async (mode) => {
      const { queue, clock } = await fresh(2);
      await queue.enqueue([task(queue)]);
      const grown = await queue.resize(3, SETTLE);
      expect(await drain(grown)).toHaveLength(1);
      await grown.trim({ finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 });
      expect(await grown.remove(mode)).toMatchObject({ code: 'removed' });
      expect(await readLayout(redis, queue.name)).toEqual(grown.layout);
      // Kept past the longest idempotency window (ADR 0050), not for ever.
      const meta = queueKeys(queue.name).meta;
      const ttl = await redis.pttl(meta);
      expect(ttl).toBeGreaterThan(REMOVED_LAYOUT_TTL_MS - 60_000);
      expect(ttl).toBeLessThanOrEqual(REMOVED_LAYOUT_TTL_MS);
      // Created again with the same count, and a task in it: the layout is kept for good again.
      const again = await PartitionedQueue.create(redis, queue.name, 3, clock, SETTLE);
      expect(again.layout).toEqual(grown.layout);
      const [stored] = await again.enqueue([task(again)]);
      expect(await again.getTask(stored!.id)).toMatchObject({ status: 'pending' });
      expect(await redis.pttl(meta)).toBe(-1);
      expect(await redis.sismember(QUEUES_KEY, queue.name)).toBe(1);
    },
  );

  it('a removed queue whose layout expired comes back as a new queue, created again with any count', async () => {
    const { queue, clock } = await fresh(3);
    await queue.enqueue([task(queue)]);
    expect(await drain(queue)).toHaveLength(1);
    await queue.trim({ finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 });
    expect(await queue.remove('delete')).toMatchObject({ code: 'removed' });
    await redis.pexpire(queueKeys(queue.name).meta, 1); // its TTL, run out
    await waitFor(async () => (await redis.exists(queueKeys(queue.name).meta)) === 0, {
      message: 'the layout expired',
    });
    const other = await PartitionedQueue.create(redis, queue.name, 2, clock, SETTLE);
    expect(other.layout).toMatchObject({ count: 2, generation: 1 });
  });

  it('reaches every process through the directory within its TTL; until then a stale worker claims the partitions it knows', async () => {
    const { queue, clock } = await fresh(2);
    let now = 0;
    const directory = new QueueDirectory(redis, clock, { layoutTtlMs: 500, now: () => now });
    const seen = await directory.open(queue.name);
    await queue.resize(4, SETTLE);
    expect(await directory.open(queue.name)).toBe(seen); // stale, within the TTL
    const fresh4 = await PartitionedQueue.open(redis, queue.name, clock);
    const ids = (await fresh4.enqueue(Array.from({ length: 8 }, () => task(fresh4)))).map((o) => o.id);
    const staleRun = await drain(seen);
    expect(staleRun.every((id) => partitionOf(id) < 2)).toBe(true);
    now += 500;
    const reread = await directory.open(queue.name);
    expect(reread.count).toBe(4);
    expect(new Set([...staleRun, ...(await drain(reread))])).toEqual(new Set(ids));
  });
});
