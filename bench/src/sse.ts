/**
 * `pnpm bench:sse`: what live events cost and how fast they arrive (docs/client.md, issue 13).
 *
 * On a private redis-server, starts the stock API (apps/api dist/main.js) as its own process and a worker
 * in this process (same clock as the SSE clients, so latencies need no clock sync). Then:
 *   1. capacity: opens STREAMS task event streams (default 1000) on tasks scheduled an hour ahead, and reads
 *      the API's RSS and CPU, Redis clients, memory and commands/s, before and while they sit idle;
 *   2. latency: with those streams still open on the same queue (so every event fans out to all of them),
 *      runs RATE tasks/s for SECONDS; each handler reports progress once and returns; the time from
 *      ctx.progress() to the client's `progress` event, and from the handler's return to the client's
 *      `state: done` event, are the latencies (p50, p99, max).
 * Options: --streams N (1000), --rate N (50), --seconds N (20), --idle-seconds N (10). Not part of the test
 * command: it takes about a minute and its figures are only meaningful on a quiet machine.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRedis } from '@tq/core';
import { freePort, startRedisServer } from '@tq/testing';
import { createWorker } from '@tq/worker';
import { createParser } from 'eventsource-parser';
import { Redis } from 'ioredis';
import { builtFile } from './load-cjs';
import { describeLoad } from './machine';
import { commandCounts, commandDelta, parseInfo, processCpuSeconds, totalCalls, usedMemory } from './probe';
import { percentile, round } from './stats';

const QUEUE = 'sse-bench';

interface Args {
  streams: number;
  rate: number;
  seconds: number;
  idleSeconds: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { streams: 1000, rate: 50, seconds: 20, idleSeconds: 10 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = {
      '--streams': 'streams',
      '--rate': 'rate',
      '--seconds': 'seconds',
      '--idle-seconds': 'idleSeconds',
    }[argv[i]!] as keyof Args | undefined;
    const value = Number(argv[i + 1]);
    if (!key || !Number.isFinite(value) || value <= 0)
      throw new Error(`bad argument ${argv[i]} ${argv[i + 1]}; see the header of bench/src/sse.ts`);
    args[key] = value;
  }
  return args;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

/** One event stream read with fetch; `onEvent` gets each message with its receipt time. */
async function openStream(
  url: string,
  onEvent: (event: string, data: Record<string, unknown>, at: number) => void,
): Promise<() => void> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  const parser = createParser({
    onEvent: (m) =>
      onEvent(m.event ?? 'message', JSON.parse(m.data) as Record<string, unknown>, performance.now()),
  });
  (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body!) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    } catch {
      // aborted
    }
  })().catch((error: unknown) => console.error('an event stream reader failed', error));
  return () => abort.abort();
}

