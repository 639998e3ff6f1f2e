/**
 * Why a handler's AbortSignal fired (its `signal.reason`). The worker decides the task's fate from the
 * reason, never from whatever the aborted handler throws afterwards.
 */

/** The task ran past its timeoutMs: counts as a failed attempt and is retried with backoff. */
export class TaskTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'TaskTimeoutError';
  }
}

/** The lease is no longer this worker's (it expired and was recovered): another attempt owns the task. */
export class LeaseLostError extends Error {
  constructor(detail: string) {
    super(
      `lease lost (${detail}): another worker may be running this task; this attempt's result is discarded`,
    );
    this.name = 'LeaseLostError';
  }
}

/**
 * An operator canceled the task while it ran (POST /tasks/{id}/cancel, ADR 0019): the worker saw the request
 * at a lease extension and ends the task canceled (not retried, not dead); the handler's result is discarded.
 */
export class TaskCanceledError extends Error {
  constructor() {
    super("canceled by an operator while running; this attempt's result is discarded");
    this.name = 'TaskCanceledError';
  }
}

/** The worker stopped before the handler finished; the task went back to pending without spending an attempt. */
export class ShutdownError extends Error {
  constructor() {
    super('the worker is shutting down; the task was released back to pending');
    this.name = 'ShutdownError';
  }
}

/**
 * A permanent failure: a PermanentError from @tq/core, or any error with `permanent: true` (and an optional
 * `reason`), so a handler module loaded through HANDLER_MODULES need not import tq to fail permanently.
 */
export function permanentReason(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { name?: unknown; permanent?: unknown; reason?: unknown };
  if (e.name !== 'PermanentError' && e.permanent !== true) return undefined;
  return typeof e.reason === 'string' && e.reason !== '' ? e.reason : 'permanent';
}

/** Longest postponement a RateLimitError may ask for, ms (24 h); longer is cut to it. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/**
 * How long a RateLimitError asks to wait, ms (clamped to 0..MAX_RETRY_AFTER_MS): a RateLimitError from
 * @tq/core, or any error with `rateLimited: true` and a numeric `retryAfterMs` (so a handler module need not
 * import tq). Undefined for any other error.
 */
export function rateLimitDelayMs(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { name?: unknown; rateLimited?: unknown; retryAfterMs?: unknown };
  if (e.name !== 'RateLimitError' && e.rateLimited !== true) return undefined;
  const ms = typeof e.retryAfterMs === 'number' && Number.isFinite(e.retryAfterMs) ? e.retryAfterMs : 0;
  return Math.min(Math.max(0, Math.round(ms)), MAX_RETRY_AFTER_MS);
}
