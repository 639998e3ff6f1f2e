/**
 * `pnpm --filter @tq/bench latency:gc`: whether the tail of scenario 4 (enqueue -> handler start at a fixed
 * rate with an idle worker) is made of garbage-collection pauses. Runs scenario 4's setting for one system
 * (tq: `createWorker` at concurrency 10, claim batch 20, the producer `TaskService.submit`; bee-queue: its
 * bench settings) on a private redis-server, records every task's enqueue stamp, handler start and
 * acknowledgement in the worker, and every GC pause (perf_hooks 'gc' entries) in the worker and in the
 * producer, on one clock (ipc.ts `clockMs`). Prints the percentiles, the pauses
 * (count, per 10,000 tasks, length) and, for the slowest 1 % and 2 % of tasks, how many had a pause of the
 * worker or of the producer fall between their enqueue and their start, next to the same share over all tasks.
 * The worker records into preallocated arrays, so its own bookkeeping adds no survivors. `tq-core` runs the
 * bench's minimal loop on @tq/core instead of createWorker (tells the worker's code from core's).
 *
 *   node dist/latency-gc.js [--system tq|tq-core|bee] [--rate 1000] [--seconds 10]
 *
 * Env: GC_CHILD_ARGS (node options of the worker process, e.g. `--trace-gc-nvp` for each scavenge's
 * allocated, survived and promoted bytes, `--trace-pretenuring-statistics` for V8's tenuring decisions);
 * GC_HEAP_PROFILE=<file> writes a sampling heap profile of the worker over the run (every allocation,
 * collected ones included; with GC_HEAP_PROFILE_SURVIVORS=1 and --expose-gc only what outlived a scavenge);
 * GC_DUMP=<file> writes every task's stamps and every pause as JSON.
 */
import { fork } from 'node:child_process';
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { Queue, createRedis } from '@tq/core';
import { startRedisServer } from '@tq/testing';
import { sleep } from './context';
import { CLOCK_ORIGIN_MS, clockMs, nextMessage, watchAcks } from './ipc';
import { BEE_WORKER_SETTINGS, loadBeeQueue, redisHostPort } from './peers';
import { percentile } from './stats';
import { loadTqWorker } from './tq-app';
import { CoreLoopWorker } from './tq-core-loop';

const QUEUE = 'gc-latency';

/** One GC pause on the shared clock: [start, end] ms, and its kind. */
interface Pause {
  start: number;
  end: number;
  kind: string;
}

const KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-sweep',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};

/** Collects this process's GC pauses from now on. */
function observeGc(): Pause[] {
  const pauses: Pause[] = [];
  const origin = CLOCK_ORIGIN_MS;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[])
      pauses.push({
        start: origin + e.startTime,
        end: origin + e.startTime + e.duration,
        kind: KINDS[e.detail?.kind ?? 0] ?? 'other',
      });
  }).observe({ entryTypes: ['gc'] });
  return pauses;
}

/**
 * Samples every allocation (every 512 bytes), collected objects included, from the first call of the
 * returned function (with '') to the next (which writes the profile to the path it is given).
 */
async function startAllocationSampling(): Promise<(path: string) => void> {
  const { Session } = await import('node:inspector');
  const { writeFileSync } = await import('node:fs');
  const survivors = process.env.GC_HEAP_PROFILE_SURVIVORS === '1';
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );
  return (path) => {
    if (path === '') {
      post('HeapProfiler.startSampling', {
        samplingInterval: 512,
        // GC_HEAP_PROFILE_SURVIVORS=1 (with --expose-gc): only what a scavenge at the end leaves, i.e. the
        // objects that lived through a scavenge (live, or promoted and dead since).
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: !survivors,
      }).catch(console.error);
      return;
    }
    if (survivors) (globalThis as { gc?: (o: object) => void }).gc?.({ type: 'minor' });
    post('HeapProfiler.stopSampling').then(
      (result) => writeFileSync(path, JSON.stringify((result as { profile: unknown }).profile)),
      console.error,
    );
  };
}