async function submit(url: string, body: object): Promise<string> {
  const res = await fetch(`${url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`POST /tasks: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function redisSnapshot(redis: Redis): Promise<{ clients: number; memory: number; calls: number }> {
  const clients = Number(parseInfo(await redis.info('clients')).connected_clients);
  return { clients, memory: await usedMemory(redis), calls: totalCalls(await commandCounts(redis)) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const apiMain = builtFile('@tq/api', 'dist/main.js');
  if (!apiMain) throw new Error('apps/api is not built: run `pnpm build` first');
  const server = await startRedisServer();
  const admin = new Redis(server.url);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const api = spawn(process.execPath, [apiMain], {
    env: {
      ...process.env,
      PORT: String(port),
      GRPC_PORT: '0',
      REDIS_URL: server.url,
      LOG_LEVEL: 'warn',
      SSE_MAX_CLIENTS: '100000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const workerRedis = createRedis(server.url);
  // Latency bookkeeping, by task id: when the handler reported progress / returned, when the client saw it.
  const started = new Map<string, { progress?: number; returned?: number }>();
  const streamOpen = new Map<string, () => void>();
  const opened = new Map<number, Promise<void>>();
  const worker = createWorker({
    redis: workerRedis,
    queues: [QUEUE],
    concurrency: 100,
    handlers: {
      probe: async (ctx) => {
        await opened.get((ctx.payload as { k: number }).k); // the client listens before anything happens
        const t = { progress: performance.now() } as { progress?: number; returned?: number };
        started.set(ctx.id, t);
        await ctx.progress(50);
        t.returned = performance.now();
        return 'ok';
      },
    },
  });
  const closers: (() => void)[] = [];
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/healthz`)).ok) break;
      } catch {
        if (i > 200) throw new Error('the API did not start');
      }
      await sleep(50);
    }
    await worker.start();
    // The queue exists once it has a task; the idle streams follow tasks due in an hour.
    const idleIds: string[] = [];
    for (let i = 0; i < args.streams; i++)
      idleIds.push(await submit(url, { type: 'idle', queue: QUEUE, delayMs: 3600_000 }));
    await sleep(1000);
    const before = { rss: rssBytes(api.pid!), redis: await redisSnapshot(admin) };
    let snapshots = 0;
    const t0 = performance.now();
    for (const id of idleIds) {
      closers.push(
        await openStream(`${url}/tasks/${id}/events`, (event) => {
          if (event === 'task') snapshots++;
        }),
      );
    }
    while (snapshots < args.streams) await sleep(20);
    const openMs = performance.now() - t0;
    await sleep(1000);
    const cpu0 = processCpuSeconds(api.pid!);
    const idle0 = await redisSnapshot(admin);
    const cmd0 = await commandCounts(admin);
    await sleep(args.idleSeconds * 1000);
    const idle1 = await redisSnapshot(admin);
    const idleCommands = commandDelta(cmd0, await commandCounts(admin));
    const idleCpu = processCpuSeconds(api.pid!) - cpu0;
    const open = { rss: rssBytes(api.pid!), redis: idle1 };
    // The harness's own INFO calls (2 per snapshot + commandstats) are left out of the rate.
    const harnessCalls = 4;
    const idleRate = (idle1.calls - idle0.calls - harnessCalls) / args.idleSeconds;

    // Latency, with every idle stream still open on the same queue.
    const progressLatency: number[] = [];
    const doneLatency: number[] = [];
    const total = args.rate * args.seconds;
    const live: Promise<void>[] = [];
    const cmd1 = await commandCounts(admin);
    const cpu1 = processCpuSeconds(api.pid!);
    const runStart = performance.now();
    for (let i = 0; i < total; i++) {
      const due = runStart + (i * 1000) / args.rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      live.push(
        (async () => {
          let ready = () => {};
          opened.set(i, new Promise((resolve) => (ready = resolve)));
          const id = await submit(url, { type: 'probe', queue: QUEUE, payload: { k: i } });
          let finished = () => {};
          const done = new Promise<void>((resolve) => (finished = resolve));
          const close = await openStream(`${url}/tasks/${id}/events`, (event, data, at) => {
            const t = started.get(id);
            if (event === 'task' && data.status !== 'done') ready();
            else if (event === 'progress' && t?.progress !== undefined) progressLatency.push(at - t.progress);
            else if (event === 'state' && data.status === 'done' && t?.returned !== undefined) {
              doneLatency.push(at - t.returned);
              finished();
            }
          });
          streamOpen.set(id, close);
          await done;
          close();
        })(),
      );
    }
    await Promise.all(live);
    const runSeconds = (performance.now() - runStart) / 1000;
    const runCommands = commandDelta(cmd1, await commandCounts(admin));
    const runCpu = processCpuSeconds(api.pid!) - cpu1;

    const ms = (v: number) => round(v, 3);
    const results = {
      when: new Date().toISOString(),
      load: describeLoad(),
      args,
      capacity: {
        streams: args.streams,
        openSeconds: round(openMs / 1000, 2),
        apiRssBeforeMiB: round(before.rss / 2 ** 20, 4),
        apiRssOpenMiB: round(open.rss / 2 ** 20, 4),
        apiRssPerStreamKiB: round((open.rss - before.rss) / args.streams / 1024, 3),
        apiCpuIdlePercent: round((idleCpu / args.idleSeconds) * 100, 3),
        redisClientsBefore: before.redis.clients,
        redisClientsOpen: open.redis.clients,
        redisMemoryDeltaKiB: round((open.redis.memory - before.redis.memory) / 1024, 4),
        redisCommandsPerSecondIdle: round(idleRate, 3),
        idleCommands,
      },
      latency: {
        tasks: total,
        ratePerSecond: args.rate,
        seconds: round(runSeconds, 1),
        progressP50Ms: ms(percentile(progressLatency, 50)),
        progressP99Ms: ms(percentile(progressLatency, 99)),
        progressMaxMs: ms(Math.max(...progressLatency)),
        doneP50Ms: ms(percentile(doneLatency, 50)),
        doneP99Ms: ms(percentile(doneLatency, 99)),
        doneMaxMs: ms(Math.max(...doneLatency)),
        samples: { progress: progressLatency.length, done: doneLatency.length },
        apiCpuPercent: round((runCpu / runSeconds) * 100, 1),
        xreadPerSecond: round((runCommands.xread ?? 0) / runSeconds, 1),
        redisCommandsPerSecond: round(totalCalls(runCommands) / runSeconds, 1),
      },
    };
    const out = join(__dirname, '..', 'results');
    mkdirSync(out, { recursive: true });
    const file = join(out, `sse-${results.when.replace(/[:.]/g, '-').slice(0, 19)}Z.json`);
    writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    console.log(JSON.stringify(results, null, 2));
    console.log(`wrote ${file}`);
  } finally {
    for (const close of closers) close();
    for (const close of streamOpen.values()) close();
    await worker.stop();
    workerRedis.disconnect();
    api.kill('SIGTERM');
    await once(api, 'exit');
    admin.disconnect();
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
