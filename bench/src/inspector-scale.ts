/**
 * `pnpm --filter @tq/bench bench:inspector`: the dashboard's reads with 1,000,000 tasks in one queue (issue 12,
 * docs/dashboard.md "At scale" and docs/performance.md "Inspector API at scale").
 *
 * On a private redis-server (no AOF), fills the queue `big` through @tq/core's batched enqueue with TASKS
 * pending tasks (default 1,000,000; five types in turn plus one rare type, 1 in 10,000), and beside them tasks
 * in every other state (done, dead, retry, running, canceled, scheduled, several thousand each), a few small
 * queues and a few worker heartbeats, as a busy system has. Then starts the stock API (apps/api dist/main.js,
 * its own process, with a token) and measures over HTTP, RUNS times each (default 20), the wall time of:
 *   - GET /queues/big/tasks for every state, limit 50: the first page and the next page (its cursor), with no
 *     type filter, with a common type (1 in 5) and with the rare type (the scan budget ends the page early);
 *   - the routes the Overview calls (GET /queues, GET /workers, GET /stats/history?minutes=60), each alone
 *     and the three together as the page fires them;
 * and prints p50 / p99 / max per case against the bounds (200 ms a Tasks page, 300 ms the Overview).
 * Options (environment): TASKS, RUNS. Not part of the test command: the fill takes about a minute and the
 * figures mean something only on a quiet machine. Results also go to bench/results/inspector-*.json.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Queue, WorkerRegistry, createRedis, newTaskId, type NewTask, type TaskStatus } from '@tq/core';
import { freePort, startRedisServer } from '@tq/testing';
import { builtFile } from './load-cjs';
import { describeLoad } from './machine';
import { percentile, round } from './stats';

const TASKS = Number(process.env.TASKS ?? 1_000_000);
const RUNS = Number(process.env.RUNS ?? 20);
const QUEUE = 'big';
const TYPES = ['email', 'sms', 'report', 'webhook', 'resize'];
const RARE = 'audit';
const TOKEN = 'inspector-bench-token';
const STATES: TaskStatus[] = ['pending', 'scheduled', 'running', 'retry', 'dead', 'done', 'canceled'];
/** The bounds of issue 12's "Must show". */
const TASKS_PAGE_BOUND_MS = 200;
const OVERVIEW_BOUND_MS = 300;
/** Tasks sent per enqueue call (the queue splits them into script calls of 500, pipelined). */
const FILL_BATCH = 10_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function typeOf(i: number): string {
  return i % 10_000 === 9_999 ? RARE : TYPES[i % TYPES.length]!;
}

function newTasks(n: number, from: number, extra: Partial<NewTask> = {}): NewTask[] {
  return Array.from({ length: n }, (_, k) => ({
    id: newTaskId(QUEUE),
    type: typeOf(from + k),
    payload: JSON.stringify({ n: from + k, to: `user${from + k}@example.com` }),
    maxAttempts: 3,
    ...extra,
  }));
}

/** Claims up to `n` tasks of the queue's front, 500 at a time, leased for an hour. */
async function claimAll(queue: Queue, n: number) {
  const claimed = [];
  while (claimed.length < n) {
    const { tasks } = await queue.claim(Math.min(500, n - claimed.length), 3_600_000);
    if (tasks.length === 0) break;
    claimed.push(...tasks);
  }
  return claimed;
}

