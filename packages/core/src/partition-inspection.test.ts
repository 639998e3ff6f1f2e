import { randomQueueName } from '@tq/testing';
import { ManualClock } from './clock';
import { closeRedis } from './connection';
import { newTaskId, parseTaskId } from './ids';
import { PartitionedQueue } from './partitions';
import type { RedisClient } from './scripts';
import { connect } from './test-support/fixtures';
import type { NewTask, TaskStatus, TaskSummaryRecord } from './types';

/**
 * A partitioned queue read as one (ADR 0042): merged task pages under one cursor, merged event reads. Runs
 * on a single Redis by `test` and on a 3-master Cluster by `test:cluster`.
 */
let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => closeRedis(redis));

async function fresh(partitions = 3) {
  const clock = new ManualClock();
  const queue = await PartitionedQueue.create(redis, randomQueueName('insp'), partitions, clock);
  return { queue, clock };
}

function task(queue: PartitionedQueue, extra: Partial<NewTask> = {}): NewTask {
  return { id: newTaskId(queue.name), type: 't', payload: '{}', maxAttempts: 1, ...extra };
}

/** Every page of `state` from the start, calling `between` after each page. */
async function walk(
  queue: PartitionedQueue,
  state: TaskStatus,
  limit: number,
  options: { type?: string; scanBudget?: number; between?: () => Promise<void> } = {},
): Promise<TaskSummaryRecord[][]> {
  const pages: TaskSummaryRecord[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 500; i++) {
    const page = await queue.listTasks(state, {
      limit,
      cursor,
      type: options.type,
      scanBudget: options.scanBudget,
    });
    expect(page.tasks.length).toBeLessThanOrEqual(limit);
    pages.push(page.tasks);
    await options.between?.();
    if (page.next === null) return pages;
    cursor = page.next;
  }
  throw new Error('the walk never ended');
}

describe('PartitionedQueue.listTasks (one cursor over the partitions)', () => {
  it('pages pending in claim order across partitions; a task that stays pending is never skipped while others are claimed', async () => {
    const { queue } = await fresh();
    const ids = (
      await queue.enqueue(Array.from({ length: 60 }, (_, i) => task(queue, { priority: (i * 7) % 10 })))
    ).map((o) => o.id);
    expect(new Set(ids.map((id) => parseTaskId(id)!.partition ?? 0)).size).toBe(3);
    const claimed = new Set<string>();
    const pages = await walk(queue, 'pending', 7, {
      between: async () => {
        for (const t of (await queue.claim(2, 60_000)).tasks) claimed.add(t.id);
      },
    });
    const seen = new Set(pages.flat().map((t) => t.id));
    const stayed = ids.filter((id) => !claimed.has(id));
    expect(stayed.filter((id) => !seen.has(id))).toEqual([]);
    // Each page in claim order: priority 9 first.
    for (const page of pages) {
      const priorities = page.map((t) => t.priority);
      expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
    }
  });

  it('pages the sorted-set states in their order across partitions, each task once', async () => {
    const { queue, clock } = await fresh();
    const created: string[] = [];
    for (let i = 0; i < 30; i++) {
      // A batch split by partition shares one time per partition: equal scores across partitions.
      const batch = await queue.enqueue([task(queue), task(queue), task(queue)]);
      created.push(...batch.map((o) => o.id));
      clock.advance(i % 4 === 0 ? 0 : 10);
    }
    const leases = [];
    while (leases.length < created.length) leases.push(...(await queue.claim(50, 60_000)).tasks);
    for (const [i, lease] of leases.entries()) {
      await queue.complete([lease]);
      if (i % 5 === 0) clock.advance(1);
    }
    const pages = await walk(queue, 'done', 8);
    const ids = pages.flat().map((t) => t.id);
    expect(ids).toHaveLength(created.length);
    expect(new Set(ids)).toEqual(new Set(created));
    const finished = pages.flat().map((t) => t.finishedAt!);
    expect(finished).toEqual([...finished].sort((a, b) => b - a));
  });

  it('with a type filter and a small scan budget, pages may be short, and together hold every task of the type', async () => {
    const { queue } = await fresh();
    const rare: string[] = [];
    for (let i = 0; i < 90; i++) {
      const [o] = await queue.enqueue([task(queue, { type: i % 10 === 0 ? 'rare' : 'common' })]);
      if (i % 10 === 0) rare.push(o!.id);
    }
    const pages = await walk(queue, 'pending', 5, { type: 'rare', scanBudget: 5 });
    expect(pages.length).toBeGreaterThan(2);
    const ids = pages.flat().map((t) => t.id);
    expect(ids.sort()).toEqual([...rare].sort());
  });

  it('holds the scan budget for the whole page: the partitions asked share it', async () => {
    const { queue } = await fresh();
    await queue.enqueue(Array.from({ length: 90 }, () => task(queue, { type: 'common' })));
    const page = await queue.listTasks('pending', { type: 'rare', limit: 2, scanBudget: 30 });
    expect(page).toMatchObject({ tasks: [], scanned: 30 });
    expect(page.next).not.toBeNull();
    const pages = await walk(queue, 'pending', 2, { type: 'rare', scanBudget: 30 });
    expect(pages.flat()).toEqual([]);
  });

  it('refuses a cursor of another state or another partition count', async () => {
    const { queue } = await fresh();
    await queue.enqueue(Array.from({ length: 6 }, () => task(queue)));
    const page = await queue.listTasks('pending', { limit: 1 });
    await expect(queue.listTasks('dead', { cursor: page.next! })).rejects.toMatchObject({ code: 'invalid' });
    const other = new PartitionedQueue(redis, queue.name, {
      ...queue.layout,
      count: 2,
      suffixes: queue.layout.suffixes.slice(0, 2),
    });
    await expect(other.listTasks('pending', { cursor: page.next! })).rejects.toThrow(/made for 3 partitions/);
  });
});