async function child(system: string, url: string, n: number): Promise<void> {
  // Preallocated: the recording allocates nothing per task (no survivors of its own).
  const enqueued = new Float64Array(n);
  const started = new Float64Array(n);
  const acked = new Float64Array(n);
  let count = 0;
  /** Task id -> its index in the arrays, until acknowledged (tq). */
  const index = new Map<string, number>();
  const onTask = (payload: unknown, id: string): void => {
    const at = clockMs();
    const t = (payload as { t?: unknown } | null)?.t;
    if (typeof t !== 'number' || count >= n) return;
    enqueued[count] = t;
    started[count] = at;
    index.set(id, count++);
  };
  const onAcked = (id: string): void => {
    const i = index.get(id);
    if (i === undefined) return;
    index.delete(id);
    acked[i] = clockMs();
  };
  let stop: () => Promise<void>;
  if (system === 'tq-core') {
    const redis = createRedis(url, { connectionName: 'gc-worker' });
    const subscriber = createRedis(url, { connectionName: 'gc-worker-sub' });
    const worker = new CoreLoopWorker(new Queue(redis, QUEUE), subscriber, 10, (payload) => {
      onTask(payload, '');
      return Promise.resolve();
    });
    await worker.start();
    stop = async () => {
      await worker.stop();
      await redis.quit();
    };
  } else if (system === 'tq') {
    const redis = createRedis(url, { connectionName: 'gc-worker' });
    watchAcks(redis, QUEUE, onAcked);
    const worker = loadTqWorker().createWorker({
      redis,
      queues: [QUEUE],
      concurrency: 10,
      claimBatch: 20,
      handlers: {
        noop: (ctx: { payload: unknown; id: string }) => {
          onTask(ctx.payload, ctx.id);
          return Promise.resolve();
        },
      },
    });
    await worker.start();
    stop = async () => {
      await worker.stop();
      await redis.quit();
    };
  } else {
    const BeeQueue = loadBeeQueue();
    const bee = new BeeQueue(QUEUE, { redis: redisHostPort(url), ...BEE_WORKER_SETTINGS });
    bee.on('succeeded', (job) => onAcked(String(job.id)));
    await bee.ready();
    bee.process(10, (job) => {
      onTask(job.data, String(job.id));
      return Promise.resolve();
    });
    stop = () => bee.close(5000);
  }
  let pauses = observeGc();
  const profile = process.env.GC_HEAP_PROFILE ? await startAllocationSampling() : undefined;
  process.send!({ type: 'ready' });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'reset') {
      count = 0;
      pauses.length = 0;
      pauses = observeGc();
      profile?.('');
      process.send!({ type: 'reset' });
    } else if (m.type === 'flush') {
      profile?.(process.env.GC_HEAP_PROFILE!);
      process.send!({
        type: 'flushed',
        enqueued: [...enqueued.subarray(0, count)],
        started: [...started.subarray(0, count)],
        acked: [...acked.subarray(0, count)],
        pauses,
      });
    } else if (m.type === 'stop') {
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }
  });
}

interface Flushed {
  enqueued: number[];
  started: number[];
  acked: number[];
  pauses: Pause[];
}

/** Whether a pause overlaps [from, to]. */
const hits = (pauses: Pause[], from: number, to: number) =>
  pauses.some((p) => p.end >= from && p.start <= to);

function describe(name: string, pauses: Pause[], n: number): void {
  const kinds = [...new Set(pauses.map((p) => p.kind))];
  const parts = kinds.map((kind) => {
    const ms = pauses.filter((p) => p.kind === kind).map((p) => p.end - p.start);
    return (
      `${ms.length} ${kind} (${((ms.length * 10_000) / n).toFixed(1)} per 10k tasks; ` +
      `p50 ${percentile(ms, 50).toFixed(2)} max ${Math.max(...ms).toFixed(2)} ms, total ${ms.reduce((a, b) => a + b, 0).toFixed(1)} ms)`
    );
  });
  console.log(`${name} GC: ${parts.join(', ') || 'none'}`);
}

