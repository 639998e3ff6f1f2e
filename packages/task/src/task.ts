import {
  parseTaskId,
  type LiveWorker,
  type QueueHistory,
  type TaskRecord,
  type TaskStatus,
  type TaskSummaryRecord,
} from '@tq/core';

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
  /** The last progress a handler reported (a number 0-100 or an object), from any attempt; null when none. */
  progress: unknown;
  /** The W3C traceparent the task was submitted with; null when none. */
  traceparent: string | null;
  /**
   * While running: when an operator asked to cancel this attempt (ADR 0019); its worker ends it `canceled`
   * within one lease-extension tick. Null otherwise.
   */
  cancelRequestedAt: string | null;
  /** The fair group the task waits in (docs/scheduling.md); null when none. */
  group: string | null;
  /**
   * The cron schedule that enqueued the task: its id, the slot the task stands for, and for a run-once
   * catch-up how many missed slots it stands for (0 otherwise); null for a task submitted directly.
   */
  schedule: { id: string; slot: string; missed: number } | null;
  /** The id of the worker that ran its latest attempt (as GET /workers lists workers); null before one ran. */
  workerId: string | null;
  /** The partition of a partitioned queue that holds the task (ADR 0040), read from its id; 0 otherwise. */
  partition: number;
}

/** A task as `GET /tasks/:id` shows it: with where it was read from. */
export interface StoredTask extends Task {
  /** `redis`: the live task; `archive`: the task history (PostgreSQL) after Redis retention deleted it. */
  source: 'redis' | 'archive';
}

// The tasks of one script call share their times: each is formatted once.
let lastMs = NaN;
let lastIso = '';
const iso = (ms: number | undefined): string | null => {
  if (ms === undefined) return null;
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
};

/**
 * A submitted payload as the task read back shows it (JSON.parse of its JSON.stringify), without the parse
 * where that is the value itself: a string, a boolean, null, a finite number other than -0. Anything else
 * (objects, arrays, undefined, NaN) goes through JSON, which also keeps the answer from sharing the caller's
 * object.
 */
export function submittedPayload(payload: unknown, json: string): unknown {
  switch (typeof payload) {
    case 'string':
    case 'boolean':
      return payload;
    case 'number':
      return Number.isFinite(payload) && !Object.is(payload, -0) ? payload : parseJson(json);
    default:
      return payload === null ? null : parseJson(json);
  }
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text; // written by something other than tq: show it as it is
  }
}

/**
 * Turns a stored record into the API's view of a task. `payload`: the record's payload already parsed (a
 * submission's own, see {@link submittedPayload}); default: parsed from the record.
 */
export function toTask(record: TaskRecord, payload: unknown = parseJson(record.payload)): Task {
  return {
    id: record.id,
    queue: record.queue,
    type: record.type,
    payload,
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
    progress: parseJson(record.progress),
    traceparent: record.traceparent ?? null,
    cancelRequestedAt: iso(record.cancelRequestedAt),
    group: record.group ?? null,
    schedule: record.schedule
      ? { id: record.schedule.id, slot: iso(record.schedule.slot)!, missed: record.schedule.missed }
      : null,
    workerId: record.workerId ?? null,
    // An id with one dot is partition 0's: only others are parsed.
    partition:
      record.id.indexOf('.') === record.id.lastIndexOf('.') ? 0 : (parseTaskId(record.id)?.partition ?? 0),
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

/** Ended attempts per minute as the API shows them (GET /stats/history). */
export interface HistoryView {
  /** The queue, or null for the sum over every queue. */
  queue: string | null;
  minutes: number;
  /** Start of the first minute. */
  from: string;
  /** Redis time of the read; the last minute is still counting. */
  now: string;
  totals: { processed: number; failed: number };
  /** One point per minute, oldest first: attempts that ended (completed or failed), and failed ones. */
  points: { at: string; processed: number; failed: number }[];
}

/**
 * Sums per-queue histories minute by minute into the window of the latest read (each queue's script reads
 * Redis time on its own; one read a few ms before a minute began just has nothing in that minute).
 */
export function toHistoryView(queue: string | null, minutes: number, reads: QueueHistory[]): HistoryView {
  const now = Math.max(0, ...reads.map((r) => r.now));
  const from = (Math.floor(now / 60_000) - minutes + 1) * 60_000;
  const processed = new Array<number>(minutes).fill(0);
  const failed = new Array<number>(minutes).fill(0);
  for (const read of reads) {
    read.processed.forEach((count, i) => {
      const slot = (read.firstMinuteAt - from) / 60_000 + i;
      if (slot < 0 || slot >= minutes) return;
      processed[slot] = processed[slot]! + count;
      failed[slot] = failed[slot]! + (read.failed[i] ?? 0);
    });
  }
  const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    queue,
    minutes,
    from: iso(from)!,
    now: iso(now)!,
    totals: { processed: total(processed), failed: total(failed) },
    points: processed.map((p, i) => ({ at: iso(from + i * 60_000)!, processed: p, failed: failed[i]! })),
  };
}
