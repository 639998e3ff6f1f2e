import type { ClaimedTask } from '@tq/core';
import type { Logger } from '@tq/ops';

/** A task this worker holds a lease on and whose handler has not settled yet. */
export interface RunningTask {
  task: ClaimedTask;
  /** Aborts the handler's signal; its reason says why (timeout, lease lost, shutdown). */
  controller: AbortController;
  /**
   * Local time (ms) when the claim or the last accepted extend was sent. Redis set the deadline to its own
   * time at arrival + lease, so the lease surely lasts until `leaseFrom + lease` on this clock.
   */
  leaseFrom: number;
  /** performance.now() when the handler started, for the run time. */
  startedAt: number;
  /** Set once the worker gave the task up; the handler's outcome is then ignored. */
  abandoned?: 'lease_lost' | 'released';
  logger: Logger;
}