async function harness(system: string, rate: number, seconds: number): Promise<void> {
  const n = Math.round(rate * seconds);
  const server = await startRedisServer({ appendonly: false });
  const worker = fork(__filename, ['--child', system, server.url, String(n)], {
    execArgv: process.env.GC_CHILD_ARGS ? process.env.GC_CHILD_ARGS.split(' ') : [],
    stdio: 'inherit',
  });
  const next = <T>(type: string) => nextMessage<T>(worker, type);
  // Imported here, not at the top: producers.ts loads bullmq, which the worker process must not load (the
  // bench's worker child does not; with it loaded, V8 grows the young generation to its 16 MB maximum and
  // every scavenge copies ~400 KB more, see docs/performance.md).
  const { createProducer } = await import('./producers.js');
  const producer = await createProducer(system === 'bee' ? 'bee' : 'tq', server.url, QUEUE);
  try {
    await next('ready');
    await producer.addOne({ warmup: true });
    await sleep(1000);
    worker.send({ type: 'reset' });
    await next('reset');
    const producerPauses = observeGc();
    const errors: unknown[] = [];
    let sent = 0;
    const t0 = clockMs();
    while (sent < n) {
      const due = Math.min(n, Math.floor(((clockMs() - t0) / 1000) * rate) + 1);
      for (; sent < due; sent++) producer.addOne({ t: clockMs() }).catch((e: unknown) => errors.push(e));
      await sleep(1);
    }
    await sleep(1000);
    if (errors.length > 0) throw errors[0];
    worker.send({ type: 'flush' });
    const { enqueued, started, acked, pauses } = await next<Flushed>('flushed');
    const tasks = enqueued.map((t, i) => ({ t, start: started[i]!, ack: acked[i]! }));
    const lat = tasks.map((x) => x.start - x.t);
    const ack = tasks.filter((x) => x.ack > 0).map((x) => x.ack - x.t);
    const fmt = (xs: number[]) =>
      [50, 95, 99].map((p) => `p${p} ${percentile(xs, p).toFixed(2)}`).join(' ') +
      ` max ${Math.max(...xs).toFixed(2)} ms`;
    console.log(`${system}: ${tasks.length} of ${n} tasks at ${rate}/s`);
    console.log(`enqueue → start ${fmt(lat)}; enqueue → acknowledged ${fmt(ack)}`);
    describe('worker', pauses, tasks.length);
    describe('producer', producerPauses, tasks.length);
    const share = (xs: typeof tasks, of: (x: (typeof tasks)[number]) => boolean) =>
      `${xs.filter(of).length}/${xs.length}`;
    const sorted = [...tasks].sort((a, b) => b.start - b.t - (a.start - a.t));
    for (const pct of [1, 2]) {
      const tail = sorted.slice(0, Math.max(1, Math.round((tasks.length * pct) / 100)));
      const w = (x: (typeof tasks)[number]) => hits(pauses, x.t, x.start);
      const p = (x: (typeof tasks)[number]) => hits(producerPauses, x.t, x.start);
      console.log(
        `slowest ${pct} % (enqueue → start >= ${(tail.at(-1)!.start - tail.at(-1)!.t).toFixed(2)} ms): ` +
          `worker GC within ${share(tail, w)} (all tasks ${share(tasks, w)}), ` +
          `producer GC within ${share(tail, p)} (all ${share(tasks, p)}), ` +
          `either ${share(tail, (x) => w(x) || p(x))} (all ${share(tasks, (x) => w(x) || p(x))})`,
      );
    }
    if (process.env.GC_DUMP) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(process.env.GC_DUMP, JSON.stringify({ tasks, pauses, producerPauses }));
    }
  } finally {
    worker.send({ type: 'stop' });
    await new Promise((resolve) => worker.once('exit', resolve));
    await producer.close();
    await server.stop();
  }
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1]!;
}

const main =
  process.argv[2] === '--child'
    ? child(process.argv[3]!, process.argv[4]!, Number(process.argv[5]))
    : harness(arg('--system', 'tq'), Number(arg('--rate', '1000')), Number(arg('--seconds', '10')));
main.catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
