import {
  DEFAULT_TASK_FORMAT,
  ScheduleStore,
  TqError,
  compareStreamIds,
  isRedisError,
  newTaskId,
  parseTaskId,
  type EnqueueOutcome,
  type EventsMode,
  type GroupList,
  type PartitionedQueue,
  type Queue,
  type NewTask,
  type QueueLimits,
  type QueueStats,
  type TaskEvent,
  type TaskFormat,
  type TaskStatus,
  type TqErrorCode,
} from '@tq/core';
import { refusal, type TaskActionOutcome } from './actions';
import type { Span } from '@opentelemetry/api';
import type { TaskArchive } from './archive';
import { fingerprint, fingerprintV1 } from './fingerprint';
import type { TaskRepository } from './repository';
import { ScheduleService } from './schedule-service';
import { groupListQuerySchema, queueLimitsSchema } from './schedule-schema';
import {
  DEFAULTS,
  LIMITS,
  batchSubmissionSchema,
  fieldErrors,
  MAX_WORKERS_LISTED,
  historyQuerySchema,
  historySearchQuerySchema,
  DEFAULT_ACTION_LIMIT,
  queueCreateSchema,
  taskActionSchema,
  taskListQuerySchema,
  parseTaskSubmission,
  workerListQuerySchema,
  type FieldError,
  type TaskAction,
  type TaskSubmission,
} from './schema';
import {
  toHistoryView,
  submittedPayload,
  toTask,
  toTaskSummary,
  toWorkerView,
  type HistoryView,
  type StoredTask,
  type Task,
  type TaskSummary,
  type WorkerView,
} from './task';
import { parseTraceparent, startSendSpan } from './trace-context';

export interface TaskServiceOptions {
  /** Largest serialized payload accepted, bytes. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** How long an idempotency key is remembered, ms. Default 24 h. */
  idempotencyWindowMs?: number;
  /** Waiting tasks (pending + scheduled + retry) above which a queue refuses new ones. 0 = no limit (default). */
  maxQueueDepth?: number;
  /** Which queues submissions may name and create. Default: any valid name, no limit. */
  queuePolicy?: QueuePolicy;
  /**
   * The task history (PostgreSQL, DATABASE_URL; ADR 0030): `get` falls back to it, `searchHistory` and
   * `deleteFinished` use it. Without it (default) there is no history: `searchHistory` answers `not_found`.
   */
  archive?: TaskArchive;
  /** Most schedules tq may hold (`tq:schedules`); creating one more is refused. 0 = no limit (default). */
  maxSchedules?: number;
  /**
   * The stored format of new tasks (ADR 0045): 2 (default) compact, 1 the format of releases before it, read
   * by every release. 1 while processes of such a release still run (rolling upgrade, docs/operations.md).
   */
  taskFormat?: TaskFormat;
}

/** Which queues submissions may use: a bound on what anyone who can submit can make tq hold. */
export interface QueuePolicy {
  /**
   * Queue names, or patterns where `*` stands for any run of name characters (`tenant-*`), that tasks may
   * be submitted to. Empty (default): any valid name.
   */
  allowed?: string[];
  /** Most queues `tq:queues` may hold; a submission that would create one more is refused. 0 = no limit. */
  maxQueues?: number;
}

/** The result of one submission. `created` is false for an idempotent replay. */
export interface SubmitResult {
  task: Task;
  created: boolean;
}

/**
 * One item of a batch: the task (`created` false for an idempotent replay), or why it was refused, as a
 * TqError code with its message. Protocol-free: each API maps the codes once (HTTP: PROBLEM_OF_CODE).
 */
export type BatchItemResult =
  | { index: number; created: boolean; task: Task }
  | { index: number; code: TqErrorCode; message: string; errors?: FieldError[] };

/** A page of a history search (see `TaskService.searchHistory`). */
export interface HistorySearchPage {
  /** Pass it as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
  tasks: TaskSummary[];
}

/** What `TaskService.deleteFinished` deleted: the task's hash in Redis, its row in the history. */
export interface DeletedTask {
  id: string;
  redis: boolean;
  archive: boolean;
}

/** A page of a queue's tasks in one state (see `TaskService.listTasks`). */
export interface TaskPage {
  queue: string;
  state: TaskStatus;
  /** The type filter, or null. */
  type: string | null;
  /** State pending: the fair group listed, or null (the tasks without a group). */
  group: string | null;
  /** State pending without a group: the pending tasks that wait in fair groups, not listed here; else 0. */
  inGroups: number;
  /** Tasks in the state now (state pending: in the lists walked, those of `group` or of no group). */
  total: number;
  /** Entries examined for this page; more than `tasks` when the type filter skipped some. */
  scanned: number;
  /** Pass it as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
  tasks: TaskSummary[];
}

/** Tasks of a batch sent in one script call (see `TaskService.submitBatch`). */
const BATCH_SLICE = 100;

interface Prepared {
  queue: string;
  task: NewTask;
  submission: TaskSubmission;
  /** The submission's producer span (a no-op unless an OpenTelemetry SDK is installed). */
  span: Span;
}

/** What the API calls: submit, read, cancel tasks; inspect queues and their dead letters. */
export class TaskService {
  private readonly maxPayloadBytes: number;
  private readonly idempotencyWindowMs: number;
  private readonly maxQueueDepth: number;
  private readonly maxQueues: number;
  private readonly allowedQueues: RegExp | undefined;
  private readonly allowedList: string[];
  private readonly archive: TaskArchive | undefined;
  private readonly taskFormat: TaskFormat;
  /** Cron schedules (docs/scheduling.md). */
  readonly schedules: ScheduleService;

