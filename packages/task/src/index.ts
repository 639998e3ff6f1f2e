export { refusal, type TaskActionOutcome } from './actions';
export { ARCHIVE_STATES, type ArchiveSearch, type ArchiveStatus, type TaskArchive } from './archive';
export { DEFAULT_BACKOFF, backoffDelayMs, type BackoffPolicy } from './backoff';
export { TaskRepository } from './repository';
export {
  ACTION_STATES,
  DEFAULT_ACTION_LIMIT,
  MAX_ACTION_TASKS,
  TASK_ACTIONS,
  taskActionSchema,
  type TaskAction,
  type TaskActionRequest,
  DEFAULTS,
  LIMITS,
  batchSubmissionSchema,
  fieldErrors,
  MAX_HISTORY_MINUTES,
  MAX_WORKERS_LISTED,
  historyQuerySchema,
  historySearchQuerySchema,
  MAX_HISTORY_PAGE,
  queueCreateSchema,
  taskListQuerySchema,
  taskSubmissionSchema,
  workerListQuerySchema,
  type FieldError,
  type HistorySearchQuery,
  type TaskListQuery,
  type TaskSubmission,
} from './schema';
export {
  TaskService,
  type BatchItemResult,
  type DeletedTask,
  type HistorySearchPage,
  type QueuePolicy,
  type SubmitResult,
  type TaskPage,
  type TaskServiceOptions,
} from './service';
export {
  toHistoryView,
  toTask,
  toTaskSummary,
  toWorkerView,
  type HistoryView,
  type StoredTask,
  type Task,
  type TaskStatus,
  type TaskSummary,
  type WorkerView,
} from './task';
export {
  MESSAGING_SYSTEM,
  TRACEPARENT_PATTERN,
  contextOf,
  formatTraceparent,
  messagingAttributes,
  parseTraceparent,
  tracer,
} from './trace-context';
export {
  SCHEDULE_LIMITS,
  groupListQuerySchema,
  queueLimitsSchema,
  scheduleChangeSchema,
  scheduleGetQuerySchema,
  scheduleListQuerySchema,
  scheduleSubmissionSchema,
  type QueueLimitsBody,
  type ScheduleChangeBody,
  type ScheduleSubmission,
} from './schedule-schema';
export { ScheduleService, type SchedulePage, type ScheduleServiceOptions } from './schedule-service';
export { toScheduleDetail, toScheduleView, type ScheduleDetail, type ScheduleView } from './schedule';
