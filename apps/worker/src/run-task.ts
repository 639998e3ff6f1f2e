import { TaskTimeoutError, permanentReason } from './errors';
import type { RunningTask } from './running-task';
import type { HandlerMap } from './types';

/** Why an attempt failed; the `reason` label of tq_tasks_failed_total. */
export type FailureReason = 'error' | 'timeout' | 'unknown_type' | 'permanent' | 'decode_error';

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
  /** The lease was lost or the task released: the worker already dealt with it. */
  | { kind: 'abandoned' };

/** Longest error message stored in the task's history; longer ones are cut (the hash must stay small). */
const ERROR_MAX_CHARS = 2000;

/**
 * Runs one attempt: decodes the payload, finds the handler, enforces the timeout through the AbortSignal,
 * and classifies the result. Never throws.
 */
export async function runTask(entry: RunningTask, handlers: HandlerMap, timeoutMs: number): Promise<Outcome> {
  const { task, controller, logger } = entry;
  let payload: unknown;
  try {
    payload = JSON.parse(task.payload);
  } catch (error) {
    // Written by something other than the API (or corrupted): no attempt can fix it.
    return failure('decode_error', `payload is not valid JSON: ${message(error)}`, 'decode_error');
  }
  const handler = Object.hasOwn(handlers, task.type) ? handlers[task.type] : undefined;
  if (!handler) {
    // Retried like an error so a newer worker of a rolling deploy can take it; dead once attempts are spent.
    const known = Object.keys(handlers).sort().join(', ') || 'none';
    const error = `no handler for type "${task.type}" on this worker (it handles: ${known})`;
    return failure('unknown_type', error, task.attempt >= task.maxAttempts ? 'unknown_type' : undefined);
  }

  const signal = controller.signal;
  const timer = setTimeout(() => controller.abort(new TaskTimeoutError(timeoutMs)), timeoutMs);
  let aborted!: () => void;
  const abortedPromise = new Promise<never>((_, reject) => {
    aborted = () => reject(signal.reason as Error);
    signal.addEventListener('abort', aborted, { once: true });
  });
  // A handler that ignores its signal keeps running in the background; its late result or error is dropped.
  const run = Promise.resolve().then(() =>
    handler({
      id: task.id,
      queue: task.queue,
      type: task.type,
      payload,
      attempt: task.attempt,
      maxAttempts: task.maxAttempts,
      signal,
      logger,
    }),
  );
  run.catch(() => undefined);
  abortedPromise.catch(() => undefined);
  try {
    return { kind: 'success', result: await Promise.race([run, abortedPromise]) };
  } catch (error) {
    if (signal.aborted) {
      // Whatever the handler threw after the abort, the abort's reason decides.
      if (signal.reason instanceof TaskTimeoutError) return failure('timeout', signal.reason.message);
      return { kind: 'abandoned' };
    }
    const reason = permanentReason(error);
    if (reason !== undefined) return failure('permanent', message(error), reason);
    return failure('error', message(error));
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', aborted);
  }
}

function failure(reason: FailureReason, error: string, deadReason?: string): Outcome {
  return { kind: 'failure', reason, error: error.slice(0, ERROR_MAX_CHARS), deadReason };
}

function message(error: unknown): string {
  if (error instanceof Error) {
    const text = error.message || error.name;
    // fetch and other Node APIs put the useful part in `cause` ("fetch failed" alone says little).
    return error.cause instanceof Error ? `${text}: ${error.cause.message}` : text;
  }
  return typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
}
