/** Every state a task can be in, in lifecycle order. */
export const TASK_STATES = ['pending', 'scheduled', 'running', 'retry', 'dead', 'done', 'canceled'] as const;

/** Where a task is. Exactly one at any instant (each state is one Redis structure of its queue). */
export type TaskStatus = (typeof TASK_STATES)[number];

/** A task to store, already validated (see @tq/task). */
export interface NewTask {
  /** A full id from `newTaskId(queue)`. */
  id: string;
  type: string;
  /** The payload, serialized (JSON). */
  payload: string;
  /** 0..9, 9 claimed first. Default 0. */
  priority?: number;
  /** Run no earlier than this time, ms since the epoch. */
  runAt?: number;
  /** Run no earlier than this many ms after the enqueue (Redis time). */
  delayMs?: number;
  maxAttempts: number;
  /** Abort a run after this many ms. */
  timeoutMs?: number;
  idempotencyKey?: string;
  /** A digest of the submission, stored with the idempotency key; a replay must carry the same one. */
  fingerprint?: string;
  /** The same submission's digest by an earlier version of the fingerprint, accepted as a match too. */
  previousFingerprint?: string;
  /** How long the idempotency key is remembered, ms. */
  idempotencyWindowMs?: number;
  /** W3C trace context of the submission (`00-<trace id>-<span id>-<flags>`); stored only when given. */
  traceparent?: string;
  /**
   * The fair group (a tenant, a customer): claims take the groups with ready tasks in turn, and a group may
   * have its own concurrency limit (ADR 0029). Printable ASCII without spaces, at most 128 characters.
   */
  group?: string;
  /**
   * Partitioned queues only (ADR 0040): tasks with the same key go to the same partition (their order and
   * fairness hold within it). Without one, the idempotency key, then the group, picks the partition; else
   * the producer spreads tasks evenly. Not stored; ignored by an unpartitioned queue.
   */
  partitionKey?: string;
}

/**
 * Acknowledge an enqueue only once `replicas` replicas hold it (ADR 0044): `WAIT replicas timeoutMs` runs
 * after the enqueue script, on the connection to the master that ran it. Fewer in time: `unavailable`.
 */
export interface ReplicaWait {
  /** Replicas that must confirm the write, at least 1. */
  replicas: number;
  /** Longest wait for them, ms, at least 1 (WAIT 0 would wait forever). */
  timeoutMs: number;
}

export interface EnqueueOutcome {
  /** created; existing (idempotent replay); conflict (key reused with another body); full (depth limit). */
  status: 'created' | 'existing' | 'conflict' | 'full';
  /** The new or earlier task id; '' when full. */
  id: string;
  /** Redis (or injected) time of the enqueue, ms. */
  at: number;
}

/** The proof of one claim: only the current token can complete, fail, extend or release. */
export interface Lease {
  id: string;
  token: string;
}

export interface ClaimedTask extends Lease {
  queue: string;
  /** 1 for the first run; counted at claim. */
  attempt: number;
  type: string;
  payload: string;
  maxAttempts: number;
  timeoutMs?: number;
  createdAt: number;
  /** When it became runnable (enqueue, due time, or requeue), ms. */
  readyAt: number;
  startedAt: number;
  /** The submission's W3C traceparent, when it had one. */
  traceparent?: string;
}

export interface ClaimResult {
  /** Redis (or injected) time of the claim, ms. */
  now: number;
  /**
   * When the next scheduled or retry task becomes due, ms; null when none waits. `now` when a claim in a
   * grouped queue stopped at its budget and more tasks may be ready: claim again at once.
   */
  nextDueAt: number | null;
  tasks: ClaimedTask[];
  /**
   * The queue limit that held the claim to fewer tasks than asked (null: none did). `concurrency`: the
   * queue is at its concurrency limit; a wake message comes when a running task ends. `rate`: the rate
   * window is full until `retryAt`. `deadline`: the claim reached Redis after its caller's command timeout
   * and leased nothing (ADR 0006); only a caller whose clock estimate erred sees it, and claims again.
   */
  limitedBy: 'concurrency' | 'rate' | 'deadline' | null;
  /** With `limitedBy` 'rate': when the next start fits in the window, ms. */
  retryAt: number | null;
}

