import {
  Queue as TqQueue,
  createRedis,
  newTaskId,
  queueKeys,
  type QueueKeys,
  type RedisClient,
} from '@tq/core';
import { TaskRepository, TaskService } from '@tq/task';
import { Queue as BullQueue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  BEE_PRODUCER_SETTINGS,
  BULLMQ_JOB_OPTIONS,
  loadBeeQueue,
  redisHostPort,
  type BeeQueueInstance,
} from './peers';

/** Who enqueues: tq through TaskService (what the API calls, validation included) or straight through core's Queue. */
export type ProducerKind = 'tq' | 'tq-core' | 'bullmq' | 'bee';

/** Enqueues noop tasks, one at a time or in bulk, each system through its own documented calls. */
export interface Producer {
  addOne(data: unknown): Promise<void>;
  /** One bulk call: TaskService.submitBatch / Queue.enqueue / BullMQ addBulk / bee-queue saveAll. */
  addBulk(data: unknown[]): Promise<void>;
  close(): Promise<void>;
}

const TYPE = 'noop';

export async function createProducer(kind: ProducerKind, redisUrl: string, queue: string): Promise<Producer> {
  switch (kind) {
    case 'tq':
      return tqServiceProducer(createRedis(redisUrl, { connectionName: 'bench-producer' }), queue);
    case 'tq-core':
      return tqCoreProducer(createRedis(redisUrl, { connectionName: 'bench-producer' }), queue);
    case 'bullmq':
      return bullProducer(redisUrl, queue);
    case 'bee':
      return beeProducer(redisUrl, queue);
  }
}

function tqServiceProducer(redis: RedisClient, queue: string): Producer {
  const service = new TaskService(new TaskRepository(redis));
  return {
    async addOne(data) {
      const { created } = await service.submit({ type: TYPE, payload: data, queue });
      if (!created) throw new Error('tq submit did not create the task');
    },
    async addBulk(data) {
      const results = await service.submitBatch({
        tasks: data.map((payload) => ({ type: TYPE, payload, queue })),
      });
      const bad = results.find((r) => !('task' in r) || !r.created);
      if (bad) throw new Error(`tq submitBatch refused an item: ${JSON.stringify(bad)}`);
    },
    close: () => redis.quit().then(() => undefined),
  };
}

function tqCoreProducer(redis: RedisClient, name: string): Producer {
  const queue = new TqQueue(redis, name);
  const task = (data: unknown) => ({
    id: newTaskId(name),
    type: TYPE,
    payload: JSON.stringify(data),
    maxAttempts: 5,
  });
  const check = (outcomes: { status: string }[]) => {
    const bad = outcomes.find((o) => o.status !== 'created');
    if (bad) throw new Error(`tq enqueue refused a task: ${bad.status}`);
  };
  return {
    addOne: async (data) => check(await queue.enqueue([task(data)])),
    addBulk: async (data) => check(await queue.enqueue(data.map(task))),
    close: () => redis.quit().then(() => undefined),
  };
}

async function bullProducer(redisUrl: string, name: string): Promise<Producer> {
  const queue = new BullQueue(name, { connection: redisHostPort(redisUrl) });
  await queue.waitUntilReady();
  return {
    addOne: async (data) => void (await queue.add(TYPE, data, BULLMQ_JOB_OPTIONS)),
    addBulk: async (data) =>
      void (await queue.addBulk(data.map((d) => ({ name: TYPE, data: d, opts: BULLMQ_JOB_OPTIONS })))),
    close: () => queue.close(),
  };
}

async function beeProducer(redisUrl: string, name: string): Promise<Producer> {
  const BeeQueue = loadBeeQueue();
  const queue: BeeQueueInstance = new BeeQueue(name, {
    redis: redisHostPort(redisUrl),
    ...BEE_PRODUCER_SETTINGS,
  });
  await queue.ready();
  return {
    addOne: async (data) => void (await queue.createJob(data).save()),
    async addBulk(data) {
      const errors = await queue.saveAll(data.map((d) => queue.createJob(d)));
      if (errors.size > 0)
        throw new Error(`bee-queue saveAll failed ${errors.size} jobs: ${[...errors.values()][0]?.message}`);
    },
    close: () => queue.close(),
  };
}

/**
 * The commands one `unfinished` call sends (tq: over `partitions` partitions), so command counts can leave
 * the harness's polling out.
 */
export function unfinishedCommands(system: 'tq' | 'bullmq' | 'bee', partitions = 1): Record<string, number> {
  if (system === 'tq') return { llen: 10 * partitions, zcard: 3 * partitions, get: partitions };
  if (system === 'bullmq') return { llen: 2, zcard: 2 };
  return { llen: 2 };
}

/**
 * Tasks of `queue` still waiting or running, read straight from each system's Redis structures (one
 * pipelined round trip, cheap enough to poll every few ms while a drain is timed).
 */
export async function unfinished(
  redis: Redis,
  system: 'tq' | 'bullmq' | 'bee',
  queue: string,
): Promise<number> {
  if (system === 'tq') return tqUnfinished(redis, [queueKeys(queue)]);
  const p = redis.pipeline();
  if (system === 'bullmq') {
    p.llen(`bull:${queue}:wait`)
      .llen(`bull:${queue}:active`)
      .zcard(`bull:${queue}:prioritized`)
      .zcard(`bull:${queue}:delayed`);
  } else {
    p.llen(`bq:${queue}:waiting`).llen(`bq:${queue}:active`);
  }
  return pipelineSum(p);
}

/**
 * Tasks waiting (in the queue's lists or its groups') or running in the tq queues (or partitions of one
 * queue) of `keys`, in one round trip.
 */
export async function tqUnfinished(redis: Redis, keys: QueueKeys[]): Promise<number> {
  const p = redis.pipeline();
  for (const k of keys) {
    for (let priority = 0; priority <= 9; priority++) p.llen(`${k.pendingPrefix}${priority}`);
    p.zcard(k.running).zcard(k.retry).zcard(k.scheduled).get(k.groupPending);
  }
  return pipelineSum(p);
}

async function pipelineSum(p: ReturnType<Redis['pipeline']>): Promise<number> {
  const replies = (await p.exec()) ?? [];
  return replies.reduce((sum, [error, n]) => {
    if (error) throw error;
    return sum + Number(n);
  }, 0);
}
