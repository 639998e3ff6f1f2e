/**
 * Why an attempt failed; the `reason` label of tq_tasks_failed_total. `rate_limited`: a RateLimitError
 * from a task postponed as often as a task may be.
 */
export const FAILURE_REASONS = [
  'error',
  'timeout',
  'unknown_type',
  'permanent',
  'decode_error',
  'rate_limited',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** What became of one attempt, before it is acknowledged. */
export type Outcome =
  | { kind: 'success'; result: unknown }
  | {
      kind: 'failure';
      reason: FailureReason;
      error: string;
      /** Send to dead now with this reason; otherwise retry (or dead 'max_attempts' when attempts are spent). */
      deadReason?: string;
    }
  /** The handler threw a RateLimitError: run the task again after `delayMs` without spending an attempt. */
  | { kind: 'postpone'; delayMs: number; error: string }
  /** The lease was lost or the task released: the worker already dealt with it. */
  | { kind: 'abandoned' };