  constructor(
    readonly repository: TaskRepository,
    options: TaskServiceOptions = {},
  ) {
    this.maxPayloadBytes = options.maxPayloadBytes ?? LIMITS.defaultMaxPayloadBytes;
    this.idempotencyWindowMs = options.idempotencyWindowMs ?? 24 * 3600_000;
    this.maxQueueDepth = options.maxQueueDepth ?? 0;
    this.maxQueues = options.queuePolicy?.maxQueues ?? 0;
    this.allowedList = options.queuePolicy?.allowed ?? [];
    this.allowedQueues = queuePattern(this.allowedList);
    this.archive = options.archive;
    this.taskFormat = options.taskFormat ?? DEFAULT_TASK_FORMAT;
    this.schedules = new ScheduleService(new ScheduleStore(repository.redis), {
      maxSchedules: options.maxSchedules ?? 0,
      maxQueues: this.maxQueues,
      maxPayloadBytes: this.maxPayloadBytes,
      assertQueueAllowed: (queue) => this.assertQueueAllowed(queue, 'task.queue'),
    });
  }

  /** Whether a task history (PostgreSQL) is configured. */
  get hasArchive(): boolean {
    return this.archive !== undefined;
  }

  /**
   * Validates and stores one task. With an idempotency key (body field or `headerKey`), a replay of
   * the same submission returns the earlier task (created = false); another submission under the same
   * key throws `conflict`. Throws `invalid` with per-field errors, `queue_full` over the depth limit.
   * `headerTraceparent` (a request's W3C header) is used when the body has no traceparent, and ignored
   * when it is not valid, as W3C Trace Context says.
   */
  async submit(body: unknown, headerKey?: string, headerTraceparent?: string): Promise<SubmitResult> {
    const prepared = this.prepare(body, headerKey, headerTraceparent);
    const { span } = prepared;
    try {
      const outcome = await this.repository.addOne(
        prepared.queue,
        prepared.task,
        this.maxQueueDepth,
        this.maxQueues,
      );
      // Only a replay's answer is a promise; anything else is returned as it is, a microtask sooner.
      return this.settle(prepared, outcome);
    } finally {
      span.end();
    }
  }

  /**
   * Validates and stores up to 1000 tasks; each item succeeds or fails on its own. Tasks go out in slices of
   * 100, so Redis stores one while this process prepares the next; a queue's slices are stored in the order
   * of the batch (so its depth limit counts in that order).
   */
  async submitBatch(body: unknown): Promise<BatchItemResult[]> {
    const parsed = batchSubmissionSchema.safeParse(body);
    if (!parsed.success) throw invalid(fieldErrors(parsed.error));
    const items = parsed.data.tasks;
    const results: BatchItemResult[] = [];
    const stored: Promise<void>[] = [];
    // The first error that is not an item's own (Redis failing): the batch fails with it, as one call would.
    let failure: { error: unknown } | undefined;
    for (let start = 0; start < items.length && !failure; start += BATCH_SLICE) {
      // A turn of the event loop between slices: replies (which send the next slices) and other requests
      // are served meanwhile.
      if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const byQueue = new Map<string, { index: number; prepared: Prepared }[]>();
      for (let index = start; index < Math.min(items.length, start + BATCH_SLICE); index++) {
        try {
          const prepared = this.prepare(items[index]);
          const group = byQueue.get(prepared.queue);
          if (group) group.push({ index, prepared });
          else byQueue.set(prepared.queue, [{ index, prepared }]);
        } catch (error) {
          results.push(refused(index, error));
        }
      }
      // Each slice goes at once, pipelined behind the ones before it: core keeps their order per queue
      // partition (its enqueue gate, ADR 0053), also while a new partition is registered by its first call.
      for (const [queue, group] of byQueue) {
        stored.push(
          this.store(queue, group, results).catch((error: unknown) => {
            failure ??= { error };
          }),
        );
      }
    }
    await Promise.all(stored);
    if (failure) throw failure.error;
    return results.sort((a, b) => a.index - b.index);
  }

