/**
 * `pnpm bench:grpc`: unary gRPC next to HTTP (docs/performance.md, issue 16). On a private redis-server,
 * starts the stock API (apps/api dist/main.js) as its own process, serving HTTP and gRPC, and measures in
 * turn, each for --seconds after a 1 s warm-up, with the load generator in its own process:
 *   HTTP POST /tasks (autocannon, --connections) and gRPC Submit (--connections channels),
 *   HTTP POST /tasks/batch and gRPC SubmitBatch with --batch tasks per call (--batch-connections),
 * repeated --repeat times, Redis flushed before each run. Prints a table of requests/s, tasks/s, p50/p99 and
 * the API's CPU per task and the load generator's per request (during the run, start-up excluded), and
 * writes bench/results/grpc.json. Not part of the test command.
 * Options: --seconds N (5), --connections N (100), --batch N (100), --batch-connections N (8), --repeat N (3).
 */
import { spawn, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startRedisServer } from '@tq/testing';
import { Redis } from 'ioredis';
import { builtFile } from './load-cjs';
import { describeLoad } from './machine';
import { processCpuSeconds } from './probe';
import { load } from './scenarios/http';
import { round } from './stats';

interface Args {
  seconds: number;
  connections: number;
  batch: number;
  batchConnections: number;
  repeat: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seconds: 5, connections: 100, batch: 100, batchConnections: 8, repeat: 3 };
  const names: Record<string, keyof Args> = {
    '--seconds': 'seconds',
    '--connections': 'connections',
    '--batch': 'batch',
    '--batch-connections': 'batchConnections',
    '--repeat': 'repeat',
  };
  // `pnpm bench:grpc -- --seconds 2` hands the `--` on: skip it.
  argv = argv.filter((a) => a !== '--');
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]!];
    const value = Number(argv[i + 1]);
    if (!key || !Number.isFinite(value) || value <= 0)
      throw new Error(`bad argument ${argv[i]} ${argv[i + 1]}; see the header of bench/src/grpc.ts`);
    args[key] = value;
  }
  return args;
}

interface Run {
  what: string;
  requestsPerS: number;
  tasksPerS: number;
  p50Ms: number;
  p99Ms: number;
  apiCpuUsPerTask: number;
  /** The load generator's CPU per request during the run: is the client the limit? */
  loadCpuUsPerRequest: number;
}

async function grpcLoad(options: Record<string, unknown>): Promise<{
  ok: number;
  errors: number;
  durationS: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  firstError?: string;
  cpuS: number;
}> {
  const child = fork(join(__dirname, 'grpc-load-child.js'), [JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => void (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => void (err += b.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`the gRPC load child exited ${code}: ${err}`);
  return JSON.parse(out) as Awaited<ReturnType<typeof grpcLoad>>;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const apiMain = builtFile('@tq/api', 'dist/main.js');
  if (!apiMain) throw new Error('apps/api is not built: run `pnpm build` first');
  const server = await startRedisServer();
  const redis = new Redis(server.url);
  const port = await freePort();
  const grpcPort = await freePort();
  const api = spawn(process.execPath, [apiMain], {
    env: {
      ...process.env,
      PORT: String(port),
      GRPC_PORT: String(grpcPort),
      REDIS_URL: server.url,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const runs: Run[] = [];
  try {
    for (let i = 0; ; i++) {
      if (api.exitCode !== null) throw new Error(`the API exited (${api.exitCode})`);
      if ((await fetch(`${url}/readyz`).catch(() => undefined))?.ok) break;
      if (i > 400) throw new Error('the API never became ready');
      await new Promise((r) => setTimeout(r, 50));
    }
    const task = { type: 'noop', payload: 'hello world', queue: 'bench-grpc' };
    const targets = [
      { what: 'HTTP POST /tasks', batch: 1, connections: args.connections, grpc: false },
      { what: 'gRPC Submit', batch: 1, connections: args.connections, grpc: true },
      {
        what: `HTTP POST /tasks/batch (${args.batch})`,
        batch: args.batch,
        connections: args.batchConnections,
        grpc: false,
      },
      {
        what: `gRPC SubmitBatch (${args.batch})`,
        batch: args.batch,
        connections: args.batchConnections,
        grpc: true,
      },
    ];
    for (let r = 0; r < args.repeat; r++) {
      for (const t of targets) {
        await redis.flushall();
        const http = {
          url: url + (t.batch === 1 ? '/tasks' : '/tasks/batch'),
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(t.batch === 1 ? task : { tasks: Array.from({ length: t.batch }, () => task) }),
          connections: t.connections,
          pipelining: 1,
        };
        const grpc = {
          address: `127.0.0.1:${grpcPort}`,
          method: t.batch === 1 ? 'Submit' : 'SubmitBatch',
          batch: t.batch,
          connections: t.connections,
        };
        if (t.grpc) await grpcLoad({ ...grpc, durationS: 1 });
        else await load(http, 1);
        const cpu0 = processCpuSeconds(api.pid ?? 0);
        let ok: number, durationS: number, p50: number, p99: number, loadCpuS: number;
        if (t.grpc) {
          const res = await grpcLoad({ ...grpc, durationS: args.seconds });
          if (res.errors > 0) throw new Error(`${t.what}: ${res.errors} errors, first: ${res.firstError}`);
          ({ ok, durationS, latencyP50Ms: p50, latencyP99Ms: p99, cpuS: loadCpuS } = res);
        } else {
          const res = await load(http, args.seconds);
          if (res.non2xx > 0 || res.errors > 0)
            throw new Error(`${t.what}: ${res.non2xx} non-2xx, ${res.errors} errors`);
          ({ ok2xx: ok, durationS, latencyP50Ms: p50, latencyP99Ms: p99, cpuS: loadCpuS } = res);
        }
        const cpu = processCpuSeconds(api.pid ?? 0) - cpu0;
        const run: Run = {
          what: t.what,
          requestsPerS: round(ok / durationS),
          tasksPerS: round((ok * t.batch) / durationS),
          p50Ms: round(p50),
          p99Ms: round(p99),
          apiCpuUsPerTask: round((cpu * 1e6) / (ok * t.batch)),
          loadCpuUsPerRequest: round((loadCpuS * 1e6) / ok),
        };
        runs.push(run);
        console.log(`r${r + 1} ${JSON.stringify(run)}`);
      }
    }
  } finally {
    api.kill('SIGTERM');
    await once(api, 'exit');
    redis.disconnect();
    await server.stop();
  }
  const rows = [...new Set(runs.map((r) => r.what))].map((what) => {
    const mine = runs.filter((r) => r.what === what);
    const range = (k: keyof Run) => {
      const v = mine.map((r) => r[k] as number);
      return `${Math.round(Math.min(...v))}–${Math.round(Math.max(...v))}`;
    };
    return `| ${what} | ${range('requestsPerS')} | ${range('tasksPerS')} | ${range('p50Ms')} | ${range('p99Ms')} | ${range('apiCpuUsPerTask')} | ${range('loadCpuUsPerRequest')} |`;
  });
  const table = [
    `${describeLoad()}; ${args.repeat} runs of ${args.seconds} s each, min–max`,
    '',
    '| target | requests/s | tasks/s | p50 ms | p99 ms | API CPU µs/task | load generator CPU µs/request |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
  console.log(`\n${table}`);
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'grpc.json'), JSON.stringify({ args, runs }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
