import {
  PartitionedQueue,
  QUEUES_KEY,
  QueueDirectory,
  TqError,
  WorkerRegistry,
  listQueues,
  parseTaskId,
  type Clock,
  type NewTask,
  type EnqueueOutcome,
  type QueueDirectoryOptions,
  type RedisClient,
  type ReplicaWait,
  type TaskRecord,
} from '@tq/core';
import { EnqueueCoalescer } from './enqueue-coalescer';

/** Options for {@link TaskRepository}. */
export interface TaskRepositoryOptions {
  /**
   * Acknowledge an enqueue only once this many replicas of the master that stored it confirmed it (WAIT,
   * ADR 0044); fewer in time throws `unavailable`. Default: no wait (replication stays asynchronous).
   */
  enqueueWait?: ReplicaWait;
  /** How queues are opened (layout TTL, the partitions of a new queue: QUEUE_DEFAULT_PARTITIONS). */
  directory?: QueueDirectoryOptions;
}

/**
 * Task storage over the core queues: every queue opened with its partition layout through one
 * {@link QueueDirectory} (ADR 0040), so a partitioned queue is one logical queue here; a task's queue (and
 * partition) is found from its id.
 */
export class TaskRepository {
  /** How this process opens queues: one PartitionedQueue per name, its layout re-read after a TTL. */
  readonly directory: QueueDirectory;
  private readonly coalescer = new EnqueueCoalescer(async (queue, tasks, maxDepth, maxQueues) =>
    (await this.directory.open(queue, { create: true })).enqueueEach(
      tasks,
      maxDepth,
      maxQueues,
      this.enqueueWait,
    ),
  );
  /** The live-worker registry. */
  readonly workers: WorkerRegistry;

  private readonly enqueueWait: ReplicaWait | undefined;

  constructor(
    readonly redis: RedisClient,
    private readonly clock?: Clock,
    options: TaskRepositoryOptions = {},
  ) {
    this.workers = new WorkerRegistry(redis, clock);
    this.enqueueWait = options.enqueueWait;
    this.directory = new QueueDirectory(redis, clock, options.directory);
  }

  /** The queue named `name` (validated), with its partition layout. */
  queue(name: string): Promise<PartitionedQueue> {
    return this.directory.open(name);
  }

  /**
   * Makes `name` a queue of `partitions` partitions and adds it to `tq:queues` (unless that already holds
   * `maxQueues` queues: `queue_limit`; 0 = no limit). The same count again answers the queue as it is;
   * another count throws `conflict` (ADR 0040). Idempotency keys are held in partition 0 for
   * `idempotencyWindowMs` after the creation settles (ADR 0050).
   */
  async createQueue(
    name: string,
    partitions: number,
    idempotencyWindowMs: number,
    maxQueues = 0,
  ): Promise<PartitionedQueue> {
    const current = await this.directory.open(name);
    const first = current.partitions[0]!;
    await first.addToRegistry(maxQueues);
    try {
      return await PartitionedQueue.create(this.redis, name, partitions, this.clock, { idempotencyWindowMs });
    } finally {
      this.directory.forget(name);
      await first.confirmInRegistry();
    }
  }

  /**
   * Resizes queue `name` to `partitions` (ADR 0043: adding is online, removing drains), holding moved
   * idempotency keys for `idempotencyWindowMs`; the same count as now removes the partitions a shrink has
   * drained instead. Throws `conflict` while the previous resize settles or when another one won.
   */
  async resizeQueue(
    name: string,
    partitions: number,
    idempotencyWindowMs: number,
  ): Promise<PartitionedQueue> {
    try {
      const current = await PartitionedQueue.open(this.redis, name, this.clock);
      if (current.layout.count === partitions) {
        await current.dropDrained();
        return await PartitionedQueue.open(this.redis, name, this.clock);
      }
      return await current.resize(partitions, { idempotencyWindowMs });
    } finally {
      this.directory.forget(name);
    }
  }

  /**
   * Stores tasks of one queue; a new queue only while `tq:queues` holds fewer than `maxQueues` (0 = no
   * limit), with the directory's default partitions.
   */
  async add(queue: string, tasks: NewTask[], maxDepth = 0, maxQueues = 0): Promise<EnqueueOutcome[]> {
    return (await this.directory.open(queue, { create: true })).enqueue(
      tasks,
      maxDepth,
      maxQueues,
      this.enqueueWait,
    );
  }

  /**
   * Stores one task like `add`, in one script call with the other single tasks for the same queue stored
   * during this turn of the event loop (EnqueueCoalescer).
   */
  addOne(queue: string, task: NewTask, maxDepth = 0, maxQueues = 0): Promise<EnqueueOutcome> {
    return this.coalescer.add(queue, task, maxDepth, maxQueues);
  }

  /** The record of task `id`, or null when no such task is stored. */
  async find(id: string): Promise<TaskRecord | null> {
    const parsed = parseTaskId(id);
    if (!parsed) return null;
    const queue = await this.queue(parsed.queue);
    // An id naming a partition the queue does not have is no task of it.
    if ((parsed.partition ?? 0) >= queue.count) return null;
    return queue.getTask(id);
  }

  /** The queue a task id belongs to; throws `not_found` for a malformed id. */
  async queueOf(id: string): Promise<PartitionedQueue> {
    const parsed = parseTaskId(id);
    if (!parsed)
      throw new TqError(
        'not_found',
        `task ${JSON.stringify(id)} does not exist: ids look like "default.01JD…"`,
      );
    return this.queue(parsed.queue);
  }

  /** Names of all queues that have received tasks. */
  queueNames(): Promise<string[]> {
    return listQueues(this.redis);
  }

  /** Whether a queue has ever received a task. */
  async queueExists(name: string): Promise<boolean> {
    return (await this.redis.sismember(QUEUES_KEY, name)) === 1;
  }
}
