/**
 * `node dist/drain-cost.js [n] [runs] [-- node flags for the worker]`: what one stock worker (apps/worker
 * dist/main.js, concurrency 100, CLAIM_BATCH 100, as the bench's 1×100 drain runs it) spends per task
 * draining `n` noop tasks (default 200,000) enqueued in bulk beforehand, on a private redis-server: the
 * bytes it allocates per task (alloc-probe: sampling heap profiler keeping collected objects), its CPU µs
 * per task (/proc and process.cpuUsage), Redis CPU per task, and tasks/s, with the machine's load. Load
 * independent: bytes per task. With `--cpu-prof` among the worker flags, the profile's summary is printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, queueKeys } from '@tq/core';
import { Redis } from 'ioredis';
import { summarizeCpuProfile } from './cpuprofile-summary';
import { commandCounts, commandDelta, processCpuSeconds, redisCpuSeconds } from './probe';
import { createProducer, unfinished } from './producers';
import { builtFile } from './load-cjs';

const QUEUE = 'drain-cost';
const BULK = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, ms: number, every = 20): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

async function main(): Promise<void> {
  const sep = process.argv.indexOf('--');
  const own = sep < 0 ? process.argv.slice(2) : process.argv.slice(2, sep);
  const flags = sep < 0 ? [] : process.argv.slice(sep + 1);
  const n = Number(own[0] ?? 200_000);
  const runs = Number(own[1] ?? 1);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  const redis = new Redis(url);
  try {
    await until(
      'redis-server',
      () =>
        redis.ping().then(
          () => true,
          () => false,
        ),
      10_000,
    );
    const main = builtFile('@tq/worker', 'dist/main.js');
    if (!main) throw new Error('apps/worker is not built');
    for (let r = 0; r < runs; r++) await drain(redis, url, main, n, flags);
  } finally {
    redis.disconnect();
    server.kill();
  }
}

async function drain(redis: Redis, url: string, main: string, n: number, flags: string[]): Promise<void> {
  await redis.flushall();
  await new Queue(redis, QUEUE).pause();
  const producer = await createProducer('tq', url, QUEUE);
  for (let sent = 0; sent < n; sent += BULK)
    await producer.addBulk(Array.from({ length: Math.min(BULK, n - sent) }, () => 'hello world'));
  await producer.close();
  const dir = mkdtempSync(join(tmpdir(), 'drain-cost-'));
  const out = join(dir, 'probe.json');
  // DRAIN_COST_WRAP: a command the worker runs under, e.g. `valgrind --tool=callgrind
  // --callgrind-out-file=%DIR%/cg.out` (its instructions are printed).
  const wrap = (process.env.DRAIN_COST_WRAP ?? '').split(' ').filter(Boolean);
  const command = [
    ...wrap.map((w) => w.replace('%DIR%', dir)),
    process.execPath,
    '-r',
    join(__dirname, 'alloc-probe.js'),
    ...flags.map((f) => f.replace('%DIR%', dir)),
    main,
  ];
  const child: ChildProcess = spawn(command[0]!, command.slice(1), {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      REDIS_URL: url,
      QUEUES: QUEUE,
      WORKER_CONCURRENCY: '100',
      CLAIM_BATCH: '100',
      METRICS_PORT: '0',
      HANDLER_MODULES: join(__dirname, 'tq-handlers.js'),
      SHUTDOWN_TIMEOUT_MS: '1000',
      LOG_LEVEL: 'warn',
      ALLOC_PROBE_OUT: out,
    },
  });
  const exited = once(child, 'exit');
  const wake = queueKeys(QUEUE).wakeChannel;
  await until(
    'the worker to subscribe',
    async () => ((await redis.pubsub('NUMSUB', wake)) as [string, number])[1] > 0,
    300_000,
  );
  await sleep(500);
  const load = loadavg()[0]!.toFixed(2);
  child.kill('SIGUSR2');
  await sleep(100);
  const cpu0 = processCpuSeconds(child.pid!);
  const redis0 = await redisCpuSeconds(redis);
  const commands0 = await commandCounts(redis);
  const t0 = performance.now();
  await new Queue(redis, QUEUE).resume();
  await until('the drain', async () => (await unfinished(redis, 'tq', QUEUE)) === 0, 600_000, 10);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = processCpuSeconds(child.pid!) - cpu0;
  const redisCpu = (await redisCpuSeconds(redis)) - redis0;
  const commands = commandDelta(commands0, await commandCounts(redis));
  child.kill('SIGUSR2');
  await until('the probe', () => Promise.resolve(existsSync(out)), 300_000);
  await sleep(200);
  child.kill('SIGTERM');
  await exited;
  const probe = JSON.parse(readFileSync(out, 'utf8')) as {
    bytes: number;
    cpuUs: number;
    top: [string, number][];
  };
  const per = (x: number) => (x / n).toFixed(2);
  console.log(
    `n=${n} load1=${load} ${Math.round(n / seconds)} tasks/s | worker CPU ${per(cpu * 1e6)} µs/task ` +
      `(cpuUsage ${per(probe.cpuUs)}) | Redis CPU ${per(redisCpu * 1e6)} µs/task | allocated ${per(probe.bytes)} B/task | ` +
      `${(n / (commands.fcall ?? NaN)).toFixed(1)} tasks per FCALL`,
  );
  if (process.env.DRAIN_COST_TOP)
    for (const [site, bytes] of probe.top.slice(0, Number(process.env.DRAIN_COST_TOP)))
      console.log(`  ${(bytes / n).toFixed(1).padStart(7)} B/task  ${site}`);
  if (existsSync(join(dir, 'cg.out'))) {
    const totals = /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, 'cg.out'), 'utf8'));
    console.log(`  worker instructions (whole process, start-up included): ${totals?.[1]}`);
  }
  const profiles = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  for (const f of profiles) console.log(summarizeCpuProfile(join(dir, f), 30));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
