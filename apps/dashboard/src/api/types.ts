/** The shapes of the API's answers that the dashboard reads (docs/api.md, GET /openapi.json). */
// Type-only imports of the API's own types: nothing of @tq/task enters the bundle.
import type { Task as ApiTask, TaskStatus } from '@tq/task';

export type TaskState = TaskStatus;

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
}

/** GET /tasks/:id */
export type Task = ApiTask;

/** GET /queues/:name/dead */
export interface DeadPage {
  queue: string;
  total: number;
  offset: number;
  limit: number;
  tasks: Task[];
}

/** POST /queues/:name/dead/requeue */
export interface RequeueAnswer {
  requeued: string[];
  notDead: string[];
}
