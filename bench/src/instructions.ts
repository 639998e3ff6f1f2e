/**
 * `pnpm --filter @tq/bench instructions`: Redis CPU per task of each tq script counted in instructions, not
 * seconds, so a regression shows even on a loaded machine. A private redis-server runs under
 * `valgrind --tool=callgrind`; for each phase the harness zeroes callgrind's counters (`callgrind_control -z`),
 * makes a fixed number of script calls through @tq/core's Queue one after another, dumps the counters
 * (`callgrind_control -d`) and reports the instructions executed (Ir) ÷ tasks. The count covers everything
 * redis-server ran in the phase: reading and parsing the command, the script, the reply (not the kernel).
 *
 *   node dist/instructions.js [--tasks N] [--variants plain,events,groups,limits] [--format 1|2] [--json FILE]
 *
 * Variants (each on a fresh FLUSHALL): `plain` (a queue using no optional feature), `events` (events mode
 * `on`: every transition is written to the stream), `groups` (every task in one of 10 fair groups),
 * `limits` (a concurrency limit of 1,000,000, never reached). Needs `valgrind` and `redis-server` on the PATH
 * (REDIS_SERVER_BIN overrides the latter). Not part of the test command: it takes minutes.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  Queue,
  closeRedis,
  createRedis,
  newTaskId,
  DEFAULT_TASK_FORMAT,
  type TaskFormat,
  type ClaimedTask,
  type NewTask,
  type RedisClient,
} from '@tq/core';

const run = promisify(execFile);

const VARIANTS = ['plain', 'events', 'groups', 'limits'] as const;
type Variant = (typeof VARIANTS)[number];
const BATCH = 100;
const LEASE_MS = 600_000;
const START_TIMEOUT_MS = 120_000;

interface Args {
  tasks: number;
  variants: Variant[];
  /** The stored task format of the tasks (ADR 0045). */
  format: TaskFormat;
  json?: string;
}

/** One measured phase: instructions redis-server executed, and per task. */
export interface Phase {
  variant: Variant;
  phase: string;
  calls: number;
  tasks: number;
  ir: number;
  irPerTask: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { tasks: 1000, variants: ['plain'], format: DEFAULT_TASK_FORMAT };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--tasks') args.tasks = Number(argv[++i]);
    else if (a === '--variants') args.variants = (argv[++i] ?? '').split(',') as Variant[];
    else if (a === '--json') args.json = argv[++i];
    else if (a === '--format') args.format = Number(argv[++i]) as TaskFormat;
    else throw new Error(`unknown argument ${a}; see the header of bench/src/instructions.ts`);
  }
  if (!(Number.isInteger(args.tasks) && args.tasks >= BATCH && args.tasks % BATCH === 0))
    throw new Error(`--tasks takes a whole multiple of ${BATCH}`);
  if (args.format !== 1 && args.format !== 2) throw new Error('--format takes 1 or 2');
  for (const v of args.variants)
    if (!VARIANTS.includes(v)) throw new Error(`--variants: unknown "${v}" (${VARIANTS.join(', ')})`);
  return args;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** redis-server under callgrind, counting from the start; phases are cut with callgrind_control. */
class CallgrindRedis {
  private constructor(
    readonly child: ChildProcess,
    readonly dir: string,
    readonly url: string,
  ) {}

