import type { LiveWorker, TaskRecord, TaskStatus, TaskSummaryRecord } from '@tq/core';

export type { TaskStatus };

/** A task as the API shows it: times are ISO 8601 strings, payload and result are parsed JSON. */
export interface Task {
  id: string;
  queue: string;
  type: string;
  payload: unknown;
  status: TaskStatus;
  priority: number;
  /** Attempts started so far (counted when a worker claims the task). */
  attempt: number;
  maxAttempts: number;
  timeoutMs: number | null;
  createdAt: string;
  runAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  result: unknown;
  lastError: string | null;
  errors: { attempt: number; at: string; error: string }[];
  deadReason: string | null;
  idempotencyKey: string | null;
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text; // written by something other than tq: show it as it is
  }
}

/** Turns a stored record into the API's view of a task. */
export function toTask(record: TaskRecord): Task {
  return {
    id: record.id,
    queue: record.queue,
    type: record.type,
    payload: parseJson(record.payload),
    status: record.status,
    priority: record.priority,
    attempt: record.attempt,
    maxAttempts: record.maxAttempts,
    timeoutMs: record.timeoutMs ?? null,
    createdAt: iso(record.createdAt)!,
    runAt: iso(record.runAt),
    startedAt: iso(record.startedAt),
    finishedAt: iso(record.finishedAt),
    result: record.result === undefined ? null : parseJson(record.result),
    lastError: record.lastError ?? null,
    errors: record.errors.map((e) => ({
      attempt: e.attempt,
      at: new Date(e.at).toISOString(),
      error: e.error,
    })),
    deadReason: record.deadReason ?? null,
    idempotencyKey: record.idempotencyKey ?? null,
  };
}

/** A task as a list shows it: no payload, result or error history (GET /tasks/:id has them). */
export interface TaskSummary {
  id: string;
  queue: string;
  type: string;
  status: TaskStatus;
  priority: number;
  attempt: number;
  maxAttempts: number;
  createdAt: string;
  runAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** The last error, cut at 500 bytes. */
  lastError: string | null;
  deadReason: string | null;
  /** Running tasks: when the current lease expires unless the worker extends it. */
  leaseExpiresAt: string | null;
}

/** Turns a listed record into the API's view of it. */
export function toTaskSummary(record: TaskSummaryRecord): TaskSummary {
  return {
    id: record.id,
    queue: record.queue,
    type: record.type,
    status: record.status,
    priority: record.priority,
    attempt: record.attempt,
    maxAttempts: record.maxAttempts,
    createdAt: iso(record.createdAt)!,
    runAt: iso(record.runAt),
    startedAt: iso(record.startedAt),
    finishedAt: iso(record.finishedAt),
    lastError: record.lastError ?? null,
    deadReason: record.deadReason ?? null,
    leaseExpiresAt: iso(record.leaseExpiresAt),
  };
}

/** A live worker as the API shows it (GET /workers). */
export interface WorkerView {
  id: string;
  host: string;
  pid: number;
  queues: string[];
  concurrency: number;
  busySlots: number;
  version: string;
  startedAt: string;
  /** Its last heartbeat (Redis time). */
  lastBeatAt: string;
  /** When it disappears from the list unless it beats again. */
  expiresAt: string;
  /** Tasks it runs now (at most 100; busySlots says how many). */
  runningTaskIds: string[];
}

/** Turns a registry record into the API's view of a worker. */
export function toWorkerView(w: LiveWorker): WorkerView {
  return {
    id: w.id,
    host: w.host,
    pid: w.pid,
    queues: w.queues,
    concurrency: w.concurrency,
    busySlots: w.busySlots,
    version: w.version,
    startedAt: iso(w.startedAt)!,
    lastBeatAt: iso(w.lastBeatAt)!,
    expiresAt: iso(w.expiresAt)!,
    runningTaskIds: w.runningTaskIds,
  };
}
