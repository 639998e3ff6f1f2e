/**
 * Where time comes from. In production every script reads Redis `TIME`, so lease deadlines and
 * scores never depend on a client's clock (skewed workers cannot reap early). Tests inject a clock,
 * whose `now()` is passed to every script instead, so they advance time rather than sleep.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** A clock for tests: starts at `startMs` and moves only when told to. */
export class ManualClock implements Clock {
  constructor(private ms: number = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.ms;
  }
  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.ms += ms;
  }
}
