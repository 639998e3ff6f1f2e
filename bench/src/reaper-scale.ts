/**
 * The reaper with many queues (docs/reaper.md, "Many queues"): the built reaper and worker as processes on a
 * private redis-server holding QUEUES queues (10,000 by default), each with a finished task (so none is empty
 * and every sweep has retention and gauges to do). Measures the reaper's pass time and the Redis scripts per
 * pass from its /metrics and Redis's commandstats, then kills a worker holding a task of a random queue with
 * SIGKILL, KILLS times, and measures the time until the reaper has put the task back in pending, against
 * the bound VISIBILITY_TIMEOUT_MS + 1.2 × REAPER_INTERVAL_MS (visibility 10 s, REAPER_IDLE_LOOK_MS 5 s).
 *
 *   pnpm --filter @tq/bench reaper:scale                # 10,000 queues
 *   QUEUES=1000 KILLS=3 pnpm --filter @tq/bench reaper:scale
 *
 * Not part of the test command: it takes about a minute and loads the machine.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, createRedis, newTaskId, type RedisClient } from '@tq/core';
import { ChildService, freePort, startRedisServer, waitFor } from '@tq/testing';

const QUEUES = Number(process.env.QUEUES ?? 10_000);
const KILLS = Number(process.env.KILLS ?? 5);
const PASSES = Number(process.env.PASSES ?? 15);
const INTERVAL_MS = 1000;
const VISIBILITY_MS = 10_000;
/** At or below the visibility timeout, as docs/reaper.md asks. */
const IDLE_LOOK_MS = 5000;

const entry = (app: string) => join(dirname(require.resolve(`@tq/${app}/package.json`)), 'dist', 'main.js');

/** The value of an unlabelled series in a Prometheus text page. */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return Number(line?.split(' ')[1]);
}

/** Script calls Redis has run, and the microseconds it spent in them. */
async function scriptCalls(redis: RedisClient): Promise<{ calls: number; usec: number }> {
  const info = await redis.info('commandstats');
  const rows = [...info.matchAll(/^cmdstat_(?:fcall|evalsha|eval):calls=(\d+),usec=(\d+)/gm)];
  return {
    calls: rows.reduce((n, m) => n + Number(m[1]), 0),
    usec: rows.reduce((n, m) => n + Number(m[2]), 0),
  };
}

function summary(values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `min ${s[0]}, p50 ${at(0.5)}, max ${s[s.length - 1]} (n=${s.length})`;
}