  /** Stores one queue's items of a batch in one call and adds their results to `results`. */
  private async store(
    queue: string,
    group: { index: number; prepared: Prepared }[],
    results: BatchItemResult[],
  ): Promise<void> {
    let outcomes: EnqueueOutcome[];
    try {
      outcomes = await this.repository.add(
        queue,
        group.map((g) => g.prepared.task),
        this.maxQueueDepth,
        this.maxQueues,
      );
    } catch (error) {
      group.forEach((g) => g.prepared.span.end());
      // A queue the policy refuses (too many queues): each of its items is refused, the others go on.
      if (!(error instanceof TqError)) throw error;
      for (const { index } of group) results.push(refused(index, error));
      return;
    }
    group.forEach((g) => g.prepared.span.end());
    // Only replays wait (they read their task back); every other outcome is answered in this turn.
    const replays: Promise<void>[] = [];
    group.forEach(({ index, prepared }, i) => {
      try {
        const settled = this.settle(prepared, outcomes[i]!);
        if (settled instanceof Promise) {
          replays.push(
            settled.then(
              ({ task, created }) => void results.push({ index, created, task }),
              (error: unknown) => void results.push(refused(index, error)),
            ),
          );
        } else {
          results.push({ index, created: settled.created, task: settled.task });
        }
      } catch (error) {
        results.push(refused(index, error));
      }
    });
    await Promise.all(replays);
  }

  /**
   * The task `id`, from Redis, else from the task history when one is configured (`source` says which);
   * throws `not_found`, or `unavailable` when Redis or (for a task Redis no longer has) PostgreSQL does not
   * answer.
   */
  async get(id: string): Promise<StoredTask> {
    const record = await this.repository.find(id);
    if (record) return { ...toTask(record), source: 'redis' };
    if (this.archive) {
      const archived = await this.archive.find(id);
      if (archived) return { ...toTask(archived), source: 'archive' };
      throw new TqError('not_found', `task ${id} does not exist: neither Redis nor the task history has it`);
    }
    throw new TqError('not_found', `task ${id} does not exist (or was deleted by retention)`);
  }

  /**
   * A page of the task history (`query` as `historySearchQuerySchema` reads it): finished tasks by queue,
   * type, status and finish time, newest finished first. Throws `invalid` with per-field errors,
   * `not_found` when no history is configured, `unavailable` when PostgreSQL does not answer.
   */
  async searchHistory(query: unknown): Promise<HistorySearchPage> {
    const parsed = historySearchQuerySchema.safeParse(query);
    if (!parsed.success) throw invalid(fieldErrors(parsed.error), 'the query');
    if (!this.archive) {
      throw new TqError(
        'not_found',
        'task history is not configured: this API has no DATABASE_URL, so finished tasks are only in Redis ' +
          'until retention deletes them (docs/history.md); GET /queues/{name}/tasks?state=done lists those',
      );
    }
    const { queue, type, status, from, to, cursor, limit } = parsed.data;
    const page = await this.archive.search({ queue, type, status, from, to, cursor, limit });
    return { nextCursor: page.next, tasks: page.tasks.map(toTaskSummary) };
  }

  /**
   * Deletes a finished task (done, dead or canceled) in both places: its hash in Redis (a tombstone keeps an
   * archiver that read it just before from writing it back) and its row in the task history. Redis first: a
   * failure of PostgreSQL after it answers `unavailable`, and the same call again finishes the job. Throws
   * `conflict` for a task that is not finished, `not_found` when neither place has it.
   */
  async deleteFinished(id: string): Promise<DeletedTask> {
    const { code, status } = await (await this.repository.queueOf(id)).deleteFinished(id);
    if (code === 'not_finished') {
      throw new TqError(
        'conflict',
        `task ${id} is ${status}: only finished tasks (done, dead, canceled) can be deleted; cancel it first`,
      );
    }
    const archived = this.archive ? (await this.archive.delete([id])) > 0 : false;
    if (code === 'not_found' && !archived) {
      throw new TqError(
        'not_found',
        `task ${id} does not exist${this.archive ? ' in Redis or the task history' : ''}`,
      );
    }
    return { id, redis: code === 'deleted', archive: archived };
  }

  /** Cancels a task that is not running; throws `conflict` when it is running or finished. */
  async cancel(id: string): Promise<Task> {
    try {
      await (await this.repository.queueOf(id)).cancel(id);
    } catch (error) {
      throw error instanceof TqError && error.code === 'not_found' ? await this.missing('cancel', id) : error;
    }
    return this.get(id);
  }