/** Tasks in every state but pending, made through the engine's own transitions. */
async function fillOtherStates(queue: Queue): Promise<void> {
  let n = 0;
  const batch = async (count: number, extra: Partial<NewTask> = {}) => {
    const tasks = newTasks(count, n, extra);
    n += count;
    await queue.enqueue(tasks);
    return tasks.map((t) => t.id);
  };
  // done: 20,000 claimed and completed.
  await batch(20_000);
  for (const claimed of [await claimAll(queue, 20_000)])
    for (let i = 0; i < claimed.length; i += 1000)
      await queue.complete(claimed.slice(i, i + 1000).map((t) => ({ ...t, result: '{"ok":true}' })));
  // dead: 5,000 with one attempt, failed.
  await batch(5_000, { maxAttempts: 1 });
  let claimed = await claimAll(queue, 5_000);
  for (let i = 0; i < claimed.length; i += 1000)
    await queue.fail(
      claimed
        .slice(i, i + 1000)
        .map((t) => ({ ...t, error: 'Error: upstream refused (503)', retryDelayMs: 0 })),
    );
  // retry: 5,000 failed once, due again in an hour.
  await batch(5_000);
  claimed = await claimAll(queue, 5_000);
  for (let i = 0; i < claimed.length; i += 1000)
    await queue.fail(
      claimed.slice(i, i + 1000).map((t) => ({ ...t, error: 'Error: timeout', retryDelayMs: 3_600_000 })),
    );
  // running: 2,000 leased for an hour.
  await batch(2_000);
  await claimAll(queue, 2_000);
  // canceled: 2,000 canceled while pending.
  const toCancel = await batch(2_000);
  for (let i = 0; i < toCancel.length; i += 500)
    await Promise.all(toCancel.slice(i, i + 500).map((id) => queue.cancel(id)));
  // scheduled: 20,000 due in 1-20 hours.
  const now = Date.now();
  const scheduled = newTasks(20_000, n).map((t, k) => ({ ...t, runAt: now + 3_600_000 * (1 + (k % 20)) }));
  n += scheduled.length;
  for (let i = 0; i < scheduled.length; i += FILL_BATCH)
    await queue.enqueue(scheduled.slice(i, i + FILL_BATCH));
}

interface Timing {
  case: string;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  boundMs: number;
  within: boolean;
  detail?: string;
}

function timing(name: string, samples: number[], boundMs: number, detail?: string): Timing {
  const max = Math.max(...samples);
  return {
    case: name,
    p50Ms: round(percentile(samples, 50), 3),
    p99Ms: round(percentile(samples, 99), 3),
    maxMs: round(max, 3),
    boundMs,
    within: max < boundMs,
    detail,
  };
}

