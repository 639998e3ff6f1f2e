/**
 * Scale-out of one logical queue over Redis Cluster shards (issue 17, ADR 0040, docs/scaling.md): a private
 * 3-master Redis Cluster, one queue with 1, 2 and 4 partitions; each run enqueues TASKS tasks (batches of
 * 500) and drains them with WORKERS in-process claim loops (completeAndClaim, BATCH tasks per call).
 * Reports tasks/s of each phase and, per master, the Redis CPU (used_cpu_user + used_cpu_sys) and the
 * script time (commandstats fcall/eval/evalsha usec) per task that master handled.
 *
 *   pnpm bench:partitions                       # TASKS=40000 WORKERS=8 BATCH=50
 *   TASKS=100000 pnpm --filter @tq/bench bench:partitions
 *
 * Not part of the test command: it loads the machine for about a minute. On a 2-core machine the Node
 * process is the bottleneck, not Redis: tasks/s says little, CPU per task per shard is what transfers.
 */
import { createRedis, hashSlot, newTaskId, PartitionedQueue, type RedisClient } from '@tq/core';
import { randomQueueName, startRedisCluster } from '@tq/testing';
import type { Redis } from 'ioredis';
import { parseInfo } from './probe';

const TASKS = Number(process.env.TASKS ?? 40_000);
const WORKERS = Number(process.env.WORKERS ?? 8);
const BATCH = Number(process.env.BATCH ?? 50);
const PARTITIONS = (process.env.PARTITIONS ?? '1,2,4').split(',').map(Number);

interface NodeSample {
  cpu: number;
  scriptUsec: number;
  scriptCalls: number;
}

async function sample(node: Redis): Promise<NodeSample> {
  const cpu = parseInfo(await node.info('cpu'));
  const stats = await node.info('commandstats');
  const rows = [...stats.matchAll(/^cmdstat_(?:fcall|evalsha|eval):calls=(\d+),usec=(\d+)/gm)];
  return {
    cpu: Number(cpu.used_cpu_user) + Number(cpu.used_cpu_sys),
    scriptUsec: rows.reduce((n, m) => n + Number(m[2]), 0),
    scriptCalls: rows.reduce((n, m) => n + Number(m[1]), 0),
  };
}

async function sampleAll(nodes: Redis[]): Promise<NodeSample[]> {
  return Promise.all(nodes.map(sample));
}

/** Tasks each master handled: each partition's done count, added to the master owning its tag's slot. */
async function tasksPerNode(redis: RedisClient, queue: PartitionedQueue, ports: number[]): Promise<number[]> {
  const ranges = (await redis.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
  const out = ports.map(() => 0);
  for (const p of queue.partitions) {
    const slot = hashSlot(p.keys.done);
    const [, , [, port]] = ranges.find(([from, to]) => from <= slot && slot <= to)!;
    out[ports.indexOf(Number(port))]! += (await p.stats()).counts.done;
  }
  return out;
}

function line(label: string, values: (string | number)[]): string {
  return `${label.padEnd(34)}${values.map((v) => String(v).padStart(12)).join('')}`;
}

async function run(redis: RedisClient, nodes: Redis[], ports: number[], partitions: number): Promise<void> {
  const queue = await PartitionedQueue.create(redis, randomQueueName(`scale${partitions}`), partitions);
  const before = await sampleAll(nodes);
  let started = Date.now();
  for (let i = 0; i < TASKS; i += 500) {
    const n = Math.min(500, TASKS - i);
    await queue.enqueue(
      Array.from({ length: n }, () => ({
        id: newTaskId(queue.name),
        type: 'b',
        payload: '{}',
        maxAttempts: 3,
      })),
    );
  }
  const enqueueMs = Date.now() - started;
  const mid = await sampleAll(nodes);
  started = Date.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      const worker = await PartitionedQueue.open(redis, queue.name);
      let held = (await worker.claim(BATCH, 60_000)).tasks;
      while (held.length > 0) {
        const next = await worker.completeAndClaim(held, BATCH, 60_000);
        done += held.length;
        held = next.claim.tasks;
      }
    }),
  );
  const drainMs = Date.now() - started;
  const after = await sampleAll(nodes);
  const stats = await queue.stats();
  if (stats.counts.done !== TASKS || done !== TASKS) {
    throw new Error(`expected ${TASKS} done, stats say ${stats.counts.done}, workers completed ${done}`);
  }
  const perNode = await tasksPerNode(redis, queue, ports);
  console.log(`\n== ${partitions} partition(s): ${TASKS} tasks, ${WORKERS} claim loops, batch ${BATCH}`);
  console.log(
    `enqueue ${Math.round((TASKS / enqueueMs) * 1000)} tasks/s, drain ${Math.round((TASKS / drainMs) * 1000)} tasks/s`,
  );
  console.log(line('master (port)', ports));
  console.log(line('tasks held', perNode));
  const per = (f: (s: NodeSample) => number, from: NodeSample[], to: NodeSample[]) =>
    nodes.map((_, i) =>
      perNode[i]! === 0
        ? '-'
        : (((f(to[i]!) - f(from[i]!)) / perNode[i]!) * (f === cpuOf ? 1e6 : 1)).toFixed(1),
    );
  console.log(line('enqueue: Redis CPU µs/task', per(cpuOf, before, mid)));
  console.log(line('enqueue: script µs/task', per(usecOf, before, mid)));
  console.log(line('drain: Redis CPU µs/task', per(cpuOf, mid, after)));
  console.log(line('drain: script µs/task', per(usecOf, mid, after)));
  console.log(
    line(
      'drain: scripts/task',
      nodes.map((_, i) =>
        perNode[i]! === 0 ? '-' : ((after[i]!.scriptCalls - mid[i]!.scriptCalls) / perNode[i]!).toFixed(3),
      ),
    ),
  );
  await queue.trim({ finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 }, TASKS);
}

const cpuOf = (s: NodeSample) => s.cpu;
const usecOf = (s: NodeSample) => s.scriptUsec;

async function main(): Promise<void> {
  const cluster = await startRedisCluster();
  const redis = createRedis(cluster.url);
  const nodes = cluster.nodes.map((n) => createRedis(`redis://${n.host}:${n.port}`) as Redis);
  try {
    console.log(`3-master Redis Cluster ${cluster.url}`);
    for (const p of PARTITIONS)
      await run(
        redis,
        nodes,
        cluster.nodes.map((n) => n.port),
        p,
      );
  } finally {
    await Promise.all([redis, ...nodes].map((c) => c.quit().catch(() => undefined)));
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