  /**
   * Why `action` cannot touch task `id`, which Redis does not have: `conflict` with its state when the task
   * history has it (it finished, and retention moved it there), else `not_found`.
   */
  private async missing(action: TaskAction, id: string): Promise<TqError> {
    const archived = await this.archive?.find(id);
    const refused = refusal(action, { id, code: 'gone', status: archived?.status ?? null })!;
    if (!archived) return new TqError(refused.code, refused.message);
    const message =
      action === 'retry'
        ? `task ${id} is ${archived.status} and only the task history keeps it (retention removed it from Redis): ` +
          'only dead tasks still in Redis can be retried; submit it again'
        : `${refused.message} (the task history keeps it)`;
    return new TqError('conflict', message, { status: archived.status });
  }

  /**
   * Cancels a task in any unfinished state (ADR 0019): pending, scheduled and retry ones at once
   * (`requested` false); a running one by a request its worker sees at its next lease extension, which aborts
   * the handler and ends the task canceled (`requested` true; the task is still running, with
   * `cancelRequestedAt`). Throws `conflict` for a finished task, `not_found`.
   */
  async cancelTask(id: string): Promise<{ task: Task; requested: boolean }> {
    const [result] = await (await this.repository.queueOf(id)).cancelTasks([id], true);
    if (result!.code === 'not_found') throw await this.missing('cancel', id);
    const refused = refusal('cancel', result!);
    if (refused) throw new TqError(refused.code, refused.message, { status: result!.status });
    return { task: await this.get(id), requested: result!.code === 'cancel_requested' };
  }

  /** Runs a scheduled or retry task now (to pending at once). Throws `conflict` in any other state, `not_found`. */
  async runTask(id: string): Promise<Task> {
    const [result] = await (await this.repository.queueOf(id)).runNow([id]);
    if (result!.code === 'not_found') throw await this.missing('run', id);
    const refused = refusal('run', result!);
    if (refused) throw new TqError(refused.code, refused.message, { status: result!.status });
    return this.get(id);
  }

  /**
   * Retries a dead task: back to pending with a fresh set of attempts (its error history is kept). Throws
   * `conflict` in any other state, `not_found`.
   */
  async retryTask(id: string): Promise<Task> {
    const queue = await this.repository.queueOf(id);
    const { notDead } = await queue.requeueDead([id]);
    if (notDead.length > 0) {
      const record = await queue.getTask(id);
      if (!record) throw await this.missing('retry', id);
      const refused = refusal('retry', { id, code: 'not_dead', status: record.status })!;
      throw new TqError(refused.code, refused.message, { status: record.status });
    }
    return this.get(id);
  }

  /**
   * An action on many tasks of queue `name` (`body` as `taskActionSchema` reads it): the given ids, or one
   * page of the tasks in a state (the page as `listTasks` reads it, so `nextCursor` continues after it).
   * Each task is checked and changed by the action's script; the ones it refuses are listed with their state.
   * Throws `invalid` with per-field errors, `not_found` for an unknown queue.
   */
  async bulkAction(name: string, body: unknown): Promise<TaskActionOutcome> {
    const parsed = taskActionSchema.safeParse(body);
    if (!parsed.success) throw invalid(fieldErrors(parsed.error), 'the action');
    const { action, ids: given, state, type, group, limit, cursor } = parsed.data;
    await this.assertQueue(name);
    const queue = await this.repository.queue(name);
    let ids: string[];
    let nextCursor: string | null = null;
    if (given) {
      const foreign = given.findIndex((id) => {
        const parsed = parseTaskId(id);
        return parsed?.queue !== name || (parsed.partition ?? 0) >= queue.count;
      });
      if (foreign >= 0) {
        throw invalid(
          [
            {
              field: `ids.${foreign}`,
              message: `${JSON.stringify(given[foreign])} is not a task id of queue ${name} (ids look like "${name}.01JD…")`,
            },
          ],
          'the action',
        );
      }
      ids = given;
    } else {
      const page = await queue.listTasks(state!, {
        limit: limit ?? DEFAULT_ACTION_LIMIT,
        cursor,
        type,
        group,
      });
      ids = page.tasks.map((t) => t.id);
      nextCursor = page.next;
    }
    const outcome: TaskActionOutcome = {
      queue: name,
      action,
      state: state ?? null,
      applied: [],
      cancelRequested: [],
      refused: [],
      nextCursor,
    };
    const sort = (result: { id: string; code: string; status: TaskStatus | null }) => {
      const refused = refusal(action, result);
      if (refused) outcome.refused.push({ id: result.id, status: result.status, reason: refused.message });
      else if (result.code === 'cancel_requested') outcome.cancelRequested.push(result.id);
      else outcome.applied.push(result.id);
    };
    if (ids.length === 0) return outcome;
    if (action === 'run') (await queue.runNow(ids)).forEach(sort);
    else if (action === 'cancel') (await queue.cancelTasks(ids, true)).forEach(sort);
    else if (action === 'retry') {
      const { notDead } = await queue.requeueDead(ids);
      const refused = new Set(notDead);
      const records = await Promise.all(notDead.map((id) => queue.getTask(id)));
      const statusOf = new Map(notDead.map((id, i) => [id, records[i]?.status ?? null]));
      for (const id of ids) {
        const status = statusOf.get(id) ?? null;
        sort({ id, code: refused.has(id) ? (status ? 'not_dead' : 'not_found') : 'requeued', status });
      }
    } else {
      const results = await queue.deleteFinishedTasks(ids);
      // The history holds finished tasks too: what Redis deleted, and what only the history still has.
      if (this.archive) {
        const inRedis = results.filter((r) => r.code === 'deleted').map((r) => r.id);
        if (inRedis.length > 0) await this.archive.delete(inRedis);
        for (const r of results) {
          if (r.code === 'not_found' && (await this.archive.delete([r.id])) > 0) r.code = 'deleted';
        }
      }
      results.forEach(sort);
    }
    return outcome;
  }

