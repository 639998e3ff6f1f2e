import type { TaskRecord } from '@tq/core';
import { startPostgresServer, startTestPostgres, type TestPostgres } from '@tq/testing';
import { HistoryStore } from './history-store';

let pg: TestPostgres;
let store: HistoryStore;
beforeAll(async () => {
  pg = await startTestPostgres();
  store = new HistoryStore({ url: pg.url });
  await store.migrate();
});
afterAll(async () => {
  await store?.close();
  await pg?.stop();
});

const T0 = Date.UTC(2026, 10, 1);
let serial = 0;

/** A finished task record; ids are unique per call. */
function record(overrides: Partial<TaskRecord> = {}): TaskRecord {
  serial++;
  return {
    id: `hist.${String(serial).padStart(26, '0')}`,
    queue: 'hist',
    type: 'email',
    payload: '{"to":"a@example.com"}',
    status: 'done',
    attempt: 1,
    maxAttempts: 3,
    priority: 0,
    createdAt: T0,
    startedAt: T0 + 10,
    finishedAt: T0 + 20,
    result: '{"ok":true}',
    errors: [],
    ...overrides,
  };
}

describe('HistoryStore against a real PostgreSQL', () => {
  it('migrates once, from several processes at once', async () => {
    const others = [new HistoryStore({ url: pg.url }), new HistoryStore({ url: pg.url })];
    try {
      const applied = await Promise.all(others.map((s) => s.migrate()));
      expect(applied).toEqual([[], []]); // beforeAll applied them; nothing twice
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
  });

  it('keeps one row per task: a replay changes nothing, a later state replaces it, an earlier one never does', async () => {
    const dead = record({ status: 'dead', attempt: 3, deadReason: 'permanent', lastError: 'boom' });
    expect(await store.upsert([dead])).toBe(1);
    expect(await store.upsert([dead])).toBe(0);

    const done = { ...dead, status: 'done' as const, attempt: 1, finishedAt: dead.finishedAt! + 5000 };
    delete done.deadReason;
    expect(await store.upsert([done])).toBe(1);
    expect(await store.upsert([dead])).toBe(0); // a late replay of the earlier state
    expect(await store.find(dead.id)).toMatchObject({
      status: 'done',
      finishedAt: done.finishedAt,
      attempt: 1,
      payload: dead.payload,
      result: '{"ok":true}',
    });
    // Both states in one batch: the later one wins.
    const twice = record({ status: 'dead' });
    await store.upsert([{ ...twice, status: 'done', finishedAt: twice.finishedAt! + 1 }, twice]);
    expect((await store.find(twice.id))!.status).toBe('done');
  });

  it('round-trips every field of a task, and archives text PostgreSQL would refuse', async () => {
    const full = record({
      status: 'dead',
      timeoutMs: 5000,
      runAt: T0 + 1,
      errors: [{ attempt: 1, at: T0 + 15, error: 'x' }],
      lastError: 'nul \u0000 inside',
      deadReason: 'attempts',
      idempotencyKey: 'k-1',
      progress: '{"step":2}',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      group: 'tenant-7',
      workerId: 'w-host-1234-ab',
      schedule: { id: 'nightly', slot: T0, missed: 2 },
    });
    await store.upsert([full]);
    expect(await store.find(full.id)).toEqual({ ...full, lastError: 'nul \uFFFD inside' });
    expect(await store.find('hist.nosuchtask')).toBeNull();
  });

  it('searches by queue, type, status and time, newest first, cursor-paged without gaps or repeats', async () => {
    const rows: TaskRecord[] = [];
    for (let i = 0; i < 30; i++) {
      rows.push(
        record({
          queue: i % 2 ? 'search-a' : 'search-b',
          type: i % 3 ? 'email' : 'sms',
          status: i % 5 ? 'done' : 'dead',
          // Pairs share a millisecond: the id breaks the tie.
          finishedAt: T0 + 100_000 + Math.floor(i / 2),
        }),
      );
    }
    await store.upsert(rows);
    const all = async (query: Parameters<HistoryStore['search']>[0]) => {
      const ids: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const page = await store.search({ ...query, cursor });
        ids.push(...page.tasks.map((t) => t.id));
        if (!page.next) return ids;
        cursor = page.next;
      }
      throw new Error('paging never ended');
    };
    const expected = (keep: (r: TaskRecord) => boolean) =>
      rows
        .filter(keep)
        .sort((a, b) => b.finishedAt! - a.finishedAt! || (a.id < b.id ? 1 : -1))
        .map((r) => r.id);

    expect(await all({ queue: 'search-a', limit: 4 })).toEqual(expected((r) => r.queue === 'search-a'));
    expect(await all({ queue: 'search-b', type: 'sms', limit: 2 })).toEqual(
      expected((r) => r.queue === 'search-b' && r.type === 'sms'),
    );
    expect(await all({ queue: 'search-a', status: 'dead', limit: 1 })).toEqual(
      expected((r) => r.queue === 'search-a' && r.status === 'dead'),
    );
    const from = T0 + 100_005;
    const to = T0 + 100_010;
    expect(await all({ queue: 'search-b', from, to, limit: 3 })).toEqual(
      expected((r) => r.queue === 'search-b' && r.finishedAt! >= from && r.finishedAt! < to),
    );
    const page = await store.search({ queue: 'search-a', limit: 1 });
    expect(page.tasks[0]).toMatchObject({ queue: 'search-a', finishedAt: T0 + 100_014 });
    expect(page.tasks[0]).not.toHaveProperty('payload');
    await expect(store.search({ limit: 1, cursor: 'not-a-cursor' })).rejects.toMatchObject({
      code: 'invalid',
    });
  });

  it('deletes by id, and by age in batches (the retention job)', async () => {
    const old = [
      record({ queue: 'ret', finishedAt: T0 - 5000 }),
      record({ queue: 'ret', finishedAt: T0 - 4000 }),
    ];
    const recent = record({ queue: 'ret', finishedAt: T0 + 1 });
    await store.upsert([...old, recent]);
    expect(await store.delete([recent.id, 'ret.unknown'])).toBe(1);
    expect(await store.find(recent.id)).toBeNull();

    expect(await store.deleteFinishedBefore(T0 - 3000, 1)).toBe(1);
    expect(await store.find(old[0]!.id)).toBeNull(); // oldest first
    expect(await store.deleteFinishedBefore(T0 - 3000, 1)).toBe(1);
    expect(await store.deleteFinishedBefore(T0 - 3000, 1)).toBe(0);
  });

  it('answers unavailable while PostgreSQL is down, without the connection string, and works again after', async () => {
    // A server of our own: the shared one is never stopped.
    const server = await startPostgresServer();
    const own = new HistoryStore({
      url: server.url.replace('postgres@', 'postgres:s3cret@'),
      connectTimeoutMs: 2000,
    });
    try {
      await own.migrate();
      const task = record();
      await own.upsert([task]);
      await server.kill();
      const error = await own.find(task.id).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'unavailable' });
      expect(String((error as Error).message)).not.toContain('s3cret');
      await server.restart();
      expect((await own.find(task.id))!.id).toBe(task.id);
    } finally {
      await own.close();
      await server.stop();
    }
  });
});