/**
 * A queue's limits (docs/scheduling.md). Each is optional; none means no limit. Enforced by the claim
 * scripts on the Redis clock, whatever the number of workers.
 */
export interface QueueLimits {
  /** At most `max` task starts in any window of `periodMs` milliseconds (ADR 0028). */
  rate?: { max: number; periodMs: number };
  /** At most this many tasks of the queue running at once, across all workers. */
  concurrency?: number;
  /** At most this many tasks of any one group running at once (ADR 0029). */
  groupConcurrency?: number;
}

/** One group of a queue, as `Queue.listGroups` counts it. */
export interface GroupCounts {
  group: string;
  pending: number;
  running: number;
}

/** The groups of a queue with the most pending tasks. */
export interface GroupList {
  /** Groups with pending tasks. */
  total: number;
  /** Groups with running tasks. */
  running: number;
  /** The top groups by pending tasks, most first. */
  groups: GroupCounts[];
}

/** 'ok', or why a lease operation was refused: the task is gone, or the token is no longer current. */
export type AckCode = 'ok' | 'not_found' | 'lease_lost';
export type FailCode = 'retry' | 'dead' | 'not_found' | 'lease_lost';
/**
 * What an extend answers per lease: as AckCode, or 'cancel_requested': extended, but an operator asked to
 * cancel the task during this lease (ADR 0019): abort the handler and acknowledge with `finishCanceled`.
 */
export type ExtendCode = AckCode | 'cancel_requested';
/** What `finishCanceled` answers per lease: as AckCode, or 'not_requested' (nobody asked; still running). */
export type FinishCanceledCode = AckCode | 'not_requested';
/**
 * What `Queue.cancelTasks` did to one task: 'canceled' (it was not running), 'cancel_requested' (running: its
 * worker ends it at its next lease extension), 'running' (refused: running tasks were not to be touched),
 * 'finished' (refused: done, dead or canceled already), 'not_found'.
 */
export type CancelCode = 'canceled' | 'cancel_requested' | 'running' | 'finished' | 'not_found';
/** What `Queue.runNow` did to one task: 'pending', or refused: 'not_waiting' (not scheduled or retry), 'not_found'. */
export type RunNowCode = 'pending' | 'not_waiting' | 'not_found';
/** What `Queue.deleteFinishedTasks` did to one task: 'deleted', or refused: 'not_finished', 'not_found'. */
export type DeleteCode = 'deleted' | 'not_finished' | 'not_found';

/** One task's answer to an operator's action: what happened, and the state the task had (null: no such task). */
export interface TaskActionResult<Code extends string> {
  id: string;
  code: Code;
  status: TaskStatus | null;
}
/** 'postponed', or, past the most postponements a task may have, as a failed attempt. */
export type PostponeCode = 'postponed' | FailCode;

export interface FailItem extends Lease {
  error: string;
  /** Backoff before the next attempt, ms (ignored when the task goes to dead). */
  retryDelayMs: number;
  /** Set to send the task to dead now, with this reason (e.g. 'permanent', 'unknown_type'). */
  permanentReason?: string;
}

/** A running task to postpone (its handler threw a RateLimitError). */
export interface PostponeItem extends Lease {
  /** How long to wait before the task runs again, ms. */
  delayMs: number;
  /** The backoff delay if the postponement counts as a failed attempt (too many postponements), ms. */
  retryDelayMs: number;
}

export interface ReapResult {
  recovered: string[];
  dead: string[];
  orphans: number;
  /** Tasks whose expired lease carried an operator's cancel request (ADR 0019): ended canceled. */
  canceled: string[];
}

