import type { RunningTask } from './running-task';

/**
 * Fires a callback for each running task whose deadline (on the monotonic `performance.now()` clock) has
 * come: handler timeouts, and lease expiries. One timer, armed for the earliest deadline, replaces a timer
 * per task: starting a task only compares its deadline with the armed one, and a sweep of the running
 * tasks happens only when the armed deadline comes. A deadline may move later (an extended lease): the
 * timer then fires early, finds nothing due, and re-arms for the new earliest.
 */
export class Deadlines {
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;

  /**
   * @param running the tasks to watch, read at each sweep
   * @param deadlineOf a task's deadline, performance.now() ms; it may only move later
   * @param onExpired called for each task past its deadline (it must leave `running`, or stop counting)
   */
  constructor(
    private readonly running: () => Iterable<RunningTask>,
    private readonly deadlineOf: (entry: RunningTask) => number,
    private readonly onExpired: (entry: RunningTask) => void,
  ) {}

  /** Call when a task starts. */
  add(entry: RunningTask): void {
    const at = this.deadlineOf(entry);
    if (at < this.armedFor) this.arm(at);
  }

  /** Stops the timer (the worker stopped). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.armedFor = at;
    // Rounded up, so the sweep never comes before the deadline it was armed for.
    this.timer = setTimeout(() => this.sweep(), Math.max(1, Math.ceil(at - performance.now())));
  }

  private sweep(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = performance.now();
    let next = Infinity;
    const expired: RunningTask[] = [];
    for (const entry of this.running()) {
      const at = this.deadlineOf(entry);
      if (at <= now) expired.push(entry);
      else if (at < next) next = at;
    }
    for (const entry of expired) this.onExpired(entry);
    if (next < Infinity) this.arm(next);
  }
}
