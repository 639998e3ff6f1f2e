import { newTaskId } from './ids';
import type { Queue } from './queue';
import type { RedisClient } from './scripts';
import { connect, enqueue, expectConsistent, freshQueue } from './test-support/fixtures';
import type { ArchiveClaim, ArchivedTask, RetentionPolicy } from './types';

let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => redis.quit());

const LEASE = 30_000;
const ARCHIVE_LEASE = 10_000;
const MB = 1024 * 1024;
/** Retention that deletes every finished task at once (age 0), when archiving lets it. */
const NOW: RetentionPolicy = { finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 };
const ARCHIVING = { holdMax: 0 };

/** Completes `n` tasks, all in the same ms (one complete call), and returns their ids. */
async function finish(queue: Queue, n: number): Promise<string[]> {
  const ids = await enqueue(queue, ...Array.from({ length: n }, () => ({})));
  const { tasks } = await queue.claim(n, LEASE);
  await queue.complete(tasks);
  return ids;
}

/** Confirms everything a claim read, as an archiver does once PostgreSQL committed it. */
function confirmAll(queue: Queue, token: string, claim: ArchiveClaim, release = false) {
  return queue.archiveConfirm(
    token,
    claim,
    claim.tasks.map((t: ArchivedTask) => ({ id: t.record.id, status: t.record.status, version: t.version })),
    release,
  );
}

