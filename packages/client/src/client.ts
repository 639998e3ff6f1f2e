import createClient, { defaultPathSerializer, type Client } from 'openapi-fetch';
import { delay } from './delay.js';
import {
  TqClientError,
  TqNetworkError,
  TqTimeoutError,
  TqUnavailableError,
  errorFromResponse,
} from './errors.js';
import type { paths } from './generated/openapi.js';
import { generateIdempotencyKey } from './idempotency-key.js';
import { followTask, type FollowOutcome } from './task-events.js';
import { DEFAULT_RETRY, withRetries, type RetryPolicy } from './retry.js';
import {
  isFinished,
  type BatchResult,
  type DeletedTask,
  type GroupList,
  type HistoryPage,
  type HistorySearch,
  type QueueLimits,
  type QueueLimitsInput,
  type QueueStats,
  type ScheduleChange,
  type ScheduleDetail,
  type SchedulePage,
  type ScheduleSubmission,
  type StatsHistory,
  type TaskActionOutcome,
  type TaskActionRequest,
  type TaskPage,
  type Task,
  type TaskStatus,
  type TaskSubmission,
  type WorkerList,
} from './types.js';

/** Pause before reconnecting a task's event stream that was cut, ms (the API's own `retry:`). */
const RECONNECT_MS = 1000;

/** Options of {@link TqClient}. */
export interface TqClientOptions {
  /** The API's base URL, e.g. `http://localhost:8080`. */
  url: string;
  /** A bearer token of the API's API_TOKENS; sent in the Authorization header, never in a URL. */
  token?: string;
  /** How long one request may take before it fails with TqNetworkError, ms. Default 30000. */
  requestTimeoutMs?: number;
  /** How submits retry on no answer or 503 (with the same Idempotency-Key). */
  retry?: Partial<RetryPolicy>;
  /** A fetch to use instead of the global one (a proxy agent, a test recorder, an edge runtime's). */
  fetch?: (request: Request) => Promise<Response>;
  /** Headers added to every request. */
  headers?: Record<string, string>;
}

/** Options of a call: the caller's AbortSignal. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** Options of {@link TqClient.submit}. */
export interface SubmitOptions extends CallOptions {
  /**
   * Makes the submit idempotent across your own retries: a second submit with the same key and body
   * answers the first task. Without one, the client generates a key so that its own retries never
   * store a task twice.
   */
  idempotencyKey?: string;
}

/** Options of {@link TqClient.waitFor}. */
export interface WaitOptions extends CallOptions {
  /** Give up with TqTimeoutError after this long, ms. Default 30000. */
  timeoutMs?: number;
  /**
   * Where the API has no event stream for the task: the longest pause between two reads of it, ms.
   * Default 1000 (the first ones are shorter).
   */
  pollIntervalMs?: number;
}

/** Options of a task list: the page size, where to go on, and a type filter. */
export interface ListOptions extends CallOptions {
  /** Most tasks in the page (the API's default when omitted). */
  limit?: number;
  /** The `nextCursor` of the previous page, as it is; omit for the first page. */
  cursor?: string;
  /** Only tasks of this type. */
  type?: string;
}

/** What `requeueDead` answers: the ids requeued, and given ids that were not dead. */
export interface RequeueResult {
  requeued: string[];
  notDead: string[];
}

interface ApiResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The tq API from code. Every method answers the parsed body, or throws a {@link TqApiError}
 * subclass with the problem+json fields, or {@link TqNetworkError} when no answer came.
 *
 * ```ts
 * const tq = new TqClient({ url: 'http://localhost:8080', token: process.env.TQ_TOKEN });
 * const task = await tq.submit({ type: 'email', payload: 'hello world' });
 * const finished = await tq.waitFor(task.id, { timeoutMs: 10_000 });
 * ```
 */
