import { redactUrls } from '@tq/core';

/** An error as it is logged: what helps an operator, nothing that may carry data. */
export interface LoggedError {
  type: string;
  message: string;
  stack?: string;
  /** errno-style code (ECONNREFUSED) or a library's code. */
  code?: string | number;
  syscall?: string;
  address?: string;
  port?: number;
  /** The Redis command that failed (ioredis errors): its name only. */
  command?: string;
  cause?: LoggedError;
  /** The per-node error of a Redis Cluster failure, or the errors of an AggregateError. */
  errors?: LoggedError[];
}

/** How deep causes and aggregated errors are followed. */
const MAX_DEPTH = 3;
const MAX_ERRORS = 5;

/**
 * The one way errors are logged (pino's `err` and `error` serializer in every service): type, message,
 * stack, network codes, the failed Redis command's name, and the same for causes. Everything else is
 * left out on purpose: ioredis errors carry `command.args` (the whole Lua source, a task's payload, a
 * handler's result, an idempotency key), and other libraries attach requests and options. URLs in the
 * message and stack lose their userinfo.
 */
export function serializeError(error: unknown, depth = 0): LoggedError {
  if (!(error instanceof Error)) {
    // An object logged under `err` on purpose (already serialized, or a summary) is left as it is.
    if (typeof error === 'object' && error !== null) return error as LoggedError;
    return { type: typeof error, message: redactUrls(String(error)) };
  }
  const e = error as Error & Record<string, unknown>;
  const out: LoggedError = {
    type: e.name || e.constructor?.name,
    message: redactUrls(e.message),
  };
  if (typeof e.stack === 'string') out.stack = redactUrls(e.stack);
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  if (typeof e.syscall === 'string') out.syscall = e.syscall;
  if (typeof e.address === 'string') out.address = e.address;
  if (typeof e.port === 'number') out.port = e.port;
  const command = (e.command as { name?: unknown } | undefined)?.name;
  if (typeof command === 'string') out.command = command;
  if (depth < MAX_DEPTH) {
    if (e.cause !== undefined) out.cause = serializeError(e.cause, depth + 1);
    const nested = Array.isArray(e.errors) ? e.errors : e.lastNodeError ? [e.lastNodeError] : [];
    if (nested.length > 0) out.errors = nested.slice(0, MAX_ERRORS).map((n) => serializeError(n, depth + 1));
  }
  return out;
}
