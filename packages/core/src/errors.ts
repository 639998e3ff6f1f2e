/**
 * The error family of tq: a closed set of codes, protocol-free. Each API maps every code to its protocol's
 * status in one table (HTTP: `PROBLEM_OF_CODE` in apps/api; a gRPC table mirrors it).
 * - `invalid`: the caller's input is wrong
 * - `not_found`: no such task or queue
 * - `conflict`: the request clashes with the current state: an idempotency key reused with another
 *   body, canceling a running or finished task
 * - `too_large`: the payload is over the size limit
 * - `queue_full`: the queue is over its depth limit, retry later
 * - `unavailable`: Redis did not answer in time or refused the operation; the outcome may be unknown, retry
 * - `queue_not_allowed`: the queue's name is not in the operator's allowlist
 * - `queue_limit`: a new queue, and the registry already holds the most queues allowed
 * - `schedule_limit`: a new schedule, and the registry already holds the most schedules allowed
 */
export type TqErrorCode =
  | 'invalid'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'queue_full'
  | 'unavailable'
  | 'queue_not_allowed'
  | 'queue_limit'
  | 'schedule_limit';

/** An error with a code from the closed set above and a message written for the user. */
export class TqError extends Error {
  constructor(
    readonly code: TqErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'TqError';
  }
}

/** Thrown by a handler to skip the remaining attempts: the task goes straight to dead. */
export class PermanentError extends Error {
  constructor(
    message: string,
    /** The dead-letter reason recorded with the task. */
    readonly reason: string = 'permanent',
  ) {
    super(message);
    this.name = 'PermanentError';
  }
}

/**
 * Thrown by a handler when what it calls is rate limiting it (an HTTP 429, a quota): the task waits
 * `retryAfterMs` and runs again without spending an attempt, at most DEFAULT_MAX_POSTPONEMENTS (20) times
 * per task by default; past that each one counts as a failed attempt, so a task never loops forever.
 */
export class RateLimitError extends Error {
  constructor(
    /** How long to wait before the next try, ms (0 up to 24 h; the worker clamps it). */
    readonly retryAfterMs: number,
    message = `rate limited: retry in ${retryAfterMs} ms`,
  ) {
    super(message);
    this.name = 'RateLimitError';
  }
}