/** The longest delay a timer takes, ms (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class TqClient {
  private readonly api: Client<paths>;
  private readonly baseUrl: string;
  private readonly requestTimeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly headers: Record<string, string>;
  private readonly fetch: (request: Request) => Promise<Response>;
  /** How long the API keeps a key this client generated, ms. */
  private readonly generatedKeyTtlMs: number;

  constructor(options: TqClientOptions) {
    // Neither error repeats a password the URL may hold (a Redis URL given by mistake, a user:password@). The
    // client does not depend on @tq/core (it runs in browsers too), hence its own redaction, not core's redactUrl.
    if (typeof options?.url !== 'string') {
      throw new TypeError(
        `url is required: the tq API's base URL, e.g. new TqClient({ url: 'http://localhost:8080' })`,
      );
    }
    const shown = withoutUserinfo(options.url);
    if (!/^https?:\/\//i.test(options.url)) {
      throw new TypeError(
        `url must be an http(s) URL such as http://localhost:8080, got ${JSON.stringify(shown)}`,
      );
    }
    if (shown !== options.url) {
      // fetch refuses such a URL, and its error would repeat it whole.
      throw new TypeError(
        `url must not carry a user or password (${shown}): give the API's bearer token as the \`token\` option (in the tq CLI: --token or TQ_TOKEN)`,
      );
    }
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    // Twice the longest time this client can spend retrying one submit, and at least 10 minutes.
    const retryHorizonMs =
      (this.retry.retries + 1) * (this.requestTimeoutMs + Math.max(this.retry.maxDelayMs, 1000));
    this.generatedKeyTtlMs = Math.max(600_000, 2 * retryHorizonMs);
    this.headers = {
      ...options.headers,
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    };
    // Resolved per request, so a global fetch installed after the client was made is used.
    this.fetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));
    this.api = createClient<paths>({
      baseUrl: this.baseUrl,
      headers: this.headers,
      fetch: this.fetch,
      pathSerializer: nonEmptyPath,
      bodySerializer: jsonBody,
    });
  }

  /**
   * Submits one task: the stored task (status pending, or scheduled with delayMs/runAt). Retries on
   * no answer and 503 with one Idempotency-Key, so a retry never stores a second task.
   */
  submit(task: TaskSubmission, options: SubmitOptions = {}): Promise<Task> {
    const given = task.idempotencyKey ?? options.idempotencyKey;
    const key = given ?? generateIdempotencyKey();
    const body = given === undefined ? this.withGeneratedKeyWindow(task) : task;
    return withRetries(
      this.retry,
      () =>
        this.call<Task>(
          (signal) =>
            this.api.POST('/tasks', {
              body,
              params: { header: { 'Idempotency-Key': key } },
              signal,
            }),
          options.signal,
        ),
      options.signal,
    );
  }

  /**
   * Submits up to 1000 tasks in one request; each is stored or refused on its own (see `results`).
   * Tasks without an idempotencyKey get a generated one, so the retries on no answer and 503 store
   * none twice.
   */
  submitBatch(tasks: TaskSubmission[], options: CallOptions = {}): Promise<BatchResult> {
    const body = {
      tasks: tasks.map((t) =>
        t.idempotencyKey
          ? t
          : { ...this.withGeneratedKeyWindow(t), idempotencyKey: generateIdempotencyKey() },
      ),
    };
    return withRetries(
      this.retry,
      () =>
        this.call<BatchResult>((signal) => this.api.POST('/tasks/batch', { body, signal }), options.signal),
      options.signal,
    );
  }

  /** A task by id. */
  get(id: string, options: CallOptions = {}): Promise<Task> {
    return this.call(
      (signal) => this.api.GET('/tasks/{id}', { params: { path: { id } }, signal }),
      options.signal,
    );
  }

  /** Cancels a task that is not running (TqConflictError otherwise): the task, status canceled. */
  cancel(id: string, options: CallOptions = {}): Promise<Task> {
    return this.call(
      (signal) => this.api.DELETE('/tasks/{id}', { params: { path: { id } }, signal }),
      options.signal,
    );
  }

  /**
   * Cancels a task in any unfinished state (an admin token): pending, scheduled and retry tasks at once (the
   * task, status canceled); a running one by a request its worker sees at its next lease extension, which
   * aborts the handler and ends the task canceled (the task, still running, with `cancelRequestedAt` set;
   * `waitFor` it to see it end). TqConflictError for a finished task.
   */
  cancelTask(id: string, options: CallOptions = {}): Promise<Task> {
    return this.call(
      (signal) => this.api.POST('/tasks/{id}/cancel', { params: { path: { id } }, signal }),
      options.signal,
    );
  }

  /** Runs a scheduled or retry task now (an admin token): the task, pending. TqConflictError in another state. */
  runTask(id: string, options: CallOptions = {}): Promise<Task> {
    return this.call(
      (signal) => this.api.POST('/tasks/{id}/run', { params: { path: { id } }, signal }),
      options.signal,
    );
  }

  /** Retries a dead task with fresh attempts (an admin token): the task, pending. TqConflictError otherwise. */
  retryTask(id: string, options: CallOptions = {}): Promise<Task> {
    return this.call(
      (signal) => this.api.POST('/tasks/{id}/retry', { params: { path: { id } }, signal }),
      options.signal,
    );
  }

  /**
   * Deletes a finished task (done, dead, canceled) for good, in Redis and the task history (an admin token);
   * says where it was. TqConflictError for an unfinished task: cancel it first.
   */
  deleteTask(id: string, options: CallOptions = {}): Promise<DeletedTask> {
    return this.call(
      (signal) => this.api.DELETE('/tasks/{id}/record', { params: { path: { id } }, signal }),
      options.signal,
    );
  }

  /**
   * One action on many tasks of queue `name` (an admin token): the given `ids`, or one page of the tasks in
   * `state` (follow `nextCursor` as `cursor` until it is null). Tasks in another state are in `refused`.
   */
  actOnTasks(
    name: string,
    request: TaskActionRequest,
    options: CallOptions = {},
  ): Promise<TaskActionOutcome> {
    return this.call(
      (signal) =>
        this.api.POST('/queues/{name}/tasks/actions', {
          params: { path: { name } },
          body: request,
          signal,
        }),
      options.signal,
    );
  }

  /**
   * Waits until the task is finished (done, dead or canceled) and answers it. Follows the task's event
   * stream (`GET /tasks/:id/events`), reconnecting where it left off when the stream is cut; where the
   * API has no stream for it (an older API, events off for the queue, too many streams) it reads the task
   * at growing intervals instead. Throws TqTimeoutError (with the last state seen) after `timeoutMs`; a
   * short outage of the API meanwhile is waited out.
   */
  async waitFor(id: string, options: WaitOptions = {}): Promise<Task> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    if (!(timeoutMs >= 0 && timeoutMs <= MAX_TIMER_MS)) {
      throw new TypeError(`timeoutMs must be a number of ms from 0 to ${MAX_TIMER_MS}, got ${timeoutMs}`);
    }
    const deadline = Date.now() + timeoutMs;
    // A timer of its own rather than AbortSignal.timeout, whose timer lets go of a signal nothing else holds.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new TqTimeoutError(`task ${id} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    const onCallerAbort = () => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) onCallerAbort();
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const signal = controller.signal;
    const url = `${this.baseUrl}/tasks/${encodeURIComponent(id)}/events`;
    let last: Task | undefined;
    let lastEventId: string | undefined;
    try {
      for (;;) {
        let outcome: FollowOutcome;
        try {
          outcome = await followTask(this.fetch, url, this.headers, signal, lastEventId, (task) => {
            last = task;
          });
        } catch (error) {
          if (signal.aborted) throw error;
          break; // no answer: polling waits an outage out
        }
        if (outcome.kind === 'finished') return outcome.task;
        if (outcome.kind === 'refused') break;
        lastEventId = outcome.lastEventId ?? lastEventId;
        await delay(Math.min(RECONNECT_MS, Math.max(0, deadline - Date.now())), signal);
      }
      return await this.poll(id, deadline, options, last);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timedOut || error instanceof TqTimeoutError) {
        const seen = error instanceof TqTimeoutError ? (error.task ?? last) : last;
        throw new TqTimeoutError(
          `task ${id} did not finish within ${timeoutMs} ms` + (seen ? ` (it is ${seen.status})` : ''),
          seen,
        );
      }
      throw error;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** waitFor without a stream: reads the task at growing intervals (50 ms doubling to pollIntervalMs). */
  private async poll(id: string, deadline: number, options: WaitOptions, last?: Task): Promise<Task> {
    const maxInterval = options.pollIntervalMs ?? 1000;
    for (let interval = Math.min(50, maxInterval); ; interval = Math.min(maxInterval, interval * 2)) {
      try {
        last = await this.get(id, options);
        if (isFinished(last)) return last;
      } catch (error) {
        const transient = error instanceof TqNetworkError || error instanceof TqUnavailableError;
        if (!transient) throw error;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new TqTimeoutError(`task ${id} is not finished (it is ${last?.status})`, last);
      await delay(Math.min(interval, left), options.signal);
    }
  }

  /** Every queue that has received a task, with its stats. */
  async queues(options: CallOptions = {}): Promise<QueueStats[]> {
    const { queues } = await this.call((signal) => this.api.GET('/queues', { signal }), options.signal);
    return queues;
  }

  /** One queue's counts per state, waiting depth, oldest pending age and paused flag. */
  queue(name: string, options: CallOptions = {}): Promise<QueueStats> {
    return this.call(
      (signal) => this.api.GET('/queues/{name}', { params: { path: { name } }, signal }),
      options.signal,
    );
  }

  /**
   * Creates queue `name` with `partitions` partitions (1 = a plain queue; more spread one queue over the
   * masters of a Redis Cluster, docs/scaling.md); admin token. Calling it again with the same count answers
   * the queue; another count throws a TqApiError with status 409.
   */
  createQueue(
    name: string,
    { partitions, signal }: CallOptions & { partitions: number },
  ): Promise<QueueStats> {
    return this.call(
      (s) => this.api.PUT('/queues/{name}', { params: { path: { name } }, body: { partitions }, signal: s }),
      signal,
    );
  }

  /**
   * Changes the partition count of queue `name` (admin token; ADR 0043, docs/scaling.md "Resizing"): more
   * partitions are added online, fewer drain; the same count again removes drained partitions. A resize
   * within 30 s of the previous one throws a TqApiError with status 409.
   */
  resizeQueue(
    name: string,
    { partitions, signal }: CallOptions & { partitions: number },
  ): Promise<QueueStats> {
    return this.call(
      (s) =>
        this.api.POST('/queues/{name}/resize', {
          params: { path: { name } },
          body: { partitions },
          signal: s,
        }),
      signal,
    );
  }

  /** Stops workers from claiming the queue's tasks (submissions still succeed). */
  pause(name: string, options: CallOptions = {}): Promise<QueueStats> {
    return this.call(
      (signal) => this.api.POST('/queues/{name}/pause', { params: { path: { name } }, signal }),
      options.signal,
    );
  }

  /** Lets workers claim the queue's tasks again. */
  resume(name: string, options: CallOptions = {}): Promise<QueueStats> {
    return this.call(
      (signal) => this.api.POST('/queues/{name}/resume', { params: { path: { name } }, signal }),
      options.signal,
    );
  }

  /** Replaces the queue's limits (a limit left out is removed; `{}` removes them all); admin token. */
  setLimits(name: string, limits: QueueLimitsInput, options: CallOptions = {}): Promise<QueueLimits> {
    return this.call(
      (signal) => this.api.PUT('/queues/{name}/limits', { params: { path: { name } }, body: limits, signal }),
      options.signal,
    );
  }

  /** The queue's rate, concurrency and group concurrency limits (null where none). */
  limits(name: string, options: CallOptions = {}): Promise<QueueLimits> {
    return this.call(
      (signal) => this.api.GET('/queues/{name}/limits', { params: { path: { name } }, signal }),
      options.signal,
    );
  }

  /** The queue's fair groups with the most pending tasks (at most `limit`, default 20), with their running tasks. */
  groups(name: string, { limit, signal }: CallOptions & { limit?: number } = {}): Promise<GroupList> {
    return this.call(
      (s) =>
        this.api.GET('/queues/{name}/groups', { params: { path: { name }, query: { limit } }, signal: s }),
      signal,
    );
  }

  /** Creates a cron schedule (admin token); answers it with its next runs. */
  createSchedule(schedule: ScheduleSubmission, options: CallOptions = {}): Promise<ScheduleDetail> {
    return this.call((signal) => this.api.POST('/schedules', { body: schedule, signal }), options.signal);
  }

  /** A page of the schedules by id (of one queue, or all); follow `nextCursor` for the next page. */
  schedules({
    queue,
    limit,
    cursor,
    signal,
  }: CallOptions & { queue?: string; limit?: number; cursor?: string } = {}): Promise<SchedulePage> {
    return this.call(
      (s) => this.api.GET('/schedules', { params: { query: { queue, limit, cursor } }, signal: s }),
      signal,
    );
  }

  /** One schedule with its next `runs` slots (default 5). */
  schedule(id: string, { runs, signal }: CallOptions & { runs?: number } = {}): Promise<ScheduleDetail> {
    return this.call(
      (s) => this.api.GET('/schedules/{id}', { params: { path: { id }, query: { runs } }, signal: s }),
      signal,
    );
  }

  /** Pauses (`{paused: true}`), resumes (`{paused: false}`) or changes a schedule (admin token). */
  updateSchedule(id: string, change: ScheduleChange, options: CallOptions = {}): Promise<ScheduleDetail> {
    return this.call(
      (signal) => this.api.PATCH('/schedules/{id}', { params: { path: { id } }, body: change, signal }),
      options.signal,
    );
  }

  /** Deletes a schedule; the tasks it enqueued stay (admin token). */
  async deleteSchedule(id: string, options: CallOptions = {}): Promise<void> {
    await this.call(
      (signal) => this.api.DELETE('/schedules/{id}', { params: { path: { id } }, signal }),
      options.signal,
    );
  }

  /**
   * A page of the queue's tasks in one state; follow `nextCursor` for the next page. Pending tasks with a fair
   * group wait in their group's lists: `group` lists one group's, and without it the page lists the tasks
   * without a group (`inGroups` counts the others).
   */
  listTasks(
    name: string,
    state: TaskStatus,
    { limit, cursor, type, group, signal }: ListOptions & { group?: string } = {},
  ): Promise<TaskPage> {
    return this.call(
      (s) =>
        this.api.GET('/queues/{name}/tasks', {
          params: { path: { name }, query: { state, limit, cursor, type, group } },
          signal: s,
        }),
      signal,
    );
  }

  /** A page of the queue's dead tasks, newest first; follow `nextCursor` for the next page. */
  deadLetters(name: string, { limit, cursor, type, signal }: ListOptions = {}): Promise<TaskPage> {
    return this.call(
      (s) =>
        this.api.GET('/queues/{name}/dead', {
          params: { path: { name }, query: { limit, cursor, type } },
          signal: s,
        }),
      signal,
    );
  }

  /** The redrive: dead tasks back to pending with fresh attempts; the given ids, or all when omitted. */
  requeueDead(name: string, ids?: string[], options: CallOptions = {}): Promise<RequeueResult> {
    return this.call(
      (signal) =>
        this.api.POST('/queues/{name}/dead/requeue', {
          params: { path: { name } },
          ...(ids ? { body: { ids } } : {}),
          signal,
        }),
      options.signal,
    );
  }

  /** Deletes dead tasks for good: the given ids, or all when omitted. Answers how many were deleted. */
  async purgeDead(name: string, ids?: string[], options: CallOptions = {}): Promise<number> {
    const { purged } = await this.call(
      (signal) =>
        this.api.DELETE('/queues/{name}/dead', {
          params: { path: { name } },
          ...(ids ? { body: { ids } } : {}),
          signal,
        }),
      options.signal,
    );
    return purged;
  }

  /**
   * A page of the task history (PostgreSQL, when the API has DATABASE_URL): finished tasks by queue, type,
   * status and finish time, newest finished first; follow `nextCursor` for the next page. Without a task
   * history the API answers 404 (TqNotFoundError).
   */
  searchTasks(
    { queue, type, status, from, to }: HistorySearch = {},
    { limit, cursor, signal }: Omit<ListOptions, 'type'> = {},
  ): Promise<HistoryPage> {
    const time = (t: Date | string | number | undefined) =>
      t === undefined ? undefined : t instanceof Date ? t.toISOString() : String(t);
    return this.call(
      (s) =>
        this.api.GET('/tasks', {
          params: { query: { queue, type, status, from: time(from), to: time(to), limit, cursor } },
          signal: s,
        }),
      signal,
    );
  }

  /** The live workers (from their heartbeats), of every queue or of one. */
  workers({
    queue,
    limit,
    signal,
  }: CallOptions & { queue?: string; limit?: number } = {}): Promise<WorkerList> {
    return this.call(
      (s) => this.api.GET('/workers', { params: { query: { queue, limit } }, signal: s }),
      signal,
    );
  }

  /** Attempts processed and failed per minute over the last `minutes` (one queue, or all), with totals. */
  statsHistory({
    queue,
    minutes,
    signal,
  }: CallOptions & { queue?: string; minutes?: number } = {}): Promise<StatsHistory> {
    return this.call(
      (s) => this.api.GET('/stats/history', { params: { query: { queue, minutes } }, signal: s }),
      signal,
    );
  }

  /**
   * A generated key only has to outlive this client's retries, so it asks the API to remember it for
   * `generatedKeyTtlMs` instead of the API's whole IDEMPOTENCY_TTL_MS (24 h): a key costs Redis memory for
   * as long as it is remembered (docs/client.md has the figures).
   */
  private withGeneratedKeyWindow(task: TaskSubmission): TaskSubmission {
    return task.idempotencyTtlMs === undefined ? { ...task, idempotencyTtlMs: this.generatedKeyTtlMs } : task;
  }

  /**
   * One request with the request timeout: its data, or the typed error of its answer, or
   * TqNetworkError when none came. The caller's own abort is rethrown as it is.
   */
  private async call<T>(
    run: (signal: AbortSignal) => Promise<ApiResult<T>>,
    callerSignal: AbortSignal | undefined,
  ): Promise<T> {
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    let result: ApiResult<T>;
    try {
      result = await run(signal);
    } catch (error) {
      if (callerSignal?.aborted) throw callerSignal.reason;
      if (error instanceof TqClientError) throw error; // refused before sending (nonEmptyPath, jsonBody)
      if (error instanceof SyntaxError) {
        throw new TqClientError(`${this.baseUrl} answered a body that is not JSON: ${error.message}`, {
          cause: error,
        });
      }
      const why = timeout.aborted
        ? `no answer within ${this.requestTimeoutMs} ms`
        : (error as Error).message + describeCause(error);
      throw new TqNetworkError(`${this.baseUrl}: ${why}`, { cause: error });
    }
    if (!result.response.ok) throw errorFromResponse(result.response, result.error);
    return result.data as T;
  }
}

/** The request's path; an empty id or name would reach another route (GET /queues/ lists the queues). */
function nonEmptyPath(pathname: string, params: Record<string, unknown>): string {
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') {
      throw new TqClientError(`${name} must not be empty (${pathname})`);
    }
  }
  return defaultPathSerializer(pathname, params);
}

/** The request body as JSON; what JSON cannot hold is the caller's mistake, not an outage to retry. */
function jsonBody(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch (error) {
    throw new TqClientError(
      `the request cannot be sent as JSON: ${(error as Error).message} (a payload must be JSON data: no cycles, no BigInt)`,
      { cause: error },
    );
  }
}

/** `url` with any `user:password@` after its scheme replaced by `***@`. */
function withoutUserinfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
}

/** Node's fetch says only "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND…). */
function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const detail = cause?.code ?? cause?.message;
  return typeof detail === 'string' ? ` (${detail})` : '';
}
