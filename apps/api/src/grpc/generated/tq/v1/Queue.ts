// Original file: ../../proto/tq/v1/tq.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A queue as GET /queues/{name} shows it.
 */
export interface Queue {
  name?: string;
  paused?: boolean;
  /**
   * Tasks per state: pending, scheduled, running, retry, done, dead, canceled.
   */
  counts?: { [key: string]: number | string | Long };
  /**
   * pending + scheduled + retry: what QUEUE_MAX_DEPTH limits.
   */
  waiting?: number | string | Long;
  /**
   * Age of the oldest pending task, ms; unset when none is pending.
   */
  oldestPendingAgeMs?: number | string | Long;
  expiredLeases?: number | string | Long;
  /**
   * When task events are written: auto, on or off.
   */
  events?: string;
  /**
   * Partitions of the queue (docs/scaling.md); 1 for a plain queue.
   */
  partitions?: number;
  /**
   * Partitions draining after a shrink (counted in partitions until removed); empty when none.
   */
  draining?: number[];
  _oldestPendingAgeMs?: 'oldestPendingAgeMs';
}

/**
 * A queue as GET /queues/{name} shows it.
 */
export interface Queue__Output {
  name: string;
  paused: boolean;
  /**
   * Tasks per state: pending, scheduled, running, retry, done, dead, canceled.
   */
  counts: { [key: string]: number };
  /**
   * pending + scheduled + retry: what QUEUE_MAX_DEPTH limits.
   */
  waiting: number;
  /**
   * Age of the oldest pending task, ms; unset when none is pending.
   */
  oldestPendingAgeMs?: number;
  expiredLeases: number;
  /**
   * When task events are written: auto, on or off.
   */
  events: string;
  /**
   * Partitions of the queue (docs/scaling.md); 1 for a plain queue.
   */
  partitions: number;
  /**
   * Partitions draining after a shrink (counted in partitions until removed); empty when none.
   */
  draining: number[];
  _oldestPendingAgeMs?: 'oldestPendingAgeMs';
}