async function main(): Promise<void> {
  const server = await startRedisServer({ appendonly: false });
  const redis = createRedis(server.url, { commandTimeoutMs: 60_000 });
  const children: ChildService[] = [];
  try {
    const names = Array.from({ length: QUEUES }, (_, i) => `scale-${String(i).padStart(5, '0')}`);
    const started = Date.now();
    for (let i = 0; i < names.length; i += 500) {
      await Promise.all(
        names.slice(i, i + 500).map(async (name) => {
          const q = new Queue(redis, name);
          await q.enqueue([{ id: newTaskId(name), type: 'noop', payload: 'null', maxAttempts: 3 }]);
          await q.complete((await q.claim(1, 60_000)).tasks);
        }),
      );
    }
    console.log(
      `${QUEUES} queues made in ${Date.now() - started} ms; load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );

    const reaperPort = await freePort();
    const reaper = new ChildService(
      'reaper',
      'reaper',
      {
        REDIS_URL: server.url,
        METRICS_PORT: String(reaperPort),
        REAPER_INTERVAL_MS: String(INTERVAL_MS),
        REAPER_IDLE_LOOK_MS: String(IDLE_LOOK_MS),
        LOG_LEVEL: 'warn',
      },
      { argv: [entry('reaper')] },
    );
    children.push(reaper);
    const metrics = async () => (await fetch(`http://127.0.0.1:${reaperPort}/metrics`)).text();
    await waitFor(
      async () => value(await metrics().catch(() => ''), 'tq_reaper_pass_duration_seconds_count') >= 1,
      {
        timeoutMs: 60_000,
        message: 'the first reaper pass',
      },
    );

    // Pass times: each pass's share of the histogram's sum; scripts per pass from Redis's counters.
    const passes: number[] = [];
    const scripts: number[] = [];
    const redisMs: number[] = [];
    const cpuMs: number[] = [];
    let last = await metrics();
    let calls = await scriptCalls(redis);
    while (passes.length < PASSES) {
      await sleep(50);
      const text = await metrics();
      const count = value(text, 'tq_reaper_pass_duration_seconds_count');
      const before = value(last, 'tq_reaper_pass_duration_seconds_count');
      if (count === before) continue;
      const nowCalls = await scriptCalls(redis);
      if (count === before + 1) {
        const seconds =
          value(text, 'tq_reaper_pass_duration_seconds_sum') -
          value(last, 'tq_reaper_pass_duration_seconds_sum');
        passes.push(Math.round(seconds * 1000));
        scripts.push(nowCalls.calls - calls.calls);
        redisMs.push(Math.round((nowCalls.usec - calls.usec) / 1000));
        const cpu = value(text, 'process_cpu_seconds_total') - value(last, 'process_cpu_seconds_total');
        cpuMs.push(Math.round(cpu * 1000));
      }
      last = text;
      calls = nowCalls;
    }
    console.log(`pass time ms: ${summary(passes)} (interval ${INTERVAL_MS} ms)`);
    console.log(`scripts per pass: ${summary(scripts)}`);
    console.log(`queues looked at per pass (last pass): ${value(last, 'tq_reaper_queues_looked')}`);
    console.log(`Redis time in scripts per pass ms: ${summary(redisMs)}`);
    console.log(`reaper CPU per pass (and the idle time until the next) ms: ${summary(cpuMs)}`);

    // Kill → recovered, on random queues among them.
    const handlers = join(mkdtempSync(join(tmpdir(), 'tq-scale-')), 'handlers.js');
    writeFileSync(
      handlers,
      'exports.handlers = { hold: (ctx) => new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))) };\n',
    );
    const recoveries: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const name = names[Math.floor(Math.random() * names.length)]!;
      const queue = new Queue(redis, name);
      const worker = new ChildService(
        `worker-${k}`,
        'worker',
        {
          REDIS_URL: server.url,
          METRICS_PORT: String(await freePort()),
          QUEUES: name,
          VISIBILITY_TIMEOUT_MS: String(VISIBILITY_MS),
          HANDLER_MODULES: handlers,
          LOG_LEVEL: 'warn',
        },
        { argv: [entry('worker')] },
      );
      children.push(worker);
      const id = newTaskId(name);
      await queue.enqueue([{ id, type: 'hold', payload: 'null', maxAttempts: 5 }]);
      await waitFor(async () => (await queue.getTask(id))?.status === 'running', {
        timeoutMs: 30_000,
        message: `${id} running`,
      });
      // Let the lease be extended at least once, as in a long task, then kill the worker.
      await sleep(VISIBILITY_MS / 2);
      const killedAt = Date.now();
      await worker.kill();
      const task = await waitFor(
        async () => {
          const t = await queue.getTask(id);
          return t && t.status !== 'running' && t;
        },
        { timeoutMs: 60_000, intervalMs: 5, message: `${id} recovered` },
      );
      // The reaper's own time of the recovery (Redis TIME, in the task's error history).
      const recoveredAt = task.errors.at(-1)?.at ?? Date.now();
      recoveries.push(recoveredAt - killedAt);
      console.log(
        `kill ${k + 1}: ${name} recovered ${recoveredAt - killedAt} ms after SIGKILL (status ${task.status})`,
      );
    }
    const bound = VISIBILITY_MS + 1.2 * INTERVAL_MS;
    console.log(
      `kill → recovered ms: ${summary(recoveries)}; bound VISIBILITY_TIMEOUT_MS ${VISIBILITY_MS} + 1.2 × REAPER_INTERVAL_MS ${INTERVAL_MS} = ${bound} ms; within: ${recoveries.every((r) => r <= bound)}`,
    );
    console.log(
      `load at the end ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    await Promise.all(children.map((c) => c.kill()));
    redis.disconnect();
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