  /** Stats of every known queue. */
  async listQueues(): Promise<QueueStats[]> {
    const names = await this.repository.queueNames();
    return Promise.all(names.map(async (name) => (await this.repository.queue(name)).stats()));
  }

  /**
   * Creates queue `name` with `body.partitions` partitions (as `queueCreateSchema` reads it; ADR 0040) and
   * answers its stats with `created` (false when it already had that count). Throws `invalid` with per-field
   * errors, `queue_not_allowed` for a name the policy refuses, `queue_limit` past QUEUE_MAX_COUNT, `conflict`
   * when the queue exists with another count (an existing queue without a layout has 1 partition).
   */
  async createQueue(name: string, body: unknown): Promise<{ stats: QueueStats; created: boolean }> {
    const parsed = queueCreateSchema.safeParse(body);
    if (!parsed.success) throw invalid(fieldErrors(parsed.error), 'the queue');
    this.assertQueueAllowed(name, 'name');
    const { partitions } = parsed.data;
    const existing = await this.repository.queueExists(name);
    const before = await this.repository.queue(name);
    // The layout's count (1 for a queue that holds tasks without one): partitions still draining after a
    // shrink are served, but not counted.
    const current = before.layout.count;
    if (existing && current !== partitions) {
      throw new TqError(
        'conflict',
        `queue ${name} already exists with ${current} partition${current === 1 ? '' : 's'}, not ${partitions}` +
          `${before.layout.generation === 0 ? ' (it received tasks or a worker served it before a count was set)' : ''}: ` +
          `to change the count, POST /queues/${name}/resize {"partitions": ${partitions}} ` +
          `(tq queue resize ${name} --partitions ${partitions}; docs/scaling.md#resizing)`,
        { partitions: current },
      );
    }
    const queue = await this.repository.createQueue(
      name,
      partitions,
      this.idempotencyWindowMs,
      this.maxQueues,
    );
    return { stats: await queue.stats(), created: !existing };
  }

  /**
   * Resizes queue `name` to `body.partitions` (ADR 0043, docs/scaling.md "Resizing"): more partitions
   * online, fewer by draining the removed ones; the same count again removes those drained. Idempotency
   * keys are held for this service's idempotency window. Throws `not_found` for an unknown queue,
   * `invalid`, `conflict` while the previous resize settles (30 s) or when another resize won.
   */
  async resizeQueue(name: string, body: unknown): Promise<QueueStats> {
    const parsed = queueCreateSchema.safeParse(body);
    if (!parsed.success) throw invalid(fieldErrors(parsed.error), 'the queue');
    await this.assertQueue(name);
    const queue = await this.repository.resizeQueue(name, parsed.data.partitions, this.idempotencyWindowMs);
    return queue.stats();
  }

  /** Stats of one queue; throws `not_found` for a queue that never received a task. */
  async queueStats(name: string): Promise<QueueStats> {
    await this.assertQueue(name);
    return (await this.repository.queue(name)).stats();
  }

  async pause(name: string): Promise<QueueStats> {
    await this.assertQueue(name);
    await (await this.repository.queue(name)).pause();
    return (await this.repository.queue(name)).stats();
  }

  async resume(name: string): Promise<QueueStats> {
    await this.assertQueue(name);
    await (await this.repository.queue(name)).resume();
    return (await this.repository.queue(name)).stats();
  }

  /**
   * Replaces the queue's limits with `body` (as `queueLimitsSchema` reads it: a limit left out or null is
   * removed) and answers them. Throws `invalid` with per-field errors, `not_found` for an unknown queue.
   */
  async setLimits(name: string, body: unknown): Promise<QueueLimits> {
    const parsed = queueLimitsSchema.safeParse(body);
    if (!parsed.success) throw invalid(fieldErrors(parsed.error), 'the body');
    const { rate, concurrency, groupConcurrency } = parsed.data;
    await this.assertQueue(name);
    const queue = await this.repository.queue(name);
    await queue.setLimits({
      rate: rate ?? undefined,
      concurrency: concurrency ?? undefined,
      groupConcurrency: groupConcurrency ?? undefined,
    });
    return queue.limits();
  }

