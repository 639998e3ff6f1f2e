// Archive throughput and archive lag of the task history (issue 15, docs/performance.md#task-history),
// with the stock services: apps/archiver (dist/main.js, default settings unless said) on a private Redis
// and a fresh PostgreSQL database (TEST_DATABASE_URL's server, the local one, or a private one).
//   1. Throughput: ARCHIVE_TASKS (default 100,000) finished tasks wait in Redis; archivers are started and
//      timed from their first row to the last (rows/s = tasks/s). Layouts: 1 queue × 1 archiver, 4 queues
//      × 1 archiver, 4 queues × 2 archivers. Then the table's bytes per row (heap, TOAST, indexes).
//   2. Lag under the bench's noop load: the stock worker (apps/worker, HANDLER_MODULES=the bench's noop
//      handler, 1 process × concurrency 100) processes noop tasks for LOAD_SECONDS (default 30) while one
//      archiver runs; its tq_archive_lag_seconds is sampled every 250 ms. Loads: a fixed 1,000 tasks/s, and
//      as fast as the worker goes (the backlog kept at 5,000).
//   pnpm bench:archive        (= build, then node bench/dist/history-archive.js)
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Queue, createRedis, newTaskId, type RedisClient } from '@tq/core';
import { HistoryStore } from '@tq/history';
import { freePort, metricSample, startRedisServer, startTestPostgres } from '@tq/testing';
import { sql } from 'kysely';
import { builtFile } from './load-cjs';
import { pickWorkerDriver } from './tq-app';
import { WorkerProcess } from './worker-process';