describe('PartitionedQueue.readEvents (ids carry every partition position)', () => {
  it('reads the events of every partition after a position, in pages, each event once', async () => {
    const { queue } = await fresh();
    await queue.setEventsMode('on');
    const ids = (await queue.enqueue(Array.from({ length: 40 }, () => task(queue)))).map((o) => o.id);
    const seen: string[] = [];
    let after = '0-0';
    for (let i = 0; i < 100; i++) {
      const { events, trimmed } = await queue.readEvents(after, 7);
      expect(trimmed).toBe(false);
      if (events.length === 0) break;
      seen.push(...events.map((e) => e.taskId));
      after = events.at(-1)!.id;
      expect(after.split('_')).toHaveLength(3);
    }
    expect(seen.sort()).toEqual([...ids].sort());
    await expect(queue.readEvents('1-0')).rejects.toMatchObject({ code: 'invalid' });
  });

  it('says trimmed when any partition dropped events after its position, one that had none at the id included', async () => {
    const { queue } = await fresh();
    await queue.setEventsMode('on');
    const [first] = await queue.partitions[0]!.enqueue([task(queue)]);
    const { events } = await queue.readEvents('0-0');
    const seen = events.find((e) => e.taskId === first!.id)!.id;
    expect(seen.split('_').slice(1)).toEqual(['0-0', '0-0']);
    expect((await queue.readEvents(seen)).trimmed).toBe(false);
    // Partition 1 (at '0-0' in the id) gets an event the client never saw, then drops it.
    await queue.partitions[1]!.enqueue([{ ...task(queue), id: newTaskId(queue.name, undefined, 1) }]);
    expect((await queue.readEvents(seen)).trimmed).toBe(false);
    await redis.xtrim(queue.partitions[1]!.keys.events, 'MAXLEN', 0);
    expect((await queue.readEvents(seen)).trimmed).toBe(true);
    // Partition 0 (at the first event) drops everything after it too: trimmed, though it holds nothing now.
    const other = await fresh();
    await other.queue.setEventsMode('on');
    await other.queue.partitions[0]!.enqueue([task(other.queue), task(other.queue)]);
    const at = (await other.queue.readEvents('0-0', 1)).events[0]!.id;
    await redis.xtrim(other.queue.partitions[0]!.keys.events, 'MAXLEN', 0);
    expect((await other.queue.readEvents(at)).trimmed).toBe(true);
    expect((await other.queue.readEvents('0-0')).trimmed).toBe(false);
  });
});