  /** The queue's limits (an empty object when it has none); throws `not_found` for an unknown queue. */
  async limits(name: string): Promise<QueueLimits> {
    await this.assertQueue(name);
    return (await this.repository.queue(name)).limits();
  }

  /**
   * The queue's fair groups with the most pending tasks (`query.limit`, default 20, at most 1000), with their
   * running tasks, and how many groups have pending or running tasks. Throws `invalid`, `not_found`.
   */
  async listGroups(name: string, query: unknown): Promise<GroupList> {
    const parsed = groupListQuerySchema.safeParse(query);
    if (!parsed.success) throw invalid(fieldErrors(parsed.error), 'the query');
    await this.assertQueue(name);
    return (await this.repository.queue(name)).listGroups(parsed.data.limit);
  }

  /**
   * A page of the queue's tasks in one state (`query` as `taskListQuerySchema` reads it; numbers may be
   * strings). Throws `invalid` with per-field errors, `not_found` for an unknown queue.
   */
  async listTasks(name: string, query: unknown): Promise<TaskPage> {
    const parsed = taskListQuerySchema.safeParse(query);
    if (!parsed.success) throw invalid(fieldErrors(parsed.error), 'the query');
    const { state, limit, cursor, type, group } = parsed.data;
    await this.assertQueue(name);
    const page = await (await this.repository.queue(name)).listTasks(state, { limit, cursor, type, group });
    return {
      queue: name,
      state,
      type: type ?? null,
      group: group ?? null,
      inGroups: page.inGroups ?? 0,
      total: page.total,
      scanned: page.scanned,
      nextCursor: page.next,
      tasks: page.tasks.map(toTaskSummary),
    };
  }

  /**
   * The live workers (`query` as `workerListQuerySchema` reads it: an optional queue, a limit), by host and
   * id; `total` counts every live worker. Throws `invalid` with per-field errors.
   */
  async listWorkers(query: unknown): Promise<{ total: number; workers: WorkerView[] }> {
    const parsed = workerListQuerySchema.safeParse(query);
    if (!parsed.success) throw invalid(fieldErrors(parsed.error), 'the query');
    const { queue, limit } = parsed.data;
    const { total, workers } = await this.repository.workers.list(MAX_WORKERS_LISTED);
    return {
      total,
      workers: workers
        .filter((w) => queue === undefined || w.queues.includes(queue))
        .sort((a, b) => a.host.localeCompare(b.host) || a.id.localeCompare(b.id))
        .slice(0, limit)
        .map(toWorkerView),
    };
  }

  /**
   * Attempts that ended (processed) and failed per minute, for one queue or summed over all of them, over
   * the last `minutes` (`query` as `historyQuerySchema` reads it). Throws `invalid`, or `not_found` for an
   * unknown queue.
   */
  async history(query: unknown): Promise<HistoryView> {
    const parsed = historyQuerySchema.safeParse(query);
    if (!parsed.success) throw invalid(fieldErrors(parsed.error), 'the query');
    const { queue, minutes } = parsed.data;
    if (queue !== undefined) await this.assertQueue(queue);
    const names = queue === undefined ? await this.repository.queueNames() : [queue];
    const reads = await Promise.all(
      names.map(async (name) => (await this.repository.queue(name)).history(minutes)),
    );
    return toHistoryView(queue ?? null, minutes, reads);
  }

  /** The redrive: the given dead tasks (or all) back to pending with fresh attempts. */
  async requeueDead(name: string, ids?: string[]): Promise<{ requeued: string[]; notDead: string[] }> {
    await this.assertQueue(name);
    return (await this.repository.queue(name)).requeueDead(ids);
  }

  /**
   * Deletes a queue that holds no task in any of its seven states: it leaves `tq:queues` (and so
   * `GET /queues` and the reaper's gauges), and its settings (paused) are deleted. Throws `not_found` for an
   * unknown queue, `conflict` naming the counts when it holds tasks. Submitting to it again creates it anew.
   */
  async deleteQueue(name: string): Promise<void> {
    await this.assertQueue(name);
    const { code, counts } = await (await this.repository.queue(name)).remove('delete');
    if (code === 'removed') return;
    if (code === 'schedules') {
      throw new TqError(
        'conflict',
        `queue ${name} is the target of schedules: delete them first (GET /schedules?queue=${name} lists them)`,
        { counts },
      );
    }
    const held = Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([state, n]) => `${n} ${state}`)
      .join(', ');
    throw new TqError(
      'conflict',
      `queue ${name} still holds tasks (${held}): cancel or purge them, or wait for them to finish and for retention to delete them, then delete the queue`,
      { counts },
    );
  }

