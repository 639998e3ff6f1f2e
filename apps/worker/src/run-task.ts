import { inspect } from 'node:util';
import {
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  trace,
} from '@opentelemetry/api';
import type { Logger } from '@tq/ops';
import { contextOf, messagingAttributes, tracer } from '@tq/task';
import { TaskTimeoutError, permanentReason, rateLimitDelayMs } from './errors';
import type { FailureReason, Outcome } from './outcome';
import type { RunningTask } from './running-task';
import type { HandlerContext, HandlerMap } from './types';

/** Longest error message stored in the task's history; longer ones are cut (the hash must stay small). */
const ERROR_MAX_CHARS = 2000;

/** The outcome of an attempt given up by the worker (lease lost or released). */
const ABANDONED: Outcome = { kind: 'abandoned' };

/** Stores a handler's progress under the entry's lease; false when the lease is no longer ours. */
export type ReportProgress = (entry: RunningTask, value: unknown) => Promise<boolean>;

/** The span options of every attempt. */
const CONSUMER = { kind: SpanKind.CONSUMER };
/** The context of an attempt with no trace: the span the no-op tracer makes for it, set once. */
const UNTRACED = trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
/** `process <queue>` by queue: the span name, made once per queue rather than per task. */
const spanNames = new Map<string, string>();

/** Takes an attempt's outcome (the worker's, shared by every task: no closure per task). */
export type OutcomeReceiver = (entry: RunningTask, outcome: Outcome) => void;

/**
 * Runs one attempt in its `process <queue>` span (a child of the task's traceparent; a no-op without an
 * OpenTelemetry SDK), ends the span with the outcome and gives the outcome to `done`, once.
 */
export function runTask(
  entry: RunningTask,
  handlers: HandlerMap,
  reportProgress: ReportProgress,
  done: OutcomeReceiver,
): void {
  const { task } = entry;
  const parent = contextOf(task.traceparent);
  let name = spanNames.get(task.queue);
  if (name === undefined) spanNames.set(task.queue, (name = `process ${task.queue}`));
  const span = tracer.startSpan(name, CONSUMER, parent);
  if (!span.isRecording()) {
    // The no-op tracer's span carries the parent's span context (or the invalid one): the context it would
    // make holds nothing new, so the attempt runs in one made once instead of a copy per task. A sampler's
    // non-recording span has ids of its own and is set like a recording one.
    const own = span.spanContext();
    const active =
      own === trace.getSpanContext(parent)
        ? parent
        : own === INVALID_SPAN_CONTEXT && parent === ROOT_CONTEXT
          ? UNTRACED
          : trace.setSpan(parent, span);
    // A non-recording span ignores its status and end.
    entry.settleTo(done);
    context.with(active, runAttempt, undefined, entry, handlers, reportProgress);
    return;
  }
  // Attributes only for a recording span: building them for the no-op one would cost every task.
  span.setAttributes(
    messagingAttributes(task.queue, 'process', {
      'messaging.message.id': task.id,
      'tq.task.type': task.type,
      'tq.task.attempt': task.attempt,
    }),
  );
  entry.settleTo((settled, outcome) => {
    if (outcome.kind === 'failure') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
    else if (outcome.kind === 'abandoned')
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'abandoned' });
    span.end();
    done(settled, outcome);
  });
  context.with(trace.setSpan(parent, span), runAttempt, undefined, entry, handlers, reportProgress);
}

/**
 * What a handler gets: the task's fields, with the signal and the logger made on first read. A class, not an
 * object literal with getters: V8 keeps such a literal in dictionary mode, and making one cost more than
 * the rest of a no-op task's worker path (measured in issue 18). The signal and the logger are read
 * through the prototype, so a spread copy (`{ ...ctx }`) lacks them: pass the context itself.
 */
class AttemptContext implements HandlerContext {
  readonly #entry: RunningTask;
  readonly id: string;
  readonly queue: string;
  readonly type: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly startedAt: number;
  /** Its own property, so that `const { progress } = ctx` works. */
  readonly progress: HandlerContext['progress'];

