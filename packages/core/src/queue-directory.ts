import type { Clock } from './clock';
import { TqError } from './errors';
import { MAX_PARTITIONS, assertQueueName } from './ids';
import { QUEUES_KEY } from './keys';
import { PartitionedQueue, readLayout, type PartitionLayout } from './partitions';
import type { RedisClient } from './scripts';

/** Options for {@link QueueDirectory}. */
export interface QueueDirectoryOptions {
  /**
   * How long a process keeps a queue's partition layout before reading it again, ms (default 5000): the
   * longest a process goes on routing with a layout a resize replaced (ADR 0040).
   */
  layoutTtlMs?: number;
  /** Milliseconds for the layout's age; `Date.now` unless a test moves time itself. */
  now?: () => number;
  /**
   * Partitions a new queue gets (1..MAX_PARTITIONS, default 1: new queues stay unpartitioned). Applied by
   * `open(name, { create: true })` (to enqueue to a queue or claim from it) when the queue has no layout
   * and is not in the registry yet, through {@link PartitionedQueue.create}, so concurrent creators agree.
   * A queue that already exists is never repartitioned by it (that is a resize, ADR 0040).
   */
  defaultPartitions?: number;
  /**
   * The longest idempotency window producers use, ms (default 24 h): how long a queue this directory
   * creates with `defaultPartitions` looks up an idempotency key in partition 0 after the creation
   * settled (ADR 0050, {@link PartitionedQueue.create}).
   */
  idempotencyWindowMs?: number;
}

/** Options of {@link QueueDirectory.open}. */
export interface QueueOpenOptions {
  /** The caller is about to enqueue or claim: a new queue is created with `defaultPartitions`. */
  create?: boolean;
}

interface Entry {
  queue: Promise<PartitionedQueue>;
  readAt: number;
  /** Whether an open with `create` was made for this entry (the default applied, or found not to apply). */
  created: boolean;
}

/**
 * Every queue a process uses, opened with its partition layout (ADR 0040): one {@link PartitionedQueue}
 * per name, kept while its layout is fresh and opened again after `layoutTtlMs`, so a resize reaches
 * every process within that time. An unpartitioned queue opens as one partition, the plain {@link Queue}.
 * This is how the API, worker, reaper and archiver open queues; nothing else reads the layout.
 */
export class QueueDirectory {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  readonly defaultPartitions: number;
  private readonly idempotencyWindowMs: number | undefined;

  constructor(
    readonly redis: RedisClient,
    private readonly clock?: Clock,
    options: QueueDirectoryOptions = {},
  ) {
    this.ttlMs = options.layoutTtlMs ?? 5000;
    this.now = options.now ?? Date.now;
    const partitions = options.defaultPartitions ?? 1;
    if (!Number.isSafeInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new TqError(
        'invalid',
        `defaultPartitions must be a whole number from 1 to ${MAX_PARTITIONS}, got ${partitions}`,
      );
    }
    this.defaultPartitions = partitions;
    this.idempotencyWindowMs = options.idempotencyWindowMs;
  }

  /**
   * Queue `name` (validated) with its current layout; one HMGET when the layout was not read lately. With
   * `create` and `defaultPartitions` above 1, a queue with no layout that is not registered yet is created
   * with that many partitions first (once per name while the entry lives).
   */
  open(name: string, { create = false }: QueueOpenOptions = {}): Promise<PartitionedQueue> {
    const now = this.now();
    const entry = this.entries.get(name);
    const creating = create && this.defaultPartitions > 1 && !entry?.created;
    if (entry && now - entry.readAt < this.ttlMs && !creating) return entry.queue;
    assertQueueName(name);
    const queue = this.reopen(name, entry?.queue, creating);
    this.entries.set(name, { queue, readAt: now, created: creating || (entry?.created ?? false) });
    // A failed read is not kept: the next call reads again.
    queue.catch(() => {
      if (this.entries.get(name)?.queue === queue) this.entries.delete(name);
    });
    return queue;
  }

  /**
   * Reads the layout of `name` again now, as after the TTL (the reaper's look found another generation stored):
   * a partitioned layout this process held and Redis lost is written back, as in `open`.
   */
  refresh(name: string): Promise<PartitionedQueue> {
    const entry = this.entries.get(name);
    if (entry) entry.readAt = -Infinity;
    return this.open(name);
  }

  /** Forgets the layout of `name` (after this process changed it), so the next `open` reads it. */
  forget(name: string): void {
    this.entries.delete(name);
  }

  /**
   * Keeps the queue object (and its claim cursor) when the layout read is the one it has. A partitioned
   * layout this process held that is gone from Redis is written back (PartitionedQueue.restoreLayout): read
   * as one partition instead, the tasks this process sent to partitions 1.. until now would be stranded.
   */
  private async reopen(
    name: string,
    previous: Promise<PartitionedQueue> | undefined,
    creating: boolean,
  ): Promise<PartitionedQueue> {
    let layout = await readLayout(this.redis, name);
    const kept = previous ? await previous.catch(() => undefined) : undefined;
    const held = kept?.layout;
    if (layout.generation === 0 && held && held.generation > 0 && held.suffixes.length > 1) {
      layout = await PartitionedQueue.restoreLayout(this.redis, name, held);
    } else if (creating && layout.generation === 0 && !(await this.redis.sismember(QUEUES_KEY, name))) {
      // Another process may create it at the same time, with another default: its layout wins.
      const options = { idempotencyWindowMs: this.idempotencyWindowMs };
      layout = await PartitionedQueue.create(
        this.redis,
        name,
        this.defaultPartitions,
        this.clock,
        options,
      ).then(
        (queue) => queue.layout,
        async (err: unknown) => {
          if (err instanceof TqError && err.code === 'conflict') return readLayout(this.redis, name);
          throw err;
        },
      );
    }
    if (kept && sameLayout(kept.layout, layout)) return kept;
    return new PartitionedQueue(this.redis, name, layout, this.clock);
  }
}

function sameLayout(a: PartitionLayout, b: PartitionLayout): boolean {
  return a.generation === b.generation && a.suffixes.join(',') === b.suffixes.join(',');
}
