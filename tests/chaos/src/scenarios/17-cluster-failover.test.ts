import { PartitionedQueue, Queue, closeRedis, createRedis, hashSlot, newTaskId } from '@tq/core';
import { randomQueueName, startRedisCluster, waitFor } from '@tq/testing';
import { outcomes, type HistoryLine } from '../harness/load';
import { scenario, size, type Scenario } from '../harness/scenario';

import { ChaosStack } from '../harness/stack';
import { sleep, summarize } from '../harness/stats';

/** `cluster-node-timeout`: a master silent this long is failed over to its replica. */
const NODE_TIMEOUT_MS = 1000;
/** Partitions of the queue under test: one per master (ADR 0040), so the killed master holds one of them. */
const PARTITIONS = 3;
/** Sequential single enqueues each way in the latency probe. */
const PROBES = 300;
/** The API's REDIS_ENQUEUE_WAIT_TIMEOUT_MS in the WAIT run (below the stack's 1000 ms command timeout). */
const WAIT_TIMEOUT_MS = 300;

for (const wait of [true, false]) {
  scenario(
    {
      id: wait ? '17a-cluster-failover-wait' : '17b-cluster-failover-no-wait',
      title: `Redis Cluster failover: a master SIGKILLed under load, its replica promoted, ${wait ? 'with' : 'without'} WAIT on enqueue`,
      guarantees: wait
        ? [
            'ADR 0044: with REDIS_ENQUEUE_WAIT_REPLICAS=1 no acknowledged task is lost when a master fails over',
          ]
        : [
            '§2.1 scope: replication is asynchronous; across a Cluster failover loss is possible; measured and reported',
          ],
      // The run that asserts lost = 0 (about 35 s on a loaded 2-core machine); the measuring one is full only.
      ci: wait,
      noLossPromised: wait,
    },
    (s) => {
      const stack = ChaosStack.create(s.meta.id);
      afterAll(() => stack.close());

      it(`fails the queue's master over to its replica; every process follows${wait ? '; nothing acknowledged is lost' : '; the loss is measured'}`, () =>
        s.run(() => failover(s, stack, wait)));
    },
  );
}

