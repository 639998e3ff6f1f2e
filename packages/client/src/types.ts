import type { components } from './generated/openapi.js';

type Schemas = components['schemas'];

/** A task as the API answers it. */
export type Task = Schemas['Task'];
/** Where a task is in its life: pending, scheduled, running, retry, then done, dead or canceled. */
export type TaskStatus = Task['status'];
/** What `submit` takes: `type` and `payload`, and optionally queue, priority, delayMs or runAt, …. */
export type TaskSubmission = Schemas['TaskSubmission'];
/** The answer of `submitBatch`: counts and one result per task, in the request's order. */
export type BatchResult = Schemas['BatchResult'];
/** A queue's counts per state, waiting depth, oldest pending age and paused flag. */
export type QueueStats = Schemas['Queue'];
/** What `deleteTask` deleted: whether Redis and the task history held the task. */
export type DeletedTask = Schemas['DeletedTask'];
/** What `actOnTasks` takes: an action and ids, or an action and a state (with type, limit, cursor). */
export type TaskActionRequest = Schemas['TaskAction'];
/** What `actOnTasks` did: the tasks changed, the running ones asked to cancel, the refused ones and why. */
export type TaskActionOutcome = Schemas['TaskActionOutcome'];
/** A task as lists show it (no payload, result or error history: `get` has them). */
export type TaskSummary = Schemas['TaskSummary'];
/** A page of a task list: the tasks, the state's total, and `nextCursor` for the next page (null at the end). */
export type TaskPage = Schemas['TaskPage'];
/** A page of a task history search: finished tasks, newest finished first, and `nextCursor` (null at the end). */
export type HistoryPage = Schemas['HistoryPage'];
/** What `searchTasks` filters by; every field optional. Times are Date, ISO 8601 or epoch ms. */
export interface HistorySearch {
  queue?: string;
  type?: string;
  status?: 'done' | 'dead' | 'canceled';
  /** Finished at or after. */
  from?: Date | string | number;
  /** Finished before. */
  to?: Date | string | number;
}
/** A live worker process, from its last heartbeat: host, pid, queues, slots busy, running task ids. */
export type WorkerInfo = Schemas['Worker'];
/** What `workers` answers: the live workers, and how many there are in all. */
export interface WorkerList {
  total: number;
  workers: WorkerInfo[];
}
/** Attempts processed and failed per minute (the last point is the current minute), with totals. */
export type StatsHistory = Schemas['History'];
/** A cron schedule as lists show it: definition, next run, last task, counts. */
export type Schedule = Schemas['Schedule'];
/** A schedule with its next runs (`schedule`, `createSchedule`, `updateSchedule`). */
export type ScheduleDetail = Schemas['ScheduleDetail'];
/** What `createSchedule` takes: id, cron, timezone, the task, and the misfire and overlap policies. */
export type ScheduleSubmission = Schemas['ScheduleSubmission'];
/** What `updateSchedule` takes: paused, or a new cron, zone, policy or task template. */
export type ScheduleChange = Schemas['ScheduleChange'];
/** A page of schedules by id, with `nextCursor` (null at the end). */
export type SchedulePage = Schemas['SchedulePage'];
/** What `setLimits` takes: rate `{max, periodMs}`, concurrency, groupConcurrency (one left out is removed). */
export type QueueLimitsInput = Schemas['QueueLimitsBody'];
/** A queue's limits, null where it has none. */
export type QueueLimits = Schemas['QueueLimits'];
/** The fair groups of a queue with the most pending tasks. */
export type GroupList = Schemas['GroupList'];
/** An RFC 9457 problem details body, as the API answers every error. */
export type ProblemDetails = Schemas['Problem'];
/** One problem with one request field: a dotted path ('' for the whole body) and why. */
export type FieldError = NonNullable<ProblemDetails['errors']>[number];

/** The statuses a task never leaves. */
export const FINISHED_STATUSES: readonly TaskStatus[] = ['done', 'dead', 'canceled'];

/** True when the task has reached a status it never leaves (done, dead or canceled). */
export function isFinished(task: Pick<Task, 'status'>): boolean {
  return FINISHED_STATUSES.includes(task.status);
}
