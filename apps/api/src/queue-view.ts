import type { EventsMode, QueueStats } from '@tq/core';

/** A queue as the API shows it. */
export interface QueueView {
  name: string;
  paused: boolean;
  counts: QueueStats['counts'];
  /** pending + scheduled + retry: what QUEUE_MAX_DEPTH limits. */
  waiting: number;
  /** Age of the oldest pending task (since it became runnable), ms; null when none is pending. */
  oldestPendingAgeMs: number | null;
  /** Running tasks whose lease expired and that no reaper has recovered yet. */
  expiredLeases: number;
  /** When task events are written to the queue's stream: auto (while someone listens), on, off. */
  events: EventsMode;
  /** Partitions of the queue (ADR 0040): each on its own hash tag; 1 for a plain queue. */
  partitions: number;
  /** The partitions draining after a shrink (counted in `partitions` until removed); empty when none. */
  draining: number[];
}

/** The API's view of a queue's stats. */
export function toQueueView(stats: QueueStats): QueueView {
  const { pending, scheduled, retry } = stats.counts;
  return {
    name: stats.queue,
    paused: stats.paused,
    counts: stats.counts,
    waiting: pending + scheduled + retry,
    oldestPendingAgeMs: stats.oldestPendingAgeMs,
    expiredLeases: stats.expiredLeases,
    events: stats.events,
    partitions: stats.partitions ?? 1,
    draining: stats.draining ?? [],
  };
}
