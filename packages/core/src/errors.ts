/**
 * The error family of tq. A closed set of codes; the API maps each to one HTTP status in one place.
 * - `invalid`: the caller's input is wrong (400)
 * - `not_found`: no such task or queue (404)
 * - `conflict`: the request clashes with the current state: an idempotency key reused with another
 *   body, canceling a running or finished task (409)
 * - `too_large`: the payload is over the size limit (413)
 * - `queue_full`: the queue is over its depth limit, retry later (429)
 * - `unavailable`: Redis did not answer in time (503)
 */
export type TqErrorCode = 'invalid' | 'not_found' | 'conflict' | 'too_large' | 'queue_full' | 'unavailable';

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
