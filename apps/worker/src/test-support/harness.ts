import {
  PartitionedQueue,
  Queue,
  createRedis,
  newTaskId,
  type Clock,
  type NewTask,
  type RedisClient,
  type TaskRecord,
} from '@tq/core';
import { randomQueueName, testPartitions } from '@tq/testing';
import type { Registry } from 'prom-client';
import { createWorker, type Worker } from '../worker';
import type { WorkerOptions } from '../worker-options';

/** A worker on a fresh random queue of the test Redis, with helpers to enqueue and inspect tasks. */
export interface Harness {
  redis: RedisClient;
  /** The worker's queue (its partition 0 when partitioned), on the same clock as the worker. */
  queue: Queue;
  /** The worker's queue with all its partitions (one unless `partitions` was given). */
  logical: PartitionedQueue;
  worker: Worker;
  enqueue(type: string, payload: unknown, extra?: Partial<NewTask>): Promise<string>;
  /** Stores a task whose payload is the given raw string (not JSON-encoded). */
  enqueueRaw(type: string, payload: string, extra?: Partial<NewTask>): Promise<string>;
  task(id: string): Promise<TaskRecord>;
  /** Stops every worker made here and closes the connections. */
  close(): Promise<void>;
}

type HarnessOptions = Omit<WorkerOptions, 'redis' | 'queues'> & {
  clock?: Clock;
  redisUrl?: string;
  start?: boolean;
  /**
   * Makes the queue partitioned (ADR 0040) with this many partitions before the worker starts; default
   * TQ_TEST_PARTITIONS (none when unset or 1). 0: no layout at all, whatever TQ_TEST_PARTITIONS says (for
   * tests of a queue that has none yet, or of one queue's own claims).
   */
  partitions?: number;
};

const open: Harness[] = [];

/** Starts a worker (unless `start: false`) on a new queue. Close it with `closeHarnesses()` in afterEach. */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const redis = createRedis(options.redisUrl ?? process.env.REDIS_URL!);
  const name = randomQueueName('worker');
  const partitions = options.partitions ?? (testPartitions() > 1 ? testPartitions() : 0);
  const logical = partitions
    ? await PartitionedQueue.create(redis, name, partitions, options.clock)
    : await PartitionedQueue.open(redis, name, options.clock);
  const queue = logical.partitions[0]!;
  const { redisUrl: _url, start: _start, partitions: _partitions, ...workerOptions } = options;
  const worker = createWorker({ visibilityTimeoutMs: 5000, ...workerOptions, redis, queues: [name] });
  if (options.start !== false) await worker.start();
  // Through the logical queue: a task goes to the partition it picks and gets that partition's id.
  const enqueueRaw = async (type: string, payload: string, extra: Partial<NewTask> = {}) => {
    const [outcome] = await logical.enqueue([
      { id: newTaskId(name), type, payload, maxAttempts: 3, ...extra },
    ]);
    return outcome!.id;
  };
  const harness: Harness = {
    redis,
    queue,
    logical,
    worker,
    enqueue: (type, payload, extra) => enqueueRaw(type, JSON.stringify(payload), extra),
    enqueueRaw,
    task: async (id) => (await logical.getTask(id))!,
    close: async () => {
      await worker.stop();
      if (redis.status !== 'end') await redis.quit(); // a test may have cut the connection
    },
  };
  open.push(harness);
  return harness;
}

export async function closeHarnesses(): Promise<void> {
  await Promise.all(open.splice(0).map((h) => h.close()));
}

/** The sum of the series `labels` select of a counter or gauge, or of a histogram's counts (0 when none). */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  // Summed over the series the labels select, like PromQL's sum(): a counter by queue and type read by
  // queue alone counts every type.
  return values
    .filter((v) => {
      const series = (v as { metricName?: string }).metricName;
      if (series !== undefined && series !== `${name}_count`) return false;
      return Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want);
    })
    .reduce((sum, v) => sum + v.value, 0);
}

/** A promise with its resolve function, for handlers the test lets finish. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves when `signal` aborts, with its reason. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}
