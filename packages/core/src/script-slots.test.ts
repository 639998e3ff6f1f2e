import { randomQueueName, waitFor } from '@tq/testing';
import type { Cluster, Redis } from 'ioredis';
import { ManualClock } from './clock';
import { closeRedis } from './connection';
import { newTaskId } from './ids';
import { hashSlot } from './keys';
import { PartitionedQueue } from './partitions';
import { Queue } from './queue';
import { ScheduleStore } from './schedules';
import { scriptFunctions, type RedisClient } from './scripts';
import { connect } from './test-support/fixtures';
import { WorkerRegistry } from './workers';

/**
 * Every script must touch one hash slot, or Redis Cluster refuses it (CROSSSLOT) and a single Redis would
 * hide the bug. This test reads what really reaches Redis: MONITOR on every master while one workload
 * runs every script, on an unpartitioned queue and on a partitioned one (ADR 0040), then checks the KEYS of
 * each FCALL seen hash to one slot, and that every script was seen.
 */
let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => closeRedis(redis));

const functions = scriptFunctions();

interface Seen {
  name: string;
  keys: string[];
}

async function monitorAll(client: RedisClient, seen: Seen[]): Promise<() => void> {
  await client.ping();
  const nodes: Redis[] = client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
  const monitors = await Promise.all(nodes.map((n) => n.monitor()));
  for (const m of monitors) {
    m.on('monitor', (_time: string, args: string[]) => {
      // FCALL names the script's function (ADR 0047): scriptFunctions() maps it to the script.
      if (args[0]?.toLowerCase() !== 'fcall') return;
      const script = functions.get(args[1]!);
      if (!script) return;
      const numberOfKeys = Number(args[2]);
      seen.push({ name: script.name, keys: args.slice(3, 3 + numberOfKeys) });
    });
  }
  return () => monitors.forEach((m) => m.disconnect());
}

async function workload(queue: Queue | PartitionedQueue, clock: ManualClock): Promise<void> {
  // Calls made on one partition: partition 0, and the last one (another tag, `q#i-s`, ADR 0040).
  const parts =
    queue instanceof PartitionedQueue ? [queue.partitions[0]!, queue.partitions.at(-1)!] : [queue];
  const one = parts[0]!;
  const make = (n: number, extra: object = {}) =>
    Array.from({ length: n }, () => ({
      id: newTaskId(queue.name),
      type: 't',
      payload: '{}',
      maxAttempts: 1,
      ...extra,
    }));
  await queue.enqueue([...make(12), ...make(2, { group: 'g' }), ...make(1, { delayMs: 1000 })]);
  const first = await queue.claim(12, 1000);
  const [a, b, c, d, e, f, g, ...rest] = first.tasks;
  await queue.extend([a!], 1000);
  await queue.progress(a!, 50);
  await queue.complete([a!]);
  await queue.completeAndClaim([b!], 1, 1000);
  await queue.fail([{ ...c!, error: 'x', retryDelayMs: 0 }]);
  await queue.postpone([{ ...d!, delayMs: 10, retryDelayMs: 0 }]);
  await queue.release([e!]);
  const pending = await queue.enqueue(make(1));
  await queue.cancel(pending[0]!.id);
  clock.advance(5000);
  await queue.reap();
  await queue.promote();
  await queue.due();
  await queue.stats();
  await queue.requeueDead([c!.id]);
  await queue.purgeDead();
  await queue.trim({ finishedMaxAgeMs: 1, finishedMaxCount: 1, deadMaxAgeMs: 1, deadMaxCount: 1 });
  await queue.deleteFinished(f!.id).catch(() => undefined);
  await queue.cancelTasks([g!.id], true);
  await queue.finishCanceled([g!]);
  const later = await queue.enqueue(make(1, { delayMs: 60_000 }));
  await queue.runNow([later[0]!.id]);
  await queue.setLimits({ groupConcurrency: 3 });
  void rest;
  for (const part of parts) {
    await part.repair();
    await part.listTasks('pending');
    await part.listGroups(10);
    await part.history(5);
    await part.listenEvents(1000);
    const claim = await part.archiveClaim('a', 1000, 10, 1_000_000);
    await part.archiveConfirm('a', claim, [], true);
  }
  const store = new ScheduleStore(one.redis, clock);
  const id = `s-${queue.name}`;
  await store.create({
    id,
    queue: queue.name,
    cron: '*/1 * * * * *',
    timezone: 'UTC',
    task: { type: 't', payload: '{}', priority: 0, maxAttempts: 1 },
    misfire: 'skip',
    misfireGraceMs: 60_000,
    overlap: 'allow',
    paused: false,
  });
  clock.advance(2000);
  await store.fireDue(queue.name);
  await store.delete(id);
  await queue.remove('delete');
}

describe('every script touches one hash slot', () => {
  it('on an unpartitioned and on a partitioned queue, as MONITOR sees them on every master', async () => {
    const seen: Seen[] = [];
    const stop = await monitorAll(redis, seen);
    try {
      const clock = new ManualClock();
      await workload(new Queue(redis, randomQueueName('slots'), clock), clock);
      await workload(await PartitionedQueue.create(redis, randomQueueName('slots'), 3, clock), clock);
      const resized = await PartitionedQueue.resize(redis, randomQueueName('slots'), 2, {}, clock);
      await resized.remove('delete');
      const workers = new WorkerRegistry(redis, clock);
      await workers.beat(
        {
          id: 'w-slots',
          host: 'h',
          pid: 1,
          queues: [],
          concurrency: 1,
          busySlots: 0,
          startedAt: 0,
          version: '0',
          runningTaskIds: [],
        },
        1000,
      );
      await workers.list();
      // Every script of scripts.ts's SCRIPTS, read from there: a script added later fails this test until the
      // workload above drives it (on both queues where it is a queue's script).
      const all = [...new Set([...functions.values()].map((d) => d.name))].sort();
      expect(all.length).toBeGreaterThanOrEqual(36);
      // MONITOR lines arrive after the replies: wait for the last scripts to show.
      await waitFor(() => all.every((name) => seen.some((s) => s.name === name)), {
        timeoutMs: 30_000,
        message: 'not every script was seen by MONITOR',
      }).catch(() => undefined);
      expect(all.filter((name) => !seen.some((s) => s.name === name))).toEqual([]);
      const crossSlot = seen.filter((s) => new Set(s.keys.map(hashSlot)).size > 1);
      expect(crossSlot).toEqual([]);
    } finally {
      stop();
    }
  }, 120_000);
});
