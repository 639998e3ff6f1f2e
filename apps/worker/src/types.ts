import type { Logger } from '@tq/ops';

/** What a handler gets for one attempt of one task. */
export interface HandlerContext {
  /** The task id, `<queue>.<local id>`: stable across attempts, so handlers can use it as an idempotency key. */
  id: string;
  queue: string;
  type: string;
  /** The payload as submitted (parsed JSON). Validate it: it comes from whoever called the API. */
  payload: unknown;
  /** 1 for the first run; counted when the task is claimed. */
  attempt: number;
  maxAttempts: number;
  /**
   * When this attempt started: the time of the claim that leased it, ms since the epoch on Redis's clock (the
   * clock queue limits and leases use, not this process's). A rate limit holds these starts to its window.
   */
  startedAt: number;
  /**
   * Fires when the handler must stop: its timeout passed (`signal.reason` is a TaskTimeoutError), its lease
   * was lost (LeaseLostError), an operator canceled the task (TaskCanceledError; the task ends `canceled`,
   * ADR 0019), or the worker is shutting down past its grace period (ShutdownError).
   * Pass it to fetch and other I/O. After it fires, the handler's result is ignored.
   */
  signal: AbortSignal;
  /** A child logger with queue, taskId, attempt and type set. */
  logger: Logger;
  /**
   * Reports progress: a number 0-100 or a small JSON object (at most 1024 bytes serialized), stored on the
   * task and sent to its event streams. Resolves true when stored, false when this attempt no longer holds
   * the task (its lease was lost): stop reporting then. Throws for a value of another kind or size. Each call
   * is one Redis round trip: report steps, not every item.
   */
  progress(value: number | Record<string, unknown>): Promise<boolean>;
}

/**
 * Runs one attempt of a task. Resolve to succeed (the value, serialized as JSON, is the task's result); throw
 * to fail the attempt (retried with backoff); throw a PermanentError to send the task straight to dead.
 * Tasks are delivered at least once: a handler must be idempotent.
 */
export type Handler = (ctx: HandlerContext) => Promise<unknown>;

/** Handlers by task type. */
export type HandlerMap = Record<string, Handler>;