const TASKS = Number(process.env.ARCHIVE_TASKS ?? 100_000);
const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 30);
const PAYLOAD = 'hello world';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The stock archiver as a child process, and its /metrics. */
class ArchiverProcess {
  private output = '';
  private constructor(
    private readonly child: ChildProcess,
    readonly metricsUrl: string,
  ) {
    const keep = (c: Buffer) => (this.output = (this.output + c.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(redisUrl: string, databaseUrl: string, env: Record<string, string> = {}) {
    const main = builtFile('@tq/archiver', 'dist/main.js');
    if (!main) throw new Error('apps/archiver is not built: pnpm turbo run build --filter=@tq/bench...');
    const port = await freePort();
    const child = spawn(process.execPath, [main], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        REDIS_URL: redisUrl,
        DATABASE_URL: databaseUrl,
        METRICS_PORT: String(port),
        LOG_LEVEL: 'warn',
        ...env,
      },
    });
    return new ArchiverProcess(child, `http://127.0.0.1:${port}/metrics`);
  }

  /** The largest tq_archive_lag_seconds series, or undefined while /metrics does not answer. */
  async lagSeconds(queue: string): Promise<number | undefined> {
    try {
      const text = await (await fetch(this.metricsUrl, { signal: AbortSignal.timeout(2000) })).text();
      return metricSample(text, 'tq_archive_lag_seconds', { queue });
    } catch {
      return undefined;
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await once(this.child, 'exit');
    clearTimeout(timer);
  }

  get recentOutput(): string {
    return this.output;
  }
}

/** Adds `n` done tasks to `queue` through the library (not timed). */
async function finish(queue: Queue, n: number): Promise<void> {
  for (let from = 0; from < n; from += 1000) {
    const count = Math.min(1000, n - from);
    await queue.enqueue(
      Array.from({ length: count }, () => ({
        id: newTaskId(queue.name),
        type: 'noop',
        payload: `"${PAYLOAD}"`,
        maxAttempts: 3,
      })),
    );
    const { tasks } = await queue.claim(count, 600_000);
    await queue.complete(tasks.map((t) => ({ ...t, result: '' })));
  }
}

/** Redis used_memory growth per finished task waiting for the archive, bytes (one sample per layout). */
const redisBytesPerTask: number[] = [];

async function usedMemory(redis: RedisClient): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
}

async function rowCount(store: HistoryStore): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from tq_task_history`.execute(store.db);
  return rows[0]!.n;
}

async function throughput(
  redis: RedisClient,
  redisUrl: string,
  store: HistoryStore,
  databaseUrl: string,
  queues: number,
  archivers: number,
): Promise<void> {
  const names = Array.from({ length: queues }, (_, i) => `arch-${queues}x${archivers}-${i}`);
  const memoryBefore = await usedMemory(redis);
  for (const name of names) await finish(new Queue(redis, name), Math.round(TASKS / queues));
  redisBytesPerTask.push(((await usedMemory(redis)) - memoryBefore) / TASKS);
  const before = await rowCount(store);
  const total = before + Math.round(TASKS / queues) * queues;
  const procs = await Promise.all(
    Array.from({ length: archivers }, () => ArchiverProcess.start(redisUrl, databaseUrl)),
  );
  try {
    let first = 0;
    let firstRows = 0;
    const deadline = Date.now() + 900_000;
    for (;;) {
      const n = await rowCount(store);
      if (n > before && first === 0) {
        first = performance.now();
        firstRows = n;
      }
      if (n >= total) break;
      if (Date.now() > deadline)
        throw new Error(`archived ${n - before} of ${total - before} in 900 s\n${procs[0]!.recentOutput}`);
      await sleep(50);
    }
    const seconds = (performance.now() - first) / 1000;
    const rate = (total - firstRows) / seconds;
    console.log(
      `| ${queues} queue${queues > 1 ? 's' : ''} × ${archivers} archiver${archivers > 1 ? 's' : ''} | ${(total - before).toLocaleString('en')} | ${seconds.toFixed(1)} s | ${Math.round(rate).toLocaleString('en')} |`,
    );
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

async function lagUnderLoad(
  redis: RedisClient,
  redisUrl: string,
  store: HistoryStore,
  databaseUrl: string,
  label: string,
  ratePerSec: number | 'max',
  archiverEnv: Record<string, string> = {},
): Promise<void> {
  const name = `noop-${ratePerSec}-${Object.values(archiverEnv).join('-') || 'defaults'}`;
  const queue = new Queue(redis, name);
  const worker = await WorkerProcess.spawn({
    system: 'tq',
    tqDriver: pickWorkerDriver(),
    queue: name,
    concurrency: 100,
    redisUrl,
    tqClaimBatch: 100,
  });
  const archiver = await ArchiverProcess.start(redisUrl, databaseUrl, archiverEnv);
  const rowsBefore = await rowCount(store);
  const lags: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const lag = await archiver.lagSeconds(name);
      if (lag !== undefined) lags.push(lag);
      await sleep(250);
    }
  })();
  let produced = 0;
  const started = performance.now();
  try {
    const until = started + LOAD_SECONDS * 1000;
    while (performance.now() < until) {
      if (ratePerSec === 'max') {
        const waiting = (await queue.stats()).counts.pending;
        const n = Math.max(0, 5000 - waiting);
        if (n === 0) {
          await sleep(5);
          continue;
        }
        await queue.enqueue(
          Array.from({ length: n }, () => ({
            id: newTaskId(name),
            type: 'noop',
            payload: `"${PAYLOAD}"`,
            maxAttempts: 3,
          })),
        );
        produced += n;
      } else {
        // Open loop: whatever the schedule says is due by now, in one bulk call every 20 ms.
        const due = Math.floor(((performance.now() - started) / 1000) * ratePerSec) - produced;
        if (due > 0) {
          await queue.enqueue(
            Array.from({ length: due }, () => ({
              id: newTaskId(name),
              type: 'noop',
              payload: `"${PAYLOAD}"`,
              maxAttempts: 3,
            })),
          );
          produced += due;
        }
        await sleep(20);
      }
    }
    const loadS = (performance.now() - started) / 1000;
    const doneDuringLoad = (await queue.stats()).counts.done;
    const archivedDuringLoad = (await rowCount(store)) - rowsBefore;
    const during = [...lags].sort((a, b) => a - b);
    // Catch-up: the worker finishes the backlog, the archiver the rest.
    const stopAt = performance.now();
    for (;;) {
      const c = (await queue.stats()).counts;
      if (c.pending + c.running === 0 && (await rowCount(store)) - rowsBefore >= produced) break;
      if (performance.now() - stopAt > 900_000) throw new Error(`${label}: no catch-up in 900 s`);
      await sleep(100);
    }
    const catchUpS = (performance.now() - stopAt) / 1000;
    const f = (x: number) => x.toFixed(1);
    console.log(
      `| ${label} | ${Math.round(doneDuringLoad / loadS).toLocaleString('en')} | ${Math.round(archivedDuringLoad / loadS).toLocaleString('en')} | ${f(quantile(during, 0.5))} s | ${f(quantile(during, 0.99))} s | ${f(during[during.length - 1] ?? NaN)} s | ${f(catchUpS)} s |`,
    );
  } finally {
    sampling = false;
    await sampler;
    await worker.stop();
    await archiver.stop();
  }
}

async function bytesPerRow(store: HistoryStore): Promise<void> {
  await sql`vacuum analyze tq_task_history`.execute(store.db);
  const { rows } = await sql<{ n: number; heap: string; toast: string; indexes: string; total: string }>`
    select count(*)::int as n, pg_relation_size('tq_task_history')::text as heap,
      (pg_table_size('tq_task_history') - pg_relation_size('tq_task_history'))::text as toast,
      pg_indexes_size('tq_task_history')::text as indexes,
      pg_total_relation_size('tq_task_history')::text as total
    from tq_task_history
  `.execute(store.db);
  const r = rows[0]!;
  const per = (bytes: string) => Math.round(Number(bytes) / r.n);
  console.log(
    `\n${r.n.toLocaleString('en')} rows of small noop tasks ("${PAYLOAD}", empty result): ${per(r.total)} bytes per row on disk — table ${per(r.heap)}, TOAST/FSM/VM ${per(r.toast)}, the 5 indexes (primary key + 4) ${per(r.indexes)}`,
  );
  const { rows: idx } = await sql<{ name: string; bytes: string }>`
    select indexrelname as name, pg_relation_size(indexrelid)::text as bytes
    from pg_stat_user_indexes where relname = 'tq_task_history' order by indexrelname
  `.execute(store.db);
  for (const i of idx) console.log(`  ${i.name}: ${per(i.bytes)} bytes per row`);
}

/** The archive retention job's statement (ARCHIVE_RETENTION_MS), batches of 10,000, over every row. */
async function retentionRate(store: HistoryStore): Promise<void> {
  const rows = await rowCount(store);
  const started = performance.now();
  let deleted = 0;
  for (;;) {
    const n = await store.deleteFinishedBefore(Date.now() + 86_400_000, 10_000);
    deleted += n;
    if (n < 10_000) break;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `\nArchive retention (deleteFinishedBefore, batches of 10,000): ${deleted.toLocaleString('en')} of ${rows.toLocaleString('en')} rows in ${seconds.toFixed(1)} s (${Math.round(deleted / seconds).toLocaleString('en')} rows/s)`,
  );
}

async function main(): Promise<void> {
  const server = await startRedisServer();
  const redis = createRedis(server.url);
  const pg = await startTestPostgres();
  const store = new HistoryStore({ url: pg.url, poolMax: 2 });
  try {
    await store.migrate();
    console.log(
      `PostgreSQL: ${pg.source}; Redis: private, no persistence; archiver defaults (batch 1000, interval 1000 ms, concurrency 4)\n`,
    );
    console.log(`| layout | tasks | first row → last row | tasks/s |`);
    console.log(`| --- | --- | --- | --- |`);
    await throughput(redis, server.url, store, pg.url, 1, 1);
    await throughput(redis, server.url, store, pg.url, 4, 1);
    await throughput(redis, server.url, store, pg.url, 4, 2);
    await bytesPerRow(store);
    console.log(
      `Redis memory per finished noop task waiting for the archive: ${redisBytesPerTask.map((b) => Math.round(b)).join(', ')} bytes (one figure per layout)`,
    );

    console.log(
      `\nLag under the noop load (${LOAD_SECONDS} s each; 1 stock worker process × concurrency 100, 1 archiver):\n`,
    );
    console.log(
      `| load | processed tasks/s | archived tasks/s | lag p50 | lag p99 | lag max | catch-up after the load |`,
    );
    console.log(`| --- | --- | --- | --- | --- | --- | --- |`);
    await lagUnderLoad(redis, server.url, store, pg.url, '1,000 tasks/s', 1000);
    await lagUnderLoad(redis, server.url, store, pg.url, 'as fast as the worker goes', 'max');
    await lagUnderLoad(
      redis,
      server.url,
      store,
      pg.url,
      'as fast as the worker goes, ARCHIVER_BATCH_SIZE=5000',
      'max',
      {
        ARCHIVER_BATCH_SIZE: '5000',
      },
    );
    await retentionRate(store);
  } finally {
    await store.close();
    await pg.stop();
    redis.disconnect();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
