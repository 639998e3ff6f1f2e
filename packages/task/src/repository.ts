import {
  Queue,
  QUEUES_KEY,
  TqError,
  WorkerRegistry,
  listQueues,
  parseTaskId,
  type Clock,
  type NewTask,
  type EnqueueOutcome,
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
}

/** Task storage over the core queues: one `Queue` per name, found from the task id. */
export class TaskRepository {
  private readonly queues = new Map<string, Queue>();
  private readonly coalescer = new EnqueueCoalescer((queue, tasks, maxDepth, maxQueues) =>
    this.add(queue, tasks, maxDepth, maxQueues),
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
  }

  /** The queue named `name` (validated). */
  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(this.redis, name, this.clock);
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Stores tasks of one queue; a new queue only while `tq:queues` holds fewer than `maxQueues` (0 = no limit). */
  add(queue: string, tasks: NewTask[], maxDepth = 0, maxQueues = 0): Promise<EnqueueOutcome[]> {
    return this.queue(queue).enqueue(tasks, maxDepth, maxQueues, this.enqueueWait);
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
    return this.queue(parsed.queue).getTask(id);
  }

  /** The queue a task id belongs to; throws `not_found` for a malformed id. */
  queueOf(id: string): Queue {
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