async function failover(s: Scenario, stack: ChaosStack, wait: boolean): Promise<void> {
  const cluster = await startRedisCluster({
    replicas: 1,
    appendonly: true,
    appendfsync: 'everysec',
    nodeTimeoutMs: NODE_TIMEOUT_MS,
  });
  stack.onClose(() => cluster.stop());
  stack.redisUrl = cluster.url;
  // The master of partition 0 is killed. With PARTITIONS 3 (one per master, ADR 0040) the API spreads
  // tasks over them and about a third are on the killed master.
  const layout = await PartitionedQueue.create(stack.redisClient(), stack.queue, PARTITIONS);
  const slot = hashSlot(layout.partitions[0]!.tag);
  const victim = (await cluster.masterOf(slot))!;
  const replica = cluster.servers.find((n) => n.replicaOf === victim.id)!;

  const probe = await enqueueLatency(stack);
  s.measure('single enqueue µs, sequential, no WAIT', probe.plain);
  s.measure('single enqueue µs, sequential, WAIT 1 replica', probe.waited);

  const api = await stack.startApi(
    wait ? { REDIS_ENQUEUE_WAIT_REPLICAS: '1', REDIS_ENQUEUE_WAIT_TIMEOUT_MS: String(WAIT_TIMEOUT_MS) } : {},
  );
  const reaper = await stack.startReaper();
  const pool = await stack.workerPool(3);
  const load = stack.load({ ratePerSec: 150, durationMs: size(14_000, 18_000), msRange: [20, 200] });

  await sleep(5000);
  const killedAt = Date.now();
  await victim.server.kill('SIGKILL');
  await waitFor(async () => (await cluster.masterOf(slot))?.id === replica.id, {
    timeoutMs: 30_000,
    intervalMs: 50,
    message: "the Cluster promotes the killed master's replica",
  });
  const promotedAt = Date.now();
  // The supervisor restarts the killed node: it loads its AOF, sees a newer epoch, and rejoins as the
  // replica of the promoted one (discarding its own data set). Until then a WAIT for 1 replica cannot be met.
  await victim.server.restart();
  await waitFor(
    async () => (await cluster.masterOf(slot))?.id === replica.id && (await inSync(victim.port)),
    {
      timeoutMs: 30_000,
      intervalMs: 50,
      message: 'the restarted node rejoins as the replica of the promoted one',
    },
  );
  const rejoinedAt = Date.now();

  const summary = await load.finished();
  const drainMs = await stack.drain(60_000);
  const services = [api, reaper, ...pool.everyone];
  const exited = services.filter((x) => !x.running).map((x) => x.name);
  await pool.stop();
  const { check, invariants } = await stack.judge(s);

  const answered = outcomes(stack.history());
  const latency = (from: number, to: number) =>
    summarize(answered.filter((h) => h.op === 'ok' && h.t0! >= from && h.t1! < to).map((h) => h.t1! - h.t0!));
  const okBetween = (from: number, to: number) =>
    answered.filter((h) => h.op === 'ok' && h.t0! >= from && h.t0! < to).length;
  const refusedBetween = (from: number, to: number) =>
    answered.filter((h) => h.op !== 'ok' && h.t0! >= from && h.t0! < to).length;
  const effects = stack.records('effects');
  s.measure('WAIT on enqueue', wait ? `1 replica, ${WAIT_TIMEOUT_MS} ms` : 'off');
  s.measure(
    'cluster',
    `3 masters + 1 replica each, AOF everysec, cluster-node-timeout ${NODE_TIMEOUT_MS} ms`,
  );
  s.measure('tasks per partition after the drain', await tasksPerPartition(layout));
  s.measure('failover ms (kill → the replica serves the slot)', promotedAt - killedAt);
  s.measure('rejoin ms (kill → the restarted node is a replica in sync)', rejoinedAt - killedAt);
  s.measure(
    'write gap ms (kill → first 2xx of a request sent after the kill)',
    firstOkAfter(answered, killedAt) - killedAt,
  );
  s.measure('2xx latency ms before the kill', latency(0, killedAt));
  s.measure('2xx latency ms after the rejoin', latency(rejoinedAt, Infinity));
  s.measure('2xx answers, sent kill → promotion', okBetween(killedAt, promotedAt));
  s.measure('2xx answers, sent promotion → rejoin', okBetween(promotedAt, rejoinedAt));
  s.measure('non-2xx answers, sent kill → promotion', refusedBetween(killedAt, promotedAt));
  s.measure('non-2xx answers, sent promotion → rejoin', refusedBetween(promotedAt, rejoinedAt));
  s.measure('non-2xx answers, sent after the rejoin', refusedBetween(rejoinedAt, Infinity));
  s.measure('load', summary);
  s.measure('lost acknowledged tasks', check.lost.length);
  s.measure('lost values', check.lost);
  s.measure('duplicated values (acks lost with the master: run again)', check.duplicated.length);
  s.measure('tasks performed after the failover', effects.filter((e) => e.at > promotedAt).length);
  s.measure('processes that exited', exited);
  s.measure('drain ms', drainMs);
  if (!wait && check.lost.length > 0)
    s.note(
      `without WAIT the failover lost ${check.lost.length} acknowledged tasks (asynchronous replication): documented, not hidden`,
    );

  expect(exited).toEqual([]);
  expect(effects.filter((e) => e.at > rejoinedAt).length).toBeGreaterThan(0);
  expect(check.unexpected).toEqual([]);
  expect(invariants.violations).toEqual([]);
  if (wait) expect(check.lost).toEqual([]);
}

/**
 * The latency cost of WAIT alone: PROBES sequential single enqueues each way through the core Queue, on a
 * probe queue nobody serves (the cluster goes with the scenario), alternating so the machine's load hits
 * both alike. In µs.
 */
async function enqueueLatency(stack: ChaosStack): Promise<{ plain: Summary; waited: Summary }> {
  const queue = new Queue(stack.redisClient(), randomQueueName('probe'));
  const plain: number[] = [];
  const waited: number[] = [];
  for (let i = 0; i < PROBES; i++) {
    for (const wait of [undefined, { replicas: 1, timeoutMs: 1000 }]) {
      const task = { id: newTaskId(queue.name), type: 'probe', payload: '{}', maxAttempts: 1 };
      const started = performance.now();
      await queue.enqueue([task], 0, 0, wait);
      (wait ? waited : plain).push(performance.now() - started);
    }
  }
  const us = (values: number[]) => summarize(values.map((v) => v * 1000));
  return { plain: us(plain), waited: us(waited) };
}

type Summary = ReturnType<typeof summarize>;

/** Tasks each partition holds (done ones included): where the producers put them. */
async function tasksPerPartition(queue: PartitionedQueue): Promise<number[]> {
  const stats = await Promise.all(queue.partitions.map((p) => p.stats()));
  return stats.map((st) => Object.values(st.counts).reduce((a, b) => a + b, 0));
}

/** Whether the node on `port` is a replica whose link to its master is up. */
async function inSync(port: number): Promise<boolean> {
  const redis = createRedis(`redis://127.0.0.1:${port}`, { commandTimeoutMs: 1000 });
  try {
    const info = await redis.info('replication');
    return info.includes('role:slave') && info.includes('master_link_status:up');
  } catch {
    return false;
  } finally {
    await closeRedis(redis);
  }
}

function firstOkAfter(answered: HistoryLine[], t: number): number {
  return Math.min(...answered.filter((h) => h.op === 'ok' && h.t0! > t).map((h) => h.t1!));
}
