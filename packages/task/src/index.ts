export { DEFAULT_BACKOFF, backoffDelayMs, type BackoffPolicy } from './backoff';
export { TaskRepository } from './repository';
export {
  DEFAULTS,
  LIMITS,
  batchSubmissionSchema,
  fieldErrors,
  taskSubmissionSchema,
  type FieldError,
  type TaskSubmission,
} from './schema';
export {
  TaskService,
  type BatchItemResult,
  type DeadTasksPage,
  type SubmitResult,
  type TaskServiceOptions,
} from './service';
export { toTask, type Task, type TaskStatus } from './task';