export interface QueueStats {
  queue: string;
  now: number;
  counts: Record<'pending' | 'scheduled' | 'running' | 'retry' | 'dead' | 'done' | 'canceled', number>;
  paused: boolean;
  /**
   * Age of the oldest pending task, ms; null when none. In a grouped queue, looked for among the tasks
   * without a group and in the 3 groups with the most pending tasks.
   */
  oldestPendingAgeMs: number | null;
  /** Running tasks whose lease has expired and that no reaper has recovered yet. */
  expiredLeases: number;
  /** Whether transitions are written to the queue's event stream (see {@link EventsMode}). */
  events: EventsMode;
  /** Groups with pending tasks. */
  groups: number;
  limits: QueueLimits;
  /** Partitions of the queue (ADR 0040): set by `PartitionedQueue.stats`, 1 for an unpartitioned queue. */
  partitions?: number;
  /** The partitions draining after a shrink (ADR 0043): served until empty, then removed. Set with `partitions`. */
  draining?: number[];
}

/**
 * When a queue's task events are written to its stream: 'auto' (default) while an API has event-stream
 * clients of the queue (and a minute after), 'on' always, 'off' never. See docs/adr/0020.
 */
export type EventsMode = 'auto' | 'on' | 'off';

/** What an event says happened: the status a task moved to, or a progress report. */
export type TaskEventKind = TaskStatus | 'progress';

/** One entry of a queue's event stream. */
export interface TaskEvent {
  /** The stream entry id (`<ms>-<seq>`): orders events; what SSE sends as the event id. */
  id: string;
  /** The task id. */
  taskId: string;
  queue: string;
  kind: TaskEventKind;
  /** When it was written, ms (Redis time; the entry id's first part). */
  at: number;
  /** 'running': the attempt; 'dead': the reason; 'progress': the value as JSON. */
  value?: string;
}

/** Ended attempts per minute of one queue (see `Queue.history`). */
export interface QueueHistory {
  queue: string;
  /** Redis (or injected) time of the read, ms. */
  now: number;
  /** Start of the first minute, ms. */
  firstMinuteAt: number;
  /** Attempts that ended (completed or failed), one count per minute, oldest first. */
  processed: number[];
  /** Attempts that failed (retry, dead, lease expired), per minute. */
  failed: number[];
}

export interface TaskRecord {
  id: string;
  queue: string;
  type: string;
  /** Serialized payload. */
  payload: string;
  status: TaskStatus;
  attempt: number;
  maxAttempts: number;
  priority: number;
  timeoutMs?: number;
  createdAt: number;
  readyAt?: number;
  runAt?: number;
  startedAt?: number;
  finishedAt?: number;
  /** Serialized result. */
  result?: string;
  lastError?: string;
  errors: { attempt: number; at: number; error: string }[];
  deadReason?: string;
  idempotencyKey?: string;
  /** The last progress reported by a handler (JSON), from any attempt. */
  progress?: string;
  traceparent?: string;
  /** The schedule that enqueued the task, the slot (ms) it fired for, and the missed slots it stands for. */
  schedule?: { id: string; slot: number; missed: number };
  /** The fair group, when it has one. */
  group?: string;
  /** Times a RateLimitError postponed it (since its last redrive). */
  postponed?: number;
  /** While running: when an operator asked to cancel this attempt (ADR 0019), ms; its worker ends it soon. */
  cancelRequestedAt?: number;
  /** The id of the worker that leased its latest attempt (the live-worker registry's id), when it gave one. */
  workerId?: string;
}

/** What a task list shows of a task: its record without payload, result and error history. */
export interface TaskSummaryRecord {
  id: string;
  queue: string;
  type: string;
  status: TaskStatus;
  attempt: number;
  maxAttempts: number;
  priority: number;
  createdAt: number;
  readyAt?: number;
  runAt?: number;
  startedAt?: number;
  finishedAt?: number;
  /** The last error, cut at 500 bytes. */
  lastError?: string;
  deadReason?: string;
  /** Running tasks: when the lease expires, ms. */
  leaseExpiresAt?: number;
}

