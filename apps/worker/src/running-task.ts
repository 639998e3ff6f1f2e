import type { ClaimedTask, Queue } from '@tq/core';
import type { Logger } from '@tq/ops';
import type { TaskSeries } from './metrics';
import type { Outcome } from './outcome';

/**
 * A task this worker holds a lease on and whose handler has not settled yet. Its AbortController and its
 * child logger are made on first use: most handlers look at neither, and making both for every task cost
 * about a sixth of the worker's CPU.
 */
export class RunningTask {
  /**
   * performance.now() when the claim or the last accepted extend was sent. Redis set the deadline to its
   * own time at arrival + lease, so the lease surely lasts until `leaseFrom + lease` on this monotonic
   * clock (a wall-clock step cannot move it), and no longer than that as far as this worker can know.
   */
  leaseFrom: number;
  /** performance.now() when the handler started, for the run time. */
  readonly startedAt: number;
  /** performance.now() past which the handler is aborted with a TaskTimeoutError. */
  readonly deadline: number;
  /** The attempt's timeout, ms. */
  readonly timeoutMs: number;
  /** The result as stored (JSON; undefined = none), once the handler succeeded: the complete sends it. */
  result: string | undefined = undefined;
  /** The handler's run time, s, once it settled. */
  runSeconds = 0;
  /** Its place in the worker's RunningTasks; -1 when not in them. */
  slot = -1;
  /** Set once the worker gave the task up; the handler's outcome is then ignored. */
  abandoned?: 'lease_lost' | 'released' | 'canceled';
  /** Called with the entry and the reason when the signal fires (set by runTask). */
  onAbort?: (entry: RunningTask, reason: Error) => void;
  /** Takes the attempt's outcome: only the first one given to `settle` (set by runTask). */
  private outcomeTo?: (entry: RunningTask, outcome: Outcome) => void;
  private abortReason?: Error;
  private controller?: AbortController;
  private childLogger?: Logger;

  /**
   * @param partition the partition that holds the task (the one its id names), as opened when it was
   *   claimed: every acknowledgement, extend and progress report of this attempt goes there, whatever
   *   layout the queue has by then (ADR 0040). An unpartitioned queue is its own partition 0.
   */
  constructor(
    readonly task: ClaimedTask,
    readonly partition: Queue,
    leaseFrom: number,
    startedAt: number,
    timeoutMs: number,
    private readonly parentLogger: Logger,
    /** The metrics of its queue and type. */
    readonly series: TaskSeries,
  ) {
    this.leaseFrom = leaseFrom;
    this.startedAt = startedAt;
    this.timeoutMs = timeoutMs;
    this.deadline = startedAt + timeoutMs;
  }

  /** The task's id: with `token` and `result`, the entry is the item its complete sends (no copy per task). */
  get id(): string {
    return this.task.id;
  }

  /** The attempt's lease token. */
  get token(): string {
    return this.task.token;
  }

  /** The handler's signal; it fires when `abort` is called, before or after this first read. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Why the signal fired (timeout, lease lost, shutdown, canceled), or undefined while it has not. */
  get aborted(): Error | undefined {
    return this.abortReason;
  }

  /** Fires the handler's signal with `reason`; only the first call counts. */
  abort(reason: Error): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
    this.onAbort?.(this, reason);
  }

  /** Where the outcome goes: `to`, once (runTask sets it before the handler runs). */
  settleTo(to: (entry: RunningTask, outcome: Outcome) => void): void {
    this.outcomeTo = to;
  }

  /** Gives the attempt's outcome to its receiver, unless one was given already (the first to settle wins). */
  settle(outcome: Outcome): void {
    const to = this.outcomeTo;
    if (!to) return;
    this.outcomeTo = undefined;
    to(this, outcome);
  }

  /** A child logger with queue, taskId, attempt and type. */
  get logger(): Logger {
    this.childLogger ??= this.parentLogger.child({
      queue: this.task.queue,
      taskId: this.task.id,
      attempt: this.task.attempt,
      type: this.task.type,
    });
    return this.childLogger;
  }
}