  constructor(
    entry: RunningTask,
    readonly payload: unknown,
    reportProgress: ReportProgress,
  ) {
    const { task } = entry;
    this.#entry = entry;
    this.id = task.id;
    this.queue = task.queue;
    this.type = task.type;
    this.attempt = task.attempt;
    this.maxAttempts = task.maxAttempts;
    this.startedAt = task.startedAt;
    this.progress = (value) => reportProgress(entry, value);
  }

  get signal(): AbortSignal {
    return this.#entry.signal;
  }

  get logger(): Logger {
    return this.#entry.logger;
  }
}

/**
 * Runs one attempt: decodes the payload, finds the handler, and settles the entry with the classified
 * result, never synchronously (the caller is still starting the other tasks of its claim). When the worker
 * aborts the entry (timeout, lease lost, shutdown) the outcome is decided at once by the abort's reason,
 * whatever the handler does afterwards.
 */
function runAttempt(entry: RunningTask, handlers: HandlerMap, reportProgress: ReportProgress): void {
  const { task } = entry;
  let payload: unknown;
  try {
    payload = JSON.parse(task.payload);
  } catch (error) {
    // Written by something other than the API (or corrupted): no attempt can fix it.
    settleLater(
      entry,
      failure('decode_error', `payload is not valid JSON: ${message(error)}`, 'decode_error'),
    );
    return;
  }
  const handler = Object.hasOwn(handlers, task.type) ? handlers[task.type] : undefined;
  if (!handler) {
    // Retried like an error so a newer worker of a rolling deploy can take it; dead once attempts are spent.
    const known = Object.keys(handlers).sort().join(', ') || 'none';
    const error = `no handler for type "${task.type}" on this worker (it handles: ${known})`;
    settleLater(
      entry,
      failure('unknown_type', error, task.attempt >= task.maxAttempts ? 'unknown_type' : undefined),
    );
    return;
  }
  // The first to settle wins: a handler that ignores its signal keeps running in the background, and its
  // late result or error is dropped.
  entry.onAbort = settleAborted;
  if (entry.aborted) {
    settleLater(entry, abortedOutcome(entry.aborted));
    return;
  }
  let running: unknown;
  try {
    running = handler(new AttemptContext(entry, payload, reportProgress));
  } catch (error) {
    settleLater(entry, failed(error));
    return;
  }
  Promise.resolve(running).then(
    (result) => entry.settle({ kind: 'success', result }),
    (error: unknown) => entry.settle(failed(error)),
  );
}

/** Settles `entry` in a microtask: the outcome of an attempt that ends before its handler ran. */
function settleLater(entry: RunningTask, outcome: Outcome): void {
  queueMicrotask(() => entry.settle(outcome));
}

/** The entry's signal fired: the attempt's outcome is the abort's. */
function settleAborted(entry: RunningTask, reason: Error): void {
  entry.settle(abortedOutcome(reason));
}

function abortedOutcome(reason: Error): Outcome {
  return reason instanceof TaskTimeoutError ? failure('timeout', reason.message) : ABANDONED;
}

/** The outcome of a handler that threw `error`. */
function failed(error: unknown): Outcome {
  const delayMs = rateLimitDelayMs(error);
  if (delayMs !== undefined)
    return { kind: 'postpone', delayMs, error: message(error).slice(0, ERROR_MAX_CHARS) };
  const reason = permanentReason(error);
  return reason !== undefined
    ? failure('permanent', message(error), reason)
    : failure('error', message(error));
}

function failure(reason: FailureReason, error: string, deadReason?: string): Outcome {
  return { kind: 'failure', reason, error: error.slice(0, ERROR_MAX_CHARS), deadReason };
}

/**
 * The text stored for what a handler threw. It never throws: a handler may throw anything, and a value JSON
 * cannot hold (a BigInt, a cycle, a throwing toJSON or getter) must fail the attempt, not the worker process.
 */
function message(error: unknown): string {
  try {
    if (error instanceof Error) {
      const text = String(error.message || error.name);
      // fetch and other Node APIs put the useful part in `cause` ("fetch failed" alone says little).
      return error.cause instanceof Error ? `${text}: ${String(error.cause.message)}` : text;
    }
    return typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
  } catch {
    try {
      return inspect(error, { depth: 2, breakLength: Infinity });
    } catch {
      return 'the handler threw a value that cannot be shown';
    }
  }
}