  /** Sets when the queue's transitions are written to its event stream (see EventsMode). */
  async setEventsMode(name: string, mode: EventsMode): Promise<QueueStats> {
    await this.assertQueue(name);
    await (await this.repository.queue(name)).setEventsMode(mode);
    return (await this.repository.queue(name)).stats();
  }

  /**
   * Up to `count` events of queue `name` after stream id `after`, oldest first, and the oldest id the stream
   * still holds (events between `after` and it were trimmed).
   */
  async readEvents(
    name: string,
    after: string,
    count?: number,
  ): Promise<{ events: TaskEvent[]; oldest: string | null; trimmed: boolean }> {
    return (await this.repository.queue(name)).readEvents(after, count);
  }

  /**
   * Up to `count` events of task `id`'s partition after its stream id `after` (a task's events are all in
   * the partition that holds it, so a task's event ids are that stream's ids, whatever the partitions).
   */
  async readTaskEvents(
    id: string,
    after: string,
    count?: number,
  ): Promise<{ events: TaskEvent[]; oldest: string | null; trimmed: boolean }> {
    const { events, oldest } = await (await this.taskEventSource(id)).readEvents(after, count);
    return {
      events,
      oldest,
      trimmed: after !== '0-0' && oldest !== null && compareStreamIds(oldest, after) > 0,
    };
  }

  /** The partition whose event stream carries task `id`'s events; throws `not_found` for a malformed id. */
  async taskEventSource(id: string): Promise<Queue> {
    return (await this.repository.queueOf(id)).partitionOf(id);
  }

  /**
   * Queue `name` with its partition layout (ADR 0040), for the API's event streams, which follow each
   * partition's stream.
   */
  openQueue(name: string): Promise<PartitionedQueue> {
    return this.repository.queue(name);
  }

  /** Deletes the given dead tasks (or all). Returns how many. */
  async purgeDead(name: string, ids?: string[]): Promise<number> {
    await this.assertQueue(name);
    return (await this.repository.queue(name)).purgeDead(ids);
  }

  private async assertQueue(name: string): Promise<void> {
    if (!(await this.repository.queueExists(name))) {
      throw new TqError(
        'not_found',
        `queue ${JSON.stringify(name)} does not exist (it has never received a task): submit a task to it, ` +
          `or create it with PUT /queues/${encodeURIComponent(name)} {"partitions": 1} ` +
          `(tq queue create ${name} --partitions 1)`,
      );
    }
  }

  /** Throws `queue_not_allowed` (naming `field`) for a queue the operator's policy does not allow. */
  private assertQueueAllowed(queue: string, field: string): void {
    if (this.allowedQueues && !this.allowedQueues.test(queue)) {
      const message = `queue ${JSON.stringify(queue)} is not one the operator allows; allowed: ${this.allowedList.join(', ')}`;
      throw new TqError('queue_not_allowed', message, { errors: [{ field, message }] });
    }
  }

  private prepare(body: unknown, headerKey?: string, headerTraceparent?: string): Prepared {
    const parsed = parseTaskSubmission(body);
    if (!parsed.success) throw invalid(fieldErrors(parsed.error));
    const submission = parsed.data;
    if (
      headerKey !== undefined &&
      submission.idempotencyKey !== undefined &&
      headerKey !== submission.idempotencyKey
    ) {
      throw invalid([
        {
          field: 'idempotencyKey',
          message: 'the Idempotency-Key header and the body field differ; send one',
        },
      ]);
    }
    const idempotencyKey = headerKey ?? submission.idempotencyKey;
    if (idempotencyKey !== undefined && !LIMITS.idempotencyKeyPattern.test(idempotencyKey)) {
      throw invalid([
        { field: 'idempotencyKey', message: 'Idempotency-Key must be 1-255 printable ASCII characters' },
      ]);
    }
    const payload = JSON.stringify(submission.payload ?? null);
    const payloadBytes = Buffer.byteLength(payload);
    if (payloadBytes > this.maxPayloadBytes) {
      const message = `payload is ${payloadBytes} bytes serialized; the limit is ${this.maxPayloadBytes}`;
      throw new TqError('too_large', `the task is too large: ${message}`, {
        errors: [{ field: 'payload', message }],
      });
    }
    if (submission.idempotencyTtlMs !== undefined && idempotencyKey === undefined) {
      throw invalid([
        { field: 'idempotencyTtlMs', message: 'idempotencyTtlMs needs an idempotency key (field or header)' },
      ]);
    }
    const queue = submission.queue ?? DEFAULTS.queue;
    this.assertQueueAllowed(queue, 'queue');
    const given =
      submission.traceparent ?? (parseTraceparent(headerTraceparent) ? headerTraceparent!.trim() : undefined);
    const runAt = submission.runAt === undefined ? undefined : new Date(submission.runAt).getTime();
    if (runAt !== undefined && runAt > Date.now() + LIMITS.maxDelayMs) {
      throw invalid([
        {
          field: 'runAt',
          message: `runAt must be at most ${LIMITS.maxDelayMs / 86_400_000} days from now, like delayMs`,
        },
      ]);
    }
    const priority = submission.priority ?? DEFAULTS.priority;
    const maxAttempts = submission.maxAttempts ?? DEFAULTS.maxAttempts;
    // The fingerprint tells an idempotent replay from a key reused for another task; without a key
    // nothing needs it, so the hot path skips the hashes.
    const fingerprints = idempotencyKey !== undefined && {
      fingerprint: fingerprint({ ...submission, queue, priority, runAt, maxAttempts }),
      previousFingerprint: fingerprintV1({ ...submission, payload, queue, runAt }),
    };
    // Last: a span is started only for a submission that passed every check.
    const { span, traceparent } = startSendSpan(queue, given);
    return {
      queue,
      submission,
      span,
      task: {
        id: newTaskId(queue, undefined, 0, this.taskFormat),
        type: submission.type,
        payload,
        priority,
        runAt,
        delayMs: submission.delayMs,
        maxAttempts,
        timeoutMs: submission.timeoutMs,
        idempotencyKey,
        ...fingerprints,
        idempotencyWindowMs: Math.min(submission.idempotencyTtlMs ?? Infinity, this.idempotencyWindowMs),
        traceparent,
        group: submission.group,
        partitionKey: submission.partitionKey,
      },
    };
  }

