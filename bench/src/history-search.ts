// Search latency of the task history (issue 15, docs/performance.md#task-history): fills a fresh PostgreSQL
// database (TEST_DATABASE_URL's server, the local one, or a private one: @tq/testing) with HISTORY_ROWS
// archived tasks (default 1,000,000) through the archivers' upsert, then times each kind of GET /tasks
// search at the store (the API adds its JSON and HTTP on top).
//   pnpm --filter @tq/bench build && HISTORY_ROWS=1000000 node bench/dist/history-search.js
import { newTaskId, type TaskRecord } from '@tq/core';
import { HistoryStore, type HistorySearch } from '@tq/history';
import { startTestPostgres } from '@tq/testing';
import { sql } from 'kysely';

const ROWS = Number(process.env.HISTORY_ROWS ?? 1_000_000);
const BATCH = 5000;
const RUNS = Number(process.env.HISTORY_RUNS ?? 50);
const QUEUES = Array.from({ length: 20 }, (_, i) => `q${i}`);
const TYPES = ['email', 'sms', 'report', 'webhook', 'resize'];
const DAY = 24 * 3600_000;

function record(i: number, now: number): TaskRecord {
  const queue = QUEUES[i % QUEUES.length]!;
  const finishedAt = now - Math.floor(((i * 7919) % ROWS) * ((90 * DAY) / ROWS));
  const status = i % 10 === 9 ? 'dead' : i % 25 === 0 ? 'canceled' : 'done';
  return {
    id: newTaskId(queue),
    queue,
    type: TYPES[(i >> 3) % TYPES.length]!,
    payload: JSON.stringify({ to: `user${i}@example.com`, n: i }),
    status,
    attempt: 1,
    maxAttempts: 3,
    priority: 0,
    createdAt: finishedAt - 1000,
    startedAt: finishedAt - 200,
    finishedAt,
    result: status === 'done' ? '{"ok":true}' : undefined,
    lastError: status === 'dead' ? 'Error: upstream refused' : undefined,
    errors: [],
  };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const pg = await startTestPostgres();
  const store = new HistoryStore({ url: pg.url, poolMax: 4 });
  try {
    await store.migrate();
    const now = Date.now();
    const t0 = performance.now();
    for (let from = 0; from < ROWS; from += BATCH) {
      const n = Math.min(BATCH, ROWS - from);
      await store.upsert(Array.from({ length: n }, (_, k) => record(from + k, now)));
    }
    const fillS = (performance.now() - t0) / 1000;
    console.log(
      `filled ${ROWS} rows in ${fillS.toFixed(1)} s (${Math.round(ROWS / fillS)} rows/s, batches of ${BATCH}, on ${pg.source} PostgreSQL)`,
    );
    await sql`analyze tq_task_history`.execute(store.db);

    const cases: [string, Omit<HistorySearch, 'limit'>][] = [
      ['all, newest first', {}],
      ['queue', { queue: 'q3' }],
      ['queue + type', { queue: 'q3', type: 'sms' }],
      ['queue + status dead', { queue: 'q3', status: 'dead' }],
      ['type only', { type: 'report' }],
      ['queue + last 24 h', { queue: 'q3', from: now - DAY, to: now + 1 }],
      ['queue + a day 60 days ago', { queue: 'q3', from: now - 61 * DAY, to: now - 60 * DAY }],
    ];
    console.log(`| search (limit 50) | first page p50 | p99 | 10th page p50 | p99 |`);
    console.log(`| --- | --- | --- | --- | --- |`);
    for (const [name, query] of cases) {
      const first: number[] = [];
      const tenth: number[] = [];
      let cursor: string | undefined;
      for (let run = 0; run < RUNS; run++) {
        const s = performance.now();
        const page = await store.search({ ...query, limit: 50 });
        first.push(performance.now() - s);
        cursor = page.next ?? undefined;
      }
      // The 10th page: follow nine cursors once, then time the tenth page's query.
      cursor = undefined;
      for (let p = 0; p < 9; p++)
        cursor = (await store.search({ ...query, limit: 50, cursor })).next ?? undefined;
      for (let run = 0; run < RUNS; run++) {
        const s = performance.now();
        await store.search({ ...query, limit: 50, cursor });
        tenth.push(performance.now() - s);
      }
      const f = first.sort((a, b) => a - b);
      const t = tenth.sort((a, b) => a - b);
      const ms = (x: number) => `${x.toFixed(1)} ms`;
      console.log(
        `| ${name} | ${ms(quantile(f, 0.5))} | ${ms(quantile(f, 0.99))} | ${ms(quantile(t, 0.5))} | ${ms(quantile(t, 0.99))} |`,
      );
    }
    const find: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const id = (await store.search({ queue: QUEUES[run % QUEUES.length], limit: 1 })).tasks[0]!.id;
      const s = performance.now();
      await store.find(id);
      find.push(performance.now() - s);
    }
    find.sort((a, b) => a - b);
    console.log(
      `| find by id (GET /tasks/:id fallback) | ${quantile(find, 0.5).toFixed(1)} ms | ${quantile(find, 0.99).toFixed(1)} ms | | |`,
    );
  } finally {
    await store.close();
    await pg.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