async function main(): Promise<void> {
  const apiMain = builtFile('@tq/api', 'dist/main.js');
  if (!apiMain) throw new Error('apps/api is not built: run `pnpm build` first');
  const server = await startRedisServer({ appendonly: false });
  const redis = createRedis(server.url, { commandTimeoutMs: 120_000 });
  let api: ReturnType<typeof spawn> | undefined;
  try {
    const queue = new Queue(redis, QUEUE);
    const t0 = performance.now();
    await fillOtherStates(queue);
    for (let i = 0; i < TASKS; i += FILL_BATCH)
      await queue.enqueue(newTasks(Math.min(FILL_BATCH, TASKS - i), i));
    // A few small queues and workers beside it, as the Overview shows them.
    for (let q = 0; q < 10; q++) {
      const small = new Queue(redis, `small-${q}`);
      await small.enqueue(
        Array.from({ length: 100 }, () => ({
          id: newTaskId(`small-${q}`),
          type: 'ping',
          payload: '{}',
          maxAttempts: 3,
        })),
      );
    }
    const registry = new WorkerRegistry(redis);
    for (let w = 0; w < 20; w++)
      await registry.beat(
        {
          id: `bench-host-${w}-1000${w}-abc`,
          host: `bench-host-${w}`,
          pid: 1000 + w,
          queues: [QUEUE],
          concurrency: 50,
          busySlots: 50,
          startedAt: Date.now(),
          version: '0.1.0',
          runningTaskIds: [],
        },
        3_600_000,
      );
    const fillSeconds = (performance.now() - t0) / 1000;
    const counts = (await queue.stats()).counts;
    const memory = /used_memory_human:(\S+)/.exec(await redis.info('memory'))?.[1];
    console.log(
      `filled in ${fillSeconds.toFixed(1)} s: ${JSON.stringify(counts)}; Redis used_memory ${memory}; load ${describeLoad()}`,
    );

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    api = spawn(process.execPath, [apiMain], {
      env: {
        ...process.env,
        PORT: String(port),
        GRPC_PORT: '0',
        REDIS_URL: server.url,
        API_TOKENS: TOKEN,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    for (let i = 0; ; i++) {
      const ok = await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 600) throw new Error('the API did not get ready');
      await sleep(100);
    }
    const get = async (path: string): Promise<{ ms: number; body: Record<string, unknown> }> => {
      const s = performance.now();
      const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = (await res.json()) as Record<string, unknown>;
      const ms = performance.now() - s;
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(body)}`);
      return { ms, body };
    };
    // Warm up the connection, the scripts and the API's JIT.
    for (let i = 0; i < 5; i++) {
      await get(`/queues/${QUEUE}/tasks?state=pending&limit=50`);
      await get('/queues');
    }

    const results: Timing[] = [];
    for (const state of STATES) {
      for (const type of [undefined, TYPES[1]!, RARE]) {
        const base = `/queues/${QUEUE}/tasks?state=${state}&limit=50${type ? `&type=${type}` : ''}`;
        const first: number[] = [];
        const next: number[] = [];
        let shown = '';
        for (let run = 0; run < RUNS; run++) {
          const a = await get(base);
          first.push(a.ms);
          const cursor = a.body.nextCursor as string | null;
          if (cursor === null) continue;
          const b = await get(`${base}&cursor=${encodeURIComponent(cursor)}`);
          next.push(b.ms);
          shown = `${(a.body.tasks as unknown[]).length}+${(b.body.tasks as unknown[]).length} tasks, ${String(a.body.scanned)}+${String(b.body.scanned)} scanned of ${String(a.body.total)}`;
        }
        const name = `tasks ${state}${type ? ` type=${type}` : ''}`;
        results.push(timing(`${name}, first page`, first, TASKS_PAGE_BOUND_MS, shown));
        if (next.length > 0) results.push(timing(`${name}, next page`, next, TASKS_PAGE_BOUND_MS, shown));
      }
    }
    const overviewRoutes = ['/queues', '/workers', '/stats/history?minutes=60'];
    for (const path of overviewRoutes) {
      const samples: number[] = [];
      for (let run = 0; run < RUNS; run++) samples.push((await get(path)).ms);
      results.push(timing(`overview GET ${path}`, samples, OVERVIEW_BOUND_MS));
    }
    const together: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const s = performance.now();
      await Promise.all(overviewRoutes.map((p) => get(p)));
      together.push(performance.now() - s);
    }
    results.push(timing('overview: the three together, as the page loads', together, OVERVIEW_BOUND_MS));

    console.log(`| case | p50 | p99 | max | bound | |`);
    console.log(`| --- | --- | --- | --- | --- | --- |`);
    for (const r of results)
      console.log(
        `| ${r.case}${r.detail ? ` (${r.detail})` : ''} | ${r.p50Ms} ms | ${r.p99Ms} ms | ${r.maxMs} ms | ${r.boundMs} ms | ${r.within ? 'ok' : 'MISSED'} |`,
      );
    const report = {
      when: new Date().toISOString(),
      load: describeLoad(),
      tasks: TASKS,
      runs: RUNS,
      counts,
      redisUsedMemory: memory,
      fillSeconds: round(fillSeconds, 3),
      results,
    };
    const out = join(__dirname, '..', 'results');
    mkdirSync(out, { recursive: true });
    const file = join(out, `inspector-${report.when.replace(/[:.]/g, '-').slice(0, 19)}Z.json`);
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
    console.log(`wrote ${file}`);
    if (results.some((r) => !r.within)) process.exitCode = 2;
  } finally {
    if (api) {
      api.kill('SIGTERM');
      await once(api, 'exit');
    }
    redis.disconnect();
    await server.stop();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
