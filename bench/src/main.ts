/**
 * `pnpm bench`: tq, BullMQ and bee-queue side by side on one private redis-server, each scenario repeated
 * and reported as medians, with tq ÷ each peer and the DESIGN.md §6 targets.
 *
 *   node dist/main.js            the full run (~10 min on 2 cores)
 *   node dist/main.js --quick    a smoke run of seconds: checks the harness and its output, not speed
 *   node dist/main.js --profile  CPU profiles of tq's worker and API plus Redis commandstats (results/tmp/)
 * Options: --repeat N, --only enqueue,http,drain,latency,memory,idle,idempotency,events,features,ceiling, --out DIR,
 * --render RESULTS.json.
 * Env: BENCH_TQ_WORKER=main|lib|core and BENCH_TQ_API=stand-in force a tq driver; REDIS_SERVER_BIN.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRedisServer } from '@tq/testing';
import { Redis } from 'ioredis';
import type { Column, Context, Metric } from './context';
import { describeLoad, describeMachine } from './machine';
import { cpuSnapshot, foreignCores } from './machine-load';
import { FULL, QUICK } from './profile-sizes';
import { runProfile } from './profile';
import { judgeTargets, renderMarkdown, type Results } from './report';
import { runCeiling } from './scenarios/ceiling';
import { runDrain } from './scenarios/drain';
import { runEnqueue } from './scenarios/enqueue';
import { runEvents } from './scenarios/events';
import { runFeatures } from './scenarios/features';
import { runHttp } from './scenarios/http';
import { runIdempotency } from './scenarios/idempotency';
import { runIdle } from './scenarios/idle';
import { runLatency } from './scenarios/latency';
import { runMemory } from './scenarios/memory';
import { describeSettings } from './settings';
import { round } from './stats';
import { describeApiDriver, describeWorkerDriver, pickApiDriver, pickWorkerDriver } from './tq-app';
import { validateResults } from './validate';

const SCENARIOS: Record<string, (ctx: Context) => Promise<void>> = {
  enqueue: runEnqueue,
  http: runHttp,
  drain: runDrain,
  latency: runLatency,
  memory: runMemory,
  idle: runIdle,
  idempotency: runIdempotency,
  events: runEvents,
  features: runFeatures,
  // After tq's scenarios, so that the rows it adds a column to carry their labels.
  ceiling: runCeiling,
};

interface Args {
  /** Re-render the markdown of an existing results JSON (after a report change) and exit. */
  render?: string;
  quick: boolean;
  profile: boolean;
  repeat?: number;
  only?: string[];
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, profile: false, out: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--profile') args.profile = true;
    else if (a === '--render') args.render = argv[++i];
    else if (a === '--repeat') args.repeat = Number(argv[++i]);
    else if (a === '--only') args.only = (argv[++i] ?? '').split(',');
    else if (a === '--out') args.out = argv[++i] ?? args.out;
    else throw new Error(`unknown argument ${a}; see the header of bench/src/main.ts`);
  }
  // Smoke runs (CI) write under results/tmp (git-ignored); full runs next to the committed results.
  args.out ||= join(__dirname, '..', 'results', args.quick ? 'tmp' : '');
  if (args.repeat !== undefined && !(Number.isInteger(args.repeat) && args.repeat > 0))
    throw new Error('--repeat takes a positive whole number');
  for (const s of args.only ?? [])
    if (!SCENARIOS[s])
      throw new Error(`--only: unknown scenario "${s}" (${Object.keys(SCENARIOS).join(', ')})`);
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.render) {
    const results = JSON.parse(readFileSync(args.render, 'utf8')) as Results;
    results.targets = judgeTargets(results.metrics);
    writeFileSync(args.render, JSON.stringify(results, null, 2) + '\n');
    writeFileSync(args.render.replace(/\.json$/, '.md'), renderMarkdown(results));
    return 0;
  }
  const sizes = args.quick ? QUICK : FULL;
  const repeat = args.repeat ?? sizes.repeat;
  const started = Date.now();
  const date = new Date()
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  const log = (message: string) =>
    console.log(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
  const concurrentLoad = describeLoad();

  const server = await startRedisServer({ appendonly: false });
  const redis = new Redis(server.url);
  const metrics: Metric[] = [];
  const details: Record<string, unknown> = {};
  const failures: Results['failures'] = [];
  /** Average cores kept busy by processes outside the bench, per scenario: a disturbed run shows here. */
  const otherLoad: Record<string, number> = {};
  const runStart = cpuSnapshot(0);
  const tqWorker = pickWorkerDriver();
  const tqApi = pickApiDriver();
  const ctx: Context = {
    redisUrl: server.url,
    redis,
    redisPid: server.pid,
    sizes,
    repeat,
    tqWorker,
    tqApi,
    tqExecArgv: [],
    log,
    record(metric, column: Column, value, note) {
      let m = metrics.find((x) => x.id === metric.id);
      if (!m) {
        m = { ...metric, values: {} };
        metrics.push(m);
      }
      (m.values[column] ??= []).push(round(value, 5));
      if (note) (m.notes ??= {})[column] = note;
    },
    detail: (key, value) => void (details[key] = value),
    fail(where, error) {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failures.push({ where, error: text });
      log(`FAILED ${where}: ${text.split('\n')[0]}`);
    },
  };
  log(
    `redis-server ${server.url} (pid ${server.pid}); tq worker: ${describeWorkerDriver(tqWorker)}; tq API: ${describeApiDriver(tqApi)}`,
  );
  log(`before the run: ${concurrentLoad}`);

  try {
    if (args.profile) {
      await runProfile(ctx, join(args.out, 'tmp', `profile-${date}`));
      return failures.length === 0 ? 0 : 1;
    }
    for (const [name, run] of Object.entries(SCENARIOS)) {
      if (args.only && !args.only.includes(name)) continue;
      log(`scenario ${name}`);
      const before = cpuSnapshot(server.pid);
      await run(ctx);
      const cores = foreignCores(before, cpuSnapshot(server.pid));
      otherLoad[name] = Number(cores.toFixed(2));
      log(`scenario ${name} done; other processes kept ${cores.toFixed(2)} cores busy meanwhile`);
    }
  } finally {
    redis.disconnect();
    await server.stop();
  }

  const machine = describeMachine();
  const results: Results = {
    meta: {
      date,
      profile: sizes.name,
      repeat,
      wallSeconds: Math.round((Date.now() - started) / 1000),
      machine,
      machineSummary: `${String(machine.nproc)} × ${String(machine.cpuModel)}, Node ${String(machine.node)}, Redis ${String(machine.redis)}`,
      concurrentLoad,
      loadAfter: describeLoad(),
      otherProcessesCores: {
        wholeRun: Number(foreignCores(runStart, cpuSnapshot(0)).toFixed(2)),
        ...otherLoad,
      },
      tqWorker: describeWorkerDriver(tqWorker),
      tqApi: describeApiDriver(tqApi),
      sizes,
      settings: describeSettings(sizes),
    },
    metrics,
    details,
    failures,
    targets: judgeTargets(metrics),
  };
  mkdirSync(args.out, { recursive: true });
  const base = join(args.out, args.quick ? `quick-${date}` : date);
  writeFileSync(`${base}.json`, JSON.stringify(results, null, 2) + '\n');
  const markdown = renderMarkdown(results);
  writeFileSync(`${base}.md`, markdown);
  console.log(`\n${markdown}`);
  log(`wrote ${base}.json and ${base}.md`);

  const problems = validateResults(`${base}.json`, `${base}.md`, args.only ? undefined : sizes);
  for (const p of problems) log(`INVALID OUTPUT: ${p}`);
  if (failures.length > 0) log(`${failures.length} scenario run(s) failed (see the JSON's failures)`);
  return problems.length === 0 && failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
