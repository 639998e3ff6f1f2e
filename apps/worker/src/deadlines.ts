import type { RunningTask } from './running-task';

/**
 * Aborts handlers that run past their timeout. One timer, armed for the earliest deadline, replaces a timer
 * per task: starting a task only compares its deadline with the armed one (tasks of the same timeout start in
 * deadline order), and a sweep of the running tasks happens only when the armed deadline comes.
 */
export class Deadlines {
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;

  /**
   * @param running the tasks whose handlers run, read at each sweep
   * @param onTimeout called for each task past its deadline (it must leave `running`)
   */
  constructor(
    private readonly running: () => Iterable<RunningTask>,
    private readonly onTimeout: (entry: RunningTask) => void,
  ) {}

  /** Call when a task starts. */
  add(entry: RunningTask): void {
    if (entry.deadline < this.armedFor) this.arm(entry.deadline);
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
      if (entry.deadline <= now) expired.push(entry);
      else if (entry.deadline < next) next = entry.deadline;
    }
    for (const entry of expired) this.onTimeout(entry);
    if (next < Infinity) this.arm(next);
  }
}