  /**
   * The task an idempotency key points to. `not_found` when retention deleted it; `unavailable` when Redis
   * failed to answer the read: the task exists, so the caller should retry with the same key.
   */
  private async replayed(id: string): Promise<Task> {
    try {
      // A replay answers like the first submission did: the task, not where it was read from.
      const { source: _source, ...task } = await this.get(id);
      return task;
    } catch (error) {
      if (!isRedisError(error)) throw error;
      throw new TqError(
        'unavailable',
        `the idempotency key points to task ${id}, but reading it from Redis failed; retry with the same key`,
        { taskId: id },
      );
    }
  }

  /** The answer to a stored submission; only a replay (`existing`) needs a read, so only it is a promise. */
  private settle(
    { queue, task, submission }: Prepared,
    outcome: EnqueueOutcome,
  ): SubmitResult | Promise<SubmitResult> {
    switch (outcome.status) {
      case 'created': {
        const due = task.runAt ?? (task.delayMs ? outcome.at + task.delayMs : undefined);
        const status: TaskStatus = due !== undefined && due > outcome.at ? 'scheduled' : 'pending';
        return {
          created: true,
          task: toTask(
            {
              id: outcome.id,
              queue,
              type: task.type,
              payload: task.payload,
              status,
              attempt: 0,
              maxAttempts: task.maxAttempts,
              priority: task.priority ?? 0,
              timeoutMs: submission.timeoutMs,
              createdAt: outcome.at,
              runAt: status === 'scheduled' ? due : undefined,
              errors: [],
              idempotencyKey: task.idempotencyKey,
              traceparent: task.traceparent,
              group: task.group,
            },
            submittedPayload(submission.payload, task.payload),
          ),
        };
      }
      case 'existing':
        return this.replayed(outcome.id).then((task) => ({ created: false, task }));
      case 'conflict':
        throw new TqError(
          'conflict',
          `idempotency key ${JSON.stringify(task.idempotencyKey)} was already used for task ${outcome.id} with a different body; use a new key for a new task`,
          { taskId: outcome.id },
        );
      case 'full':
        throw new TqError(
          'queue_full',
          `queue ${queue} is over its depth limit of ${this.maxQueueDepth} waiting tasks; retry later`,
          {
            queue,
          },
        );
    }
  }
}

/** One RegExp matching the allowed names and patterns (`*` = any run of name characters); none = all. */
function queuePattern(allowed: string[]): RegExp | undefined {
  if (allowed.length === 0) return undefined;
  const alternatives = allowed.map((entry) => entry.split('*').map(escapeRegExp).join('[A-Za-z0-9_-]*'));
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A refused batch item from a TqError. Anything else is a bug, and fails the whole batch. */
function refused(index: number, error: unknown): BatchItemResult {
  if (!(error instanceof TqError)) throw error;
  return { index, code: error.code, message: error.message, errors: error.details?.errors as FieldError[] };
}

/** An `invalid` error summarizing the field errors of `what`. */
function invalid(errors: FieldError[], what = 'the task'): TqError {
  const summary = errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
  return new TqError('invalid', `${what} is invalid: ${summary}`, { errors });
}
