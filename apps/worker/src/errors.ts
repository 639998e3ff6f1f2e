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
