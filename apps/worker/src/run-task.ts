import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { contextOf, messagingAttributes, tracer } from '@tq/task';
import { TaskTimeoutError, permanentReason, rateLimitDelayMs } from './errors';
import type { RunningTask } from './running-task';
import type { HandlerContext, HandlerMap } from './types';

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

/** Longest error message stored in the task's history; longer ones are cut (the hash must stay small). */
const ERROR_MAX_CHARS = 2000;

/** The outcome of an attempt given up by the worker (lease lost or released). */
const ABANDONED: Outcome = { kind: 'abandoned' };

/** Stores a handler's progress under the entry's lease; false when the lease is no longer ours. */
export type ReportProgress = (entry: RunningTask, value: unknown) => Promise<boolean>;

/**
 * Runs one attempt in its `process <queue>` span (a child of the task's traceparent; a no-op without an
 * OpenTelemetry SDK), and ends the span with the outcome.
 */
export async function runTask(
  entry: RunningTask,
  handlers: HandlerMap,
  reportProgress: ReportProgress,
): Promise<Outcome> {
  const { task } = entry;
  const parent = contextOf(task.traceparent);
  const span = tracer.startSpan(`process ${task.queue}`, { kind: SpanKind.CONSUMER }, parent);
  // Attributes only for a recording span: building them for the no-op one would cost every task.
  if (span.isRecording()) {
    span.setAttributes(
      messagingAttributes(task.queue, 'process', {
        'messaging.message.id': task.id,
        'tq.task.type': task.type,
        'tq.task.attempt': task.attempt,
      }),
    );
  }
  const outcome = await context.with(trace.setSpan(parent, span), () =>
    runAttempt(entry, handlers, reportProgress),
  );
  if (outcome.kind === 'failure') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
  else if (outcome.kind === 'abandoned') span.setStatus({ code: SpanStatusCode.ERROR, message: 'abandoned' });
  span.end();
  return outcome;
}

/**
 * Runs one attempt: decodes the payload, finds the handler, and classifies the result. When the worker
 * aborts the entry (timeout, lease lost, shutdown) the outcome is decided at once by the abort's reason,
 * whatever the handler does afterwards. Never rejects.
 */
function runAttempt(
  entry: RunningTask,
  handlers: HandlerMap,
  reportProgress: ReportProgress,
): Promise<Outcome> {
  const { task } = entry;
  let payload: unknown;
  try {
    payload = JSON.parse(task.payload);
  } catch (error) {
    // Written by something other than the API (or corrupted): no attempt can fix it.
    return Promise.resolve(
      failure('decode_error', `payload is not valid JSON: ${message(error)}`, 'decode_error'),
    );
  }
  const handler = Object.hasOwn(handlers, task.type) ? handlers[task.type] : undefined;
  if (!handler) {
    // Retried like an error so a newer worker of a rolling deploy can take it; dead once attempts are spent.
    const known = Object.keys(handlers).sort().join(', ') || 'none';
    const error = `no handler for type "${task.type}" on this worker (it handles: ${known})`;
    return Promise.resolve(
      failure('unknown_type', error, task.attempt >= task.maxAttempts ? 'unknown_type' : undefined),
    );
  }

  const context: HandlerContext = {
    id: task.id,
    queue: task.queue,
    type: task.type,
    payload,
    attempt: task.attempt,
    maxAttempts: task.maxAttempts,
    startedAt: task.startedAt,
    // Made on first read: most handlers use neither.
    get signal() {
      return entry.signal;
    },
    get logger() {
      return entry.logger;
    },
    progress: (value) => reportProgress(entry, value),
  };
  return new Promise<Outcome>((resolve) => {
    // The first to settle wins: a handler that ignores its signal keeps running in the background, and its
    // late result or error is dropped.
    entry.onAbort = (reason) =>
      resolve(reason instanceof TaskTimeoutError ? failure('timeout', reason.message) : ABANDONED);
    if (entry.aborted) entry.onAbort(entry.aborted);
    Promise.resolve()
      .then(() => handler(context))
      .then(
        (result) => resolve({ kind: 'success', result }),
        (error: unknown) => {
          const delayMs = rateLimitDelayMs(error);
          if (delayMs !== undefined) {
            resolve({ kind: 'postpone', delayMs, error: message(error).slice(0, ERROR_MAX_CHARS) });
            return;
          }
          const reason = permanentReason(error);
          resolve(
            reason !== undefined
              ? failure('permanent', message(error), reason)
              : failure('error', message(error)),
          );
        },
      );
  });
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