/** Options of `Queue.listTasks`. */
export interface ListTasksOptions {
  /** Most tasks to return, 1..1000. Default 50. */
  limit?: number;
  /** Where the previous page ended (its `next`); none for the first page. */
  cursor?: string;
  /** Only tasks of this type. */
  type?: string;
  /** Most entries to examine for this page (the type filter skips the others). Default 5000, at least `limit`. */
  scanBudget?: number;
  /**
   * State pending only: the pending tasks of this group (a grouped task waits in its group's lists, not the
   * queue's). Without it, pending lists the tasks without a group.
   */
  group?: string;
  /** Also answer `cursors`, the cursor just past each task (a merged page across partitions needs them). */
  withCursors?: boolean;
}

/** One page of a state's tasks. */
export interface TaskPageRecord {
  state: TaskStatus;
  /** Tasks in the state now. */
  total: number;
  /** Entries examined for this page (more than `tasks` when a type filter skipped some). */
  scanned: number;
  /** The cursor of the next page; null when the walk reached the end. */
  next: string | null;
  tasks: TaskSummaryRecord[];
  /**
   * State pending without `group`: the pending tasks that wait in fair groups, which this walk (the tasks
   * without a group) does not list; list them per group (`group`, and `listGroups` for the groups).
   */
  inGroups?: number;
  /** With `withCursors`: the cursor just past each task, in the order of `tasks`. */
  cursors?: string[];
  /** With `withCursors`, states other than pending: each task's score in the state's sorted set. */
  scores?: number[];
}

/** How long finished and dead tasks are kept. */
export interface RetentionPolicy {
  finishedMaxAgeMs: number;
  finishedMaxCount: number;
  deadMaxAgeMs: number;
  deadMaxCount: number;
}

/** Defaults: finished tasks 24 h / 100,000 per state; dead tasks 14 days (SQS's longest) / 100,000. */
export const DEFAULT_RETENTION: RetentionPolicy = {
  finishedMaxAgeMs: 24 * 3600_000,
  finishedMaxCount: 100_000,
  deadMaxAgeMs: 14 * 24 * 3600_000,
  deadMaxCount: 100_000,
};

/** What `Queue.remove` did: `removed`, or why not, with the tasks per state at that instant. */
export interface RemoveResult {
  code: 'removed' | 'not_empty' | 'schedules' | 'settings' | 'served';
  counts: QueueStats['counts'];
}

/** What one `Queue.trim` call did (see there). */
export interface TrimResult {
  done: number;
  canceled: number;
  dead: number;
  /** Archiving on: unarchived tasks retention would have deleted, among those examined. */
  held: { done: number; canceled: number; dead: number };
  /** Archiving on: unarchived tasks deleted by the memory guard (lost to the archive). */
  dropped: string[];
}

/** A finished task handed to an archiver, with the version it is archived at (its finishedAt as stored). */
export interface ArchivedTask {
  record: TaskRecord;
  version: string;
}

/** What `Queue.archiveClaim` read (see there). */
export interface ArchiveClaim {
  /** 'busy': another archiver's lease on the queue runs; nothing was read. */
  code: 'ok' | 'busy';
  /** Redis (or injected) time, ms. */
  now: number;
  /** Finished-at of the oldest finished task not yet archived when the claim looked, ms; null: none. */
  oldestUnarchivedAt: number | null;
  /** Pass back to `archiveConfirm`. */
  epoch: string;
  /** Pass back to `archiveConfirm`: where each set's read ended. */
  cursors: [string, string, string];
  tasks: ArchivedTask[];
  /** Ids in a finished set without a task hash (nothing to archive). */
  orphans: string[];
}

/**
 * Per confirmed task: 'ok' (marked archived), 'changed' (moved on since it was read; its later state is
 * archived later), 'gone' (deleted by retention after another archiver's confirm, or purged), 'deleted' (a
 * user deleted it after it was read: delete the row just written).
 */
export type ArchiveConfirmCode = 'ok' | 'changed' | 'gone' | 'deleted';
