/** The shapes of the API's answers that the dashboard reads (docs/api.md, GET /openapi.json). */
// Type-only imports of the API's own types: nothing of @tq/task enters the bundle.
import type {
  HistorySearchPage,
  TaskAction,
  TaskActionOutcome,
  SchedulePage as ApiSchedulePage,
  ScheduleView,
  StoredTask,
  WorkerView,
  TaskPage as ApiTaskPage,
  TaskStatus,
  TaskSummary as ApiTaskSummary,
} from '@tq/task';

export type TaskState = TaskStatus;
export type { TaskAction };

/** Every state, in the order the pages show them. */
export const TASK_STATES = [
  'pending',
  'scheduled',
  'running',
  'retry',
  'dead',
  'done',
  'canceled',
] as const satisfies readonly TaskState[];
// Fails to compile when the API gains a state this list lacks.
const _everyState: [Exclude<TaskState, (typeof TASK_STATES)[number]>] extends [never] ? true : never = true;

export type StateCounts = Record<TaskState, number>;

/** GET /queues/:name */
export interface QueueView {
  name: string;
  paused: boolean;
  counts: StateCounts;
  waiting: number;
  oldestPendingAgeMs: number | null;
  expiredLeases: number;
  /** Partitions of the queue (docs/scaling.md); 1 for a plain queue. */
  partitions: number;
  /** Partitions draining after a shrink, counted in `partitions` until removed; empty when none. */
  draining: number[];
}

/** GET /tasks/:id: from Redis, or from the task history once Redis retention removed it (`source`). */
export type Task = StoredTask;

/** A task as lists show it (no payload, result or error history). */
export type TaskSummary = ApiTaskSummary;

/** GET /queues/:name/tasks?state= and GET /queues/:name/dead: one page, with the cursor of the next. */
export type TaskPage = ApiTaskPage;

/** POST /queues/:name/dead/requeue */
export interface RequeueAnswer {
  requeued: string[];
  notDead: string[];
}

/** GET /workers: the live workers, from their heartbeats. */
export interface WorkerList {
  total: number;
  workers: Worker[];
}

export type Worker = WorkerView;

/** GET /stats/history: attempts ended (processed) and failed per minute, oldest first. */
export interface History {
  queue: string | null;
  minutes: number;
  from: string;
  now: string;
  totals: { processed: number; failed: number };
  points: { at: string; processed: number; failed: number }[];
}

/** GET /tasks: a page of the task history (finished tasks in PostgreSQL), newest finished first. */
export type HistoryPage = HistorySearchPage;

/** The filters of GET /tasks; from and to are ISO times (finish time, from inclusive, to exclusive). */
export interface HistoryQuery {
  queue?: string;
  type?: string;
  status?: 'done' | 'dead' | 'canceled';
  from?: string;
  to?: string;
  limit: number;
}

/** The operator's task actions (ADR 0019), and the states each applies to (as the API's ACTION_STATES). */
export const TASK_ACTIONS = ['run', 'retry', 'cancel', 'delete'] as const satisfies readonly TaskAction[];
export const ACTION_STATES: Record<TaskAction, readonly TaskState[]> = {
  run: ['scheduled', 'retry'],
  retry: ['dead'],
  cancel: ['pending', 'scheduled', 'retry', 'running'],
  delete: ['done', 'dead', 'canceled'],
};
// Fails to compile when the API gains an action this list lacks.
const _everyAction: [Exclude<TaskAction, (typeof TASK_ACTIONS)[number]>] extends [never] ? true : never =
  true;

/** POST /queues/:name/tasks/actions: what one call did. */
export type TaskActionAnswer = TaskActionOutcome;

/** GET /schedules: a page of cron schedules by id (docs/scheduling.md). */
export type SchedulePage = ApiSchedulePage;

/** A cron schedule as GET /schedules shows it. */
export type Schedule = ScheduleView;

/** GET /queues/:name/limits: every limit of the queue, null when it has none (docs/scheduling.md). */
export interface QueueLimitsView {
  queue: string;
  rate: { max: number; periodMs: number } | null;
  concurrency: number | null;
  groupConcurrency: number | null;
}
