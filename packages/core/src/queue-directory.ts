import type { Clock } from './clock';
import { assertQueueName } from './ids';
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
}

interface Entry {
  queue: Promise<PartitionedQueue>;
  readAt: number;
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

  constructor(
    readonly redis: RedisClient,
    private readonly clock?: Clock,
    options: QueueDirectoryOptions = {},
  ) {
    this.ttlMs = options.layoutTtlMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  /** Queue `name` (validated) with its current layout; one HMGET when the layout was not read lately. */
  open(name: string): Promise<PartitionedQueue> {
    const now = this.now();
    const entry = this.entries.get(name);
    if (entry && now - entry.readAt < this.ttlMs) return entry.queue;
    assertQueueName(name);
    const queue = this.reopen(name, entry?.queue);
    this.entries.set(name, { queue, readAt: now });
    // A failed read is not kept: the next call reads again.
    queue.catch(() => {
      if (this.entries.get(name)?.queue === queue) this.entries.delete(name);
    });
    return queue;
  }

  /** Forgets the layout of `name` (after this process changed it), so the next `open` reads it. */
  forget(name: string): void {
    this.entries.delete(name);
  }

  /** Keeps the queue object (and its claim cursor) when the layout read is the one it has. */
  private async reopen(name: string, previous?: Promise<PartitionedQueue>): Promise<PartitionedQueue> {
    const layout = await readLayout(this.redis, name);
    const kept = previous ? await previous.catch(() => undefined) : undefined;
    if (kept && sameLayout(kept.layout, layout)) return kept;
    return new PartitionedQueue(this.redis, name, layout, this.clock);
  }
}

function sameLayout(a: PartitionLayout, b: PartitionLayout): boolean {
  return a.generation === b.generation && a.suffixes.join(',') === b.suffixes.join(',');
}
