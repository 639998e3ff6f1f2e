export {
  TqClient,
  type CallOptions,
  type ListOptions,
  type RequeueResult,
  type SubmitOptions,
  type TqClientOptions,
  type WaitOptions,
} from './client.js';
export {
  TqApiError,
  TqBadRequestError,
  TqClientError,
  TqConflictError,
  TqForbiddenError,
  TqNetworkError,
  TqNotFoundError,
  TqPayloadTooLargeError,
  TqQueueFullError,
  TqTimeoutError,
  TqUnauthorizedError,
  TqUnavailableError,
} from './errors.js';
export type { RetryPolicy } from './retry.js';
export {
  FINISHED_STATUSES,
  isFinished,
  type BatchResult,
  type FieldError,
  type HistoryPage,
  type HistorySearch,
  type ProblemDetails,
  type QueueStats,
  type StatsHistory,
  type Task,
  type TaskPage,
  type TaskStatus,
  type TaskSubmission,
  type TaskSummary,
  type WorkerInfo,
  type WorkerList,
} from './types.js';
export type { paths, components, operations } from './generated/openapi.js';
