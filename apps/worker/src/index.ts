/** The worker runtime as a library: run your own handlers in your own process. */
export {
  PermanentError,
  RateLimitError,
  createRedis,
  type ConnectionOptions,
  type RedisClient,
} from '@tq/core';
export { LeaseLostError, ShutdownError, TaskCanceledError, TaskTimeoutError } from './errors';
export { createEmailHandler, type EmailHandlerOptions } from './handlers/email';
export { createHttpHandler } from './handlers/http';
export { loadHandlerModule } from './handlers/registry';
export type { Handler, HandlerContext, HandlerMap } from './types';
export { Worker, createWorker } from './worker';
export type { WorkerOptions, WorkerStatus } from './worker-options';