  static async start(): Promise<CallgrindRedis> {
    const dir = mkdtempSync(join(tmpdir(), 'tq-callgrind-'));
    const port = await freePort();
    const child = spawn(
      'valgrind',
      [
        '--tool=callgrind',
        `--callgrind-out-file=${join(dir, 'cg.out')}`,
        process.env.REDIS_SERVER_BIN ?? 'redis-server',
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        // The background cron at its slowest (once a second), so that phases count the commands, not the clock.
        '--hz',
        '1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const spawned = new CallgrindRedis(child, dir, `redis://127.0.0.1:${port}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis-server under valgrind did not start:\n${output}`)),
        START_TIMEOUT_MS,
      );
      const check = () => {
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', check);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`valgrind could not start (apt-get install valgrind): ${error.message}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`valgrind exited with ${code}:\n${output}`));
      });
    });
    return spawned;
  }

  async zero(): Promise<void> {
    await run('callgrind_control', ['-z', String(this.child.pid)]);
  }

  /** Dumps (and zeroes) the counters; returns the instructions since the last zero or dump. */
  async dump(label: string): Promise<number> {
    const before = new Set(readdirSync(this.dir));
    await run('callgrind_control', ['-d', label, String(this.child.pid)]);
    let fresh: string[] = [];
    // callgrind writes the dump when it next gets control, after callgrind_control has returned.
    for (let i = 0; i < 100 && fresh.length === 0; i++) {
      fresh = readdirSync(this.dir).filter((f) => f.startsWith('cg.out.') && !before.has(f));
      if (fresh.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (fresh.length !== 1)
      throw new Error(`expected one new callgrind dump, found ${fresh.join(', ') || 'none'} in ${this.dir}`);
    const text = readFileSync(join(this.dir, fresh[0] ?? ''), 'utf8');
    const match = /^summary:\s+(\d+)/m.exec(text);
    if (!match) throw new Error(`no summary line in callgrind dump ${fresh[0]}`);
    return Number(match[1]);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function newTasks(queue: string, n: number, variant: Variant, from: number, format: TaskFormat): NewTask[] {
  return Array.from({ length: n }, (_, i) => ({
    id: newTaskId(queue, undefined, 0, format),
    type: 'noop',
    payload: '"hello world"',
    maxAttempts: 5,
    ...(variant === 'groups' ? { group: `g${(from + i) % 10}` } : {}),
  }));
}

async function claimAll(queue: Queue, n: number): Promise<ClaimedTask[]> {
  const out: ClaimedTask[] = [];
  while (out.length < n) {
    const { tasks } = await queue.claim(Math.min(BATCH, n - out.length), LEASE_MS);
    if (tasks.length === 0) throw new Error(`claim returned nothing after ${out.length} of ${n} tasks`);
    out.push(...tasks);
  }
  return out;
}

const lease = (t: ClaimedTask) => ({ id: t.id, token: t.token });

async function measureVariant(
  server: CallgrindRedis,
  redis: RedisClient,
  variant: Variant,
  n: number,
  format: TaskFormat,
): Promise<Phase[]> {
  await redis.flushall();
  const name = `ir-${variant}`;
  const queue = new Queue(redis, name);
  // Registration and script loading happen here, outside the measured phases.
  await queue.enqueue(newTasks(name, 1, variant, 0, format));
  await claimAll(queue, 1).then((t) => queue.complete(t.map(lease)));
  if (variant === 'events') await queue.setEventsMode('on');
  if (variant === 'limits') await queue.setLimits({ concurrency: 1_000_000 });
  const phases: Phase[] = [];
  const measure = async (phase: string, calls: number, tasks: number, body: () => Promise<void>) => {
    await server.zero();
    await body();
    const ir = await server.dump(`${variant}-${phases.length}`);
    phases.push({ variant, phase, calls, tasks, ir, irPerTask: Math.round(ir / tasks) });
    process.stderr.write(`${variant} ${phase}: ${Math.round(ir / tasks)} Ir/task\n`);
  };

  if (variant === 'plain') {
    // What the server does on its own (serverCron at --hz 1) while a phase runs: per second, for scale.
    await measure(
      'idle server, per second (2 s)',
      0,
      2,
      () => new Promise((resolve) => setTimeout(resolve, 2000)),
    );
    await measure('PING (the floor of one round trip)', n, n, async () => {
      for (let i = 0; i < n; i++) await redis.ping();
    });
  }
  await measure('enqueue, 1 per call', n, n, async () => {
    for (let i = 0; i < n; i++) await queue.enqueue(newTasks(name, 1, variant, i, format));
  });
  await measure(`enqueue, ${BATCH} per call`, n / BATCH, n, async () => {
    for (let i = 0; i < n; i += BATCH) await queue.enqueue(newTasks(name, BATCH, variant, i, format));
  });
  let running: ClaimedTask[] = [];
  await measure('claim, 1 per call', n, n, async () => {
    for (let i = 0; i < n; i++) running.push(...(await queue.claim(1, LEASE_MS)).tasks);
  });
  if (running.length !== n) throw new Error(`claimed ${running.length} of ${n}`);
  await measure('complete, 1 per call', n, n, async () => {
    for (const t of running) await queue.complete([lease(t)]);
  });
  running = [];
  await measure(`claim, ${BATCH} per call`, n / BATCH, n, async () => {
    for (let i = 0; i < n; i += BATCH) running.push(...(await queue.claim(BATCH, LEASE_MS)).tasks);
  });
  if (running.length !== n) throw new Error(`claimed ${running.length} of ${n}`);
  await measure(`complete, ${BATCH} per call`, n / BATCH, n, async () => {
    for (let i = 0; i < n; i += BATCH) await queue.complete(running.slice(i, i + BATCH).map(lease));
  });
  // complete_and_claim as a busy worker runs it: acknowledges a batch and leases the next one.
  for (let i = 0; i < n + BATCH; i += BATCH) await queue.enqueue(newTasks(name, BATCH, variant, i, format));
  running = await claimAll(queue, BATCH);
  await measure(`complete_and_claim, ${BATCH} acks + ${BATCH} claims per call`, n / BATCH, n, async () => {
    for (let i = 0; i < n; i += BATCH) {
      const { codes, claim } = await queue.completeAndClaim(running.map(lease), BATCH, LEASE_MS);
      if (codes.some((c) => c !== 'ok') || claim.tasks.length !== BATCH)
        throw new Error(
          `complete_and_claim: ${codes.filter((c) => c !== 'ok').length} refused, ${claim.tasks.length} claimed`,
        );
      running = claim.tasks;
    }
  });
  // complete_and_claim as a worker at concurrency 1 runs it: every task is one call (issue 18 target 5).
  await queue.complete(running.map(lease));
  for (let i = 0; i < n + BATCH; i += BATCH) await queue.enqueue(newTasks(name, BATCH, variant, i, format));
  running = await claimAll(queue, 1);
  await measure('complete_and_claim, 1 ack + 1 claim per call', n, n, async () => {
    for (let i = 0; i < n; i++) {
      const { codes, claim } = await queue.completeAndClaim(running.map(lease), 1, LEASE_MS);
      if (codes[0] !== 'ok' || claim.tasks.length !== 1)
        throw new Error(`complete_and_claim: ${codes.join()} answered, ${claim.tasks.length} claimed`);
      running = claim.tasks;
    }
  });
  // The way of one task through an idle worker (issue 18 target 3): enqueued alone, claimed by a claim that
  // asks for 10 and comes back short, acknowledged alone.
  await queue.complete(running.map(lease));
  await claimAll(queue, BATCH - 1).then((t) => queue.complete(t.map(lease)));
  await measure('idle path: enqueue 1, claim (10 asked, 1 found), complete 1', n, n, async () => {
    for (let i = 0; i < n; i++) {
      await queue.enqueue(newTasks(name, 1, variant, i, format));
      const { tasks } = await queue.claim(10, LEASE_MS);
      if (tasks.length !== 1) throw new Error(`idle path: claimed ${tasks.length}`);
      await queue.complete(tasks.map(lease));
    }
  });
  return phases;
}

export function renderTable(phases: Phase[]): string {
  const variants = [...new Set(phases.map((p) => p.variant))];
  const names = [...new Set(phases.map((p) => p.phase))];
  const rows = names.map((name) => {
    const cells = variants.map((v) => {
      const p = phases.find((x) => x.variant === v && x.phase === name);
      return p ? p.irPerTask.toLocaleString('en-US') : '–';
    });
    return `| ${name} | ${cells.join(' | ')} |`;
  });
  return [
    `| Redis instructions (Ir) per task | ${variants.join(' | ')} |`,
    `| --- | ${variants.map(() => '---:').join(' | ')} |`,
    ...rows,
  ].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const server = await CallgrindRedis.start();
  const redis = createRedis(server.url, { connectionName: 'bench-instructions' });
  try {
    const phases: Phase[] = [];
    for (const v of args.variants)
      phases.push(...(await measureVariant(server, redis, v, args.tasks, args.format)));
    const { stdout } = await run(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--version']);
    const out = { tasks: args.tasks, format: args.format, redis: stdout.trim(), phases };
    if (args.json) writeFileSync(args.json, JSON.stringify(out, null, 2));
    console.log(`${stdout.trim()}; ${args.tasks} tasks per phase, calls one after another\n`);
    console.log(renderTable(phases));
  } finally {
    await closeRedis(redis);
    await server.stop();
  }
}

if (require.main === module)
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
