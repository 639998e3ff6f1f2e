/**
 * The cost of a claim with fair groups (issue 14, ADR 0029, docs/scheduling.md): one queue on a private
 * redis-server, its TASKS tasks spread round robin over 1, 100 and 10,000 groups (and, for comparison, in no
 * group). Each run enqueues them (batches of 500), claims them all with WORKERS in-process loops of
 * `claim(BATCH)`, then completes them in batches. Reports tasks/s of the claim phase and the Redis CPU
 * (used_cpu_user + used_cpu_sys) and script time (commandstats fcall/eval/evalsha usec) per task claimed.
 *
 *   pnpm bench:groups                                     # TASKS=40000 WORKERS=4 BATCH=50 GROUPS=0,1,100,10000
 *   TASKS=100000 BATCH=1 pnpm --filter @tq/bench bench:groups
 *
 * Not part of the test command. On a shared 2-core machine tasks/s moves with the load; the Redis CPU per
 * task moves less, and the script time per task least (it is Redis's own account of the Lua it ran).
 */
import { Queue, createRedis, newTaskId, type ClaimedTask, type RedisClient } from '@tq/core';
import { randomQueueName, startRedisServer } from '@tq/testing';
import { parseInfo } from './probe';

const TASKS = Number(process.env.TASKS ?? 40_000);
const WORKERS = Number(process.env.WORKERS ?? 4);
const BATCH = Number(process.env.BATCH ?? 50);
/** 0 stands for tasks without a group. */
const GROUPS = (process.env.GROUPS ?? '0,1,100,10000').split(',').map(Number);

interface Sample {
  /** Redis process CPU, s. */
  cpu: number;
  scriptUsec: number;
  scriptCalls: number;
}

async function sample(redis: RedisClient): Promise<Sample> {
  const cpu = parseInfo(await redis.info('cpu'));
  const stats = await redis.info('commandstats');
  const rows = [...stats.matchAll(/^cmdstat_(?:fcall|evalsha|eval):calls=(\d+),usec=(\d+)/gm)];
  return {
    cpu: Number(cpu.used_cpu_user) + Number(cpu.used_cpu_sys),
    scriptUsec: rows.reduce((n, m) => n + Number(m[2]), 0),
    scriptCalls: rows.reduce((n, m) => n + Number(m[1]), 0),
  };
}

interface Row {
  groups: string;
  enqueuePerS: number;
  claimPerS: number;
  claimCpuUs: number;
  claimScriptUs: number;
  claimCalls: number;
  completeCpuUs: number;
}

async function run(redis: RedisClient, groups: number): Promise<Row> {
  const queue = new Queue(redis, randomQueueName(`groups${groups}`));
  let started = Date.now();
  for (let i = 0; i < TASKS; i += 500) {
    const n = Math.min(500, TASKS - i);
    await queue.enqueue(
      Array.from({ length: n }, (_, j) => ({
        id: newTaskId(queue.name),
        type: 'b',
        payload: '{}',
        maxAttempts: 3,
        ...(groups > 0 && { group: `tenant-${(i + j) % groups}` }),
      })),
    );
  }
  const enqueueMs = Date.now() - started;

  const before = await sample(redis);
  started = Date.now();
  const claimed: ClaimedTask[][] = [];
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      for (;;) {
        const result = await queue.claim(BATCH, 600_000);
        if (result.tasks.length > 0) claimed.push(result.tasks);
        // A grouped claim that stopped at its budget says so with nextDueAt = now: claim again.
        else if (result.nextDueAt !== result.now) return;
      }
    }),
  );
  const claimMs = Date.now() - started;
  const mid = await sample(redis);
  for (const batch of claimed) await queue.complete(batch);
  const after = await sample(redis);

  const total = claimed.reduce((n, b) => n + b.length, 0);
  const stats = await queue.stats();
  if (total !== TASKS || stats.counts.done !== TASKS) {
    throw new Error(`expected ${TASKS} claimed and done, got ${total} claimed, ${stats.counts.done} done`);
  }
  await queue.trim({ finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 }, TASKS);
  return {
    groups: groups === 0 ? 'no group' : groups.toLocaleString('en-US'),
    enqueuePerS: Math.round((TASKS / enqueueMs) * 1000),
    claimPerS: Math.round((TASKS / claimMs) * 1000),
    claimCpuUs: ((mid.cpu - before.cpu) / TASKS) * 1e6,
    claimScriptUs: (mid.scriptUsec - before.scriptUsec) / TASKS,
    claimCalls: mid.scriptCalls - before.scriptCalls,
    completeCpuUs: ((after.cpu - mid.cpu) / TASKS) * 1e6,
  };
}

async function main(): Promise<void> {
  const server = await startRedisServer();
  const redis = createRedis(server.url);
  try {
    const load = (await import('node:os')).loadavg()[0]!.toFixed(1);
    console.log(
      `private redis-server ${server.url}; ${TASKS} tasks per run, ${WORKERS} claim loops, claim(${BATCH}); load ${load}`,
    );
    const rows: Row[] = [];
    for (const g of GROUPS) rows.push(await run(redis, g));
    console.log(
      '\n| groups | enqueue tasks/s | claim tasks/s | claim: Redis CPU µs/task | claim: script µs/task | claim scripts | complete: Redis CPU µs/task |',
    );
    console.log('| -----: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of rows) {
      console.log(
        `| ${r.groups} | ${r.enqueuePerS} | ${r.claimPerS} | ${r.claimCpuUs.toFixed(1)} | ${r.claimScriptUs.toFixed(1)} | ${r.claimCalls} | ${r.completeCpuUs.toFixed(1)} |`,
      );
    }
  } finally {
    await redis.quit().catch(() => undefined);
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
