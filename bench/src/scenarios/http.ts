/**
 * Scenario 2: tq over HTTP. autocannon runs in its own process against, in turn:
 *   ref    a bare express 5 route doing one EVALSHA (ref-server.ts): the HTTP + one-round-trip floor;
 *   tq     apps/api `POST /tasks` (one task per request) and `POST /tasks/batch` (B tasks per request).
 * Same connections, duration and body for ref and tq single; every server has its own process.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Column, Context } from '../context';
import { commandCounts, commandDelta, processCpuSeconds, redisCpuSeconds, totalCalls } from '../probe';
import { waitUntil } from './common';

const QUEUE = 'bench-http';
const SCENARIO = '2 HTTP';
const ONE_TASK = JSON.stringify({ type: 'noop', payload: 'hello world', queue: QUEUE });

interface LoadResult {
  ok2xx: number;
  total: number;
  durationS: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU seconds the load generator's process used during the run (user + system). */
  cpuS: number;
}

interface Server {
  url: string;
  child: ChildProcess;
  output: () => string;
}

export async function runHttp(ctx: Context): Promise<void> {
  const servers: Server[] = [];
  try {
    const ref = await startServer(ctx, 'ref');
    servers.push(ref);
    const tq = await startServer(ctx, 'tq');
    servers.push(tq);
    const targets: { column: Column; server: Server; batch: number }[] = [
      { column: 'ref', server: ref, batch: 1 },
      { column: 'tq', server: tq, batch: 1 },
      ...ctx.sizes.httpBatchSizes.map((batch): { column: Column; server: Server; batch: number } => ({
        column: 'tq',
        server: tq,
        batch,
      })),
    ];
    for (let r = 0; r < ctx.repeat; r++) {
      for (const { column, server, batch } of targets) {
        const what = batch === 1 ? `${column} POST /tasks` : `${column} POST /tasks/batch (${batch})`;
        try {
          await ctx.redis.flushall();
          const path = batch === 1 ? '/tasks' : '/tasks/batch';
          const body =
            batch === 1
              ? ONE_TASK
              : JSON.stringify({
                  tasks: Array.from({ length: batch }, () => JSON.parse(ONE_TASK) as unknown),
                });
          const connections = batch === 1 ? ctx.sizes.httpConnections : ctx.sizes.httpBatchConnections;
          const options = {
            url: server.url + path,
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
            connections,
            pipelining: 1,
          };
          if (ctx.sizes.httpWarmupS > 0) await load(options, ctx.sizes.httpWarmupS);
          const cpu0 = processCpuSeconds(server.child.pid ?? 0);
          const cmd0 = await commandCounts(ctx.redis);
          const redisCpu0 = await redisCpuSeconds(ctx.redis);
          const result = await load(options, ctx.sizes.httpDurationS);
          const redisCpu = (await redisCpuSeconds(ctx.redis)) - redisCpu0;
          const commands = commandDelta(cmd0, await commandCounts(ctx.redis));
          const cpu = processCpuSeconds(server.child.pid ?? 0) - cpu0;
          if (result.non2xx > 0 || result.errors > 0 || result.ok2xx === 0) {
            throw new Error(
              `${what}: ${result.ok2xx} 2xx, ${result.non2xx} non-2xx, ${result.errors} errors; server output:\n${server.output()}`,
            );
          }
          const tasks = result.ok2xx * batch;
          if (batch === 1) {
            ctx.record(
              {
                id: 'http.one',
                scenario: SCENARIO,
                label: `POST /tasks requests/s (${connections} connections)`,
                unit: 'requests/s',
                better: 'higher',
              },
              column,
              result.ok2xx / result.durationS,
              column === 'ref' ? 'bare express 5 route + one EVALSHA (LPUSH)' : undefined,
            );
            ctx.record(
              {
                id: 'http.one.p99',
                scenario: SCENARIO,
                label: 'POST /tasks latency p99 under that load',
                unit: 'ms',
                better: 'lower',
              },
              column,
              result.latencyP99Ms,
            );
            ctx.record(
              {
                id: 'http.one.serverCpu',
                scenario: SCENARIO,
                label: 'server process CPU per POST /tasks',
                unit: 'µs/request',
                better: 'lower',
              },
              column,
              (cpu * 1e6) / result.ok2xx,
            );
            ctx.record(
              {
                id: 'http.one.redisCpu',
                scenario: SCENARIO,
                label: 'Redis CPU per POST /tasks',
                unit: 'µs/request',
                better: 'lower',
              },
              column,
              (redisCpu * 1e6) / result.ok2xx,
            );
            ctx.record(
              {
                id: 'http.one.commands',
                scenario: SCENARIO,
                label: 'Redis commands per POST /tasks (incl. inside scripts)',
                unit: 'commands/request',
                better: 'lower',
              },
              column,
              totalCalls(commands) / result.ok2xx,
            );
          } else {
            ctx.record(
              {
                id: `http.batch${batch}`,
                scenario: SCENARIO,
                label: `tasks/s over POST /tasks/batch, ${batch} per request (${connections} connections)`,
                unit: 'tasks/s',
                better: 'higher',
              },
              column,
              tasks / result.durationS,
            );
          }
          ctx.detail(`http.${column}.${batch}.r${r + 1}`, {
            ...result,
            commandsPerTask: Number((totalCalls(commands) / tasks).toFixed(2)),
          });
          ctx.log(`http r${r + 1} ${what}: ${Math.round(result.ok2xx / result.durationS)} requests/s`);
        } catch (error) {
          ctx.fail(`http ${what} r${r + 1}`, error);
        }
      }
    }
  } catch (error) {
    ctx.fail('http servers', error);
  } finally {
    for (const s of servers) await stopServer(s);
  }
}

export async function startServer(ctx: Context, which: 'ref' | 'tq'): Promise<Server> {
  const port = await freePort();
  const env = {
    ...process.env,
    PORT: String(port),
    GRPC_PORT: '0',
    REDIS_URL: ctx.redisUrl,
    LOG_LEVEL: process.env.BENCH_TQ_LOG_LEVEL ?? 'warn',
  };
  const stdio: ['ignore', 'pipe', 'pipe', 'ipc'] = ['ignore', 'pipe', 'pipe', 'ipc'];
  let child: ChildProcess;
  if (which === 'ref') child = fork(join(__dirname, '..', 'ref-server.js'), [], { env, stdio });
  else if (ctx.tqApi.kind === 'main')
    child = spawn(process.execPath, [...ctx.tqExecArgv, ctx.tqApi.path], { env, stdio });
  else child = fork(join(__dirname, '..', 'standin-api.js'), [], { env, stdio, execArgv: ctx.tqExecArgv });
  let out = '';
  const keep = (b: Buffer) => void (out = (out + b.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    `${which} server on ${url}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`${which} server exited (${child.exitCode}):\n${out}`);
      try {
        return (await fetch(`${url}/healthz`)).ok;
      } catch {
        return false;
      }
    },
    20_000,
    50,
  );
  return { url, child, output: () => out };
}

export async function stopServer(server: Server): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

export async function load(options: Record<string, unknown>, durationS: number): Promise<LoadResult> {
  const child = fork(
    join(__dirname, '..', 'load-child.js'),
    [JSON.stringify({ ...options, duration: durationS })],
    {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => void (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => void (err += b.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`autocannon exited ${code}: ${err}`);
  return JSON.parse(out) as LoadResult;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