describe('the archive hand-off (ADR 0030)', () => {
  it('holds finished tasks from retention until an archiver confirms them, then retention deletes them', async () => {
    const { queue } = freshQueue(redis);
    const ids = await finish(queue, 3);

    const held = await queue.trim(NOW, 1000, ARCHIVING);
    expect(held).toMatchObject({ done: 0, held: { done: 3, canceled: 0, dead: 0 }, dropped: [] });
    expect(await expectConsistent(queue, ids)).toEqual(Object.fromEntries(ids.map((id) => [id, 'done'])));

    const claim = await queue.archiveClaim('a', ARCHIVE_LEASE, 100, MB);
    expect(claim.code).toBe('ok');
    expect(claim.tasks.map((t) => t.record.id).sort()).toEqual([...ids].sort());
    expect(claim.tasks[0]!.record).toMatchObject({ status: 'done', type: 'test', payload: '{"n":1}' });
    // Claiming deletes nothing: until the confirm, retention still holds them.
    expect((await queue.trim(NOW, 1000, ARCHIVING)).held.done).toBe(3);

    expect(await confirmAll(queue, 'a', claim)).toEqual(['ok', 'ok', 'ok']);
    expect(await queue.trim(NOW, 1000, ARCHIVING)).toMatchObject({ done: 3, held: { done: 0 } });
    for (const id of ids) expect(await queue.getTask(id)).toBeNull();
  });

  it('reads every finished task exactly once across claims, ties of one millisecond included', async () => {
    const { queue, clock } = freshQueue(redis);
    const ids = [...(await finish(queue, 25)), ...(await finish(queue, 10))];
    clock.advance(5);
    const [canceled] = await enqueue(queue, {});
    await queue.cancel(canceled!);
    const seen: string[] = [];
    for (let i = 0; i < 20; i++) {
      const claim = await queue.archiveClaim('a', ARCHIVE_LEASE, 4, MB);
      if (claim.tasks.length === 0) break;
      seen.push(...claim.tasks.map((t) => t.record.id));
      await confirmAll(queue, 'a', claim);
    }
    expect(seen.sort()).toEqual([...ids, canceled!].sort());
    expect((await queue.archiveClaim('a', ARCHIVE_LEASE, 4, MB)).oldestUnarchivedAt).toBeNull();
  });

  it('gives a queue to one archiver at a time: another gets busy until the lease runs out or is given back', async () => {
    const { queue, clock } = freshQueue(redis);
    await finish(queue, 2);
    const first = await queue.archiveClaim('a', ARCHIVE_LEASE, 1, MB);
    expect(first.tasks).toHaveLength(1);
    expect((await queue.archiveClaim('b', ARCHIVE_LEASE, 1, MB)).code).toBe('busy');

    clock.advance(ARCHIVE_LEASE + 1);
    const second = await queue.archiveClaim('b', ARCHIVE_LEASE, 10, MB);
    // b starts from the frontier: a has not confirmed, so b reads a's task again (a duplicate, harmless).
    expect(second.tasks).toHaveLength(2);
    // a's late confirm still marks its task (its row is committed) and moves the frontier forward only.
    expect(await confirmAll(queue, 'a', first)).toEqual(['ok']);
    expect(await confirmAll(queue, 'b', second, true)).toEqual(['ok', 'ok']);
    expect((await queue.archiveClaim('a', ARCHIVE_LEASE, 10, MB)).tasks).toHaveLength(0);
  });

  it('marks nothing for a task that moved on after the read; its later state is read again', async () => {
    const { queue } = freshQueue(redis);
    const [id] = await enqueue(queue, { maxAttempts: 1 });
    const lease = (await queue.claim(1, LEASE)).tasks[0]!;
    await queue.fail([{ ...lease, error: 'boom', retryDelayMs: 0 }]);
    const claim = await queue.archiveClaim('a', ARCHIVE_LEASE, 10, MB);
    expect(claim.tasks.map((t) => t.record.status)).toEqual(['dead']);

    await queue.requeueDead([id!]); // the redrive, between the read and the confirm
    expect(await confirmAll(queue, 'a', claim)).toEqual(['changed']);
    await queue.complete([(await queue.claim(1, LEASE)).tasks[0]!]);
    expect((await queue.trim(NOW, 1000, ARCHIVING)).held.done).toBe(1);

    const again = await queue.archiveClaim('a', ARCHIVE_LEASE, 10, MB);
    expect(again.tasks.map((t) => [t.record.id, t.record.status])).toEqual([[id, 'done']]);
    expect(await confirmAll(queue, 'a', again)).toEqual(['ok']);
    expect((await queue.trim(NOW, 1000, ARCHIVING)).done).toBe(1);
  });

  it('tells the archiver to delete its row when a user deleted the task after the read', async () => {
    const { queue } = freshQueue(redis);
    const [id] = await finish(queue, 1);
    const claim = await queue.archiveClaim('a', ARCHIVE_LEASE, 10, MB);
    expect(await queue.deleteFinished(id!)).toEqual({ code: 'deleted', status: 'done' });
    expect(await confirmAll(queue, 'a', claim)).toEqual(['deleted']);
    expect(await redis.pttl(queue.keys.deleted)).toBeGreaterThan(0);
  });

  it('deletes only finished tasks by id: a waiting one is refused with its status', async () => {
    const { queue } = freshQueue(redis);
    const [waiting] = await enqueue(queue, {});
    expect(await queue.deleteFinished(waiting!)).toEqual({ code: 'not_finished', status: 'pending' });
    expect(await queue.deleteFinished(newTaskId(queue.name))).toEqual({
      code: 'not_found',
      status: null,
    });
  });

  it('past the memory guard deletes the oldest unarchived tasks anyway, and names them', async () => {
    const { queue, clock } = freshQueue(redis);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(...(await finish(queue, 1)));
      clock.advance(1);
    }
    const policy = { ...NOW, finishedMaxAgeMs: 3_600_000, finishedMaxCount: 1 };
    const result = await queue.trim(policy, 1000, { holdMax: 2 });
    expect(result.dropped).toEqual(ids.slice(0, 2));
    expect((await queue.stats()).counts.done).toBe(3);
  });

  it('moves a frontier back to a task finished with a clock behind it, so that it is archived too', async () => {
    const { queue, clock } = freshQueue(redis);
    await finish(queue, 2);
    const claim = await queue.archiveClaim('a', ARCHIVE_LEASE, 10, MB);
    await confirmAll(queue, 'a', claim, true);
    clock.advance(-1000); // e.g. a failover to a replica whose clock is behind
    const [late] = await finish(queue, 1);
    expect((await queue.archiveClaim('a', ARCHIVE_LEASE, 10, MB)).tasks).toHaveLength(0);

    expect((await queue.trim(NOW, 1000, ARCHIVING)).held.done).toBe(1);
    const again = await queue.archiveClaim('a', ARCHIVE_LEASE, 10, MB);
    expect(again.tasks.map((t) => t.record.id)).toContain(late);
    expect(await confirmAll(queue, 'a', again)).not.toContain('changed');
    expect((await queue.trim(NOW, 1000, ARCHIVING)).held.done).toBe(0);
  });

  it('looks without a lease: the age of the oldest unarchived task', async () => {
    const { queue, clock } = freshQueue(redis);
    await finish(queue, 1);
    clock.advance(2500);
    const look = await queue.archiveClaim('a', ARCHIVE_LEASE, 0, MB);
    expect(look.now - look.oldestUnarchivedAt!).toBe(2500);
    expect(look.tasks).toHaveLength(0);
    expect((await queue.archiveClaim('b', ARCHIVE_LEASE, 1, MB)).code).toBe('ok');
  });
});
