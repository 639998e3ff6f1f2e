import type { Redis } from 'ioredis';
import type { Clock } from './clock';
import { callDeadline, observeRedisTime } from './call-deadline';
import { readClaimReply } from './claim-reply';
import { NEVER_MS } from './cron';
import { decodeCursor, encodeCursor } from './cursor';
import { EnqueueGate } from './enqueue-gate';
import { TqError } from './errors';
import { LOCAL_ID_PATTERN, assertQueueName, newLeaseNonce, parseTaskId } from './ids';
import { QUEUES_KEY, groupPendingPrefix, queueKeys, taskKeyPattern, type QueueKeys } from './keys';
import { runScript, runScriptAndWait, type RedisClient, type ScriptName } from './scripts';
import type {
  AckCode,
  CancelCode,
  ClaimResult,
  DeleteCode,
  ExtendCode,
  FinishCanceledCode,
  RunNowCode,
  TaskActionResult,
  EnqueueOutcome,
  EventsMode,
  FailCode,
  FailItem,
  GroupList,
  Lease,
  ListTasksOptions,
  QueueHistory,
  NewTask,
  ReplicaWait,
  PostponeCode,
  PostponeItem,
  QueueLimits,
  QueueStats,
  ReapResult,
  RemoveResult,
  RetentionPolicy,
  TaskPageRecord,
  TaskEvent,
  TaskEventKind,
  TaskRecord,
  TaskStatus,
  TaskSummaryRecord,
  ArchiveClaim,
  ArchiveConfirmCode,
  ArchivedTask,
  TrimResult,
} from './types';
import { isCluster } from './connection';

/** Most entries kept in a task's error history. */
export const ERROR_HISTORY_MAX = 10;
/** How long a redrive's snapshot of the dead set is kept, ms: longer than any redrive takes. */
const REDRIVE_SNAPSHOT_TTL_MS = 600_000;
/** Most tasks sent in one enqueue script call (a batch is split into calls of this size). */
const ENQUEUE_CHUNK = 500;
/** Entries a task-list page examines at most by default (see `Queue.listTasks`). */
export const DEFAULT_SCAN_BUDGET = 5000;
/** Strings per task in the list_tasks reply. */
const SUMMARY_FIELDS = 14;
/** How each state is walked by list_tasks. */
const LIST_ORDER: Record<TaskStatus, 'pending' | 'asc' | 'desc'> = {
  pending: 'pending',
  scheduled: 'asc',
  retry: 'asc',
  running: 'asc',
  dead: 'desc',
  done: 'desc',
  canceled: 'desc',
};
/**
 * A task's attempts when its producer names none; format 2 records leave maxAttempts out at this value
 * (ADR 0045), so it is also DEFAULT_MAX_ATTEMPTS in lua/lib/common.lua and must not change.
 */
export const DEFAULT_MAX_ATTEMPTS = 5;
/** Most times a task may be postponed by default (RateLimitError); past that each one is a failed attempt. */
export const DEFAULT_MAX_POSTPONEMENTS = 20;
/** The meta fields that hold a queue's limits. */
/** Most due tasks a claim promotes from each of scheduled and retry, by default. */
export const DEFAULT_PROMOTE_LIMIT = 1000;

/** claim.lua's ARGV[5..7] (deadline, worker id, promote limit) at their defaults: a call leaves them out. */
const CLAIM_ARG_DEFAULTS: (string | number)[] = ['', '', DEFAULT_PROMOTE_LIMIT];

const LIMIT_FIELDS = ['rateMax', 'ratePeriodMs', 'concurrency', 'groupConcurrency'] as const;
/** How often a producer or worker re-adds its queue to `tq:queues`, ms (it may have been lost with Redis data). */
const REGISTER_EVERY_MS = 30_000;
/** How long a deleted task's tombstone is kept, ms: far longer than an archiver holds a batch. */
export const DELETE_TOMBSTONE_MS = 3_600_000;
/** Largest progress value, serialized JSON bytes: progress is for a bar or a step, not for results. */
export const PROGRESS_MAX_BYTES = 1024;

/**
 * One queue in Redis: turns domain calls into KEYS/ARGV for the scripts, and replies into types.
 * Every state change is one script touching only this queue's keys. Ids are full task ids
 * (`<queue>.<local id>`); the scripts see local ids.
 */
export class Queue {
  readonly keys: QueueKeys;
  /** The partition of a partitioned queue this object drives (ADR 0040); 0 for an unpartitioned queue. */
  readonly partition: number;
  /** The hash tag of this queue's (partition's) keys. */
  readonly tag: string;
  /** What every task id of this queue (partition) starts with: `<queue>.` or `<queue>.<partition>.`. */
  private readonly idPrefix: string;
  /** When this process last added the queue to `tq:queues` (Date.now ms); 0 until a try succeeds. */
  private registeredAt = 0;
  private registering: Promise<void> | undefined;
  /** Orders this queue's (partition's) enqueue calls on its connection; shared by every object for it. */
  private readonly gate: EnqueueGate;

  constructor(
    readonly redis: RedisClient,
    readonly name: string,
    private readonly clock?: Clock,
    place?: { partition: number; tag: string },
  ) {
    assertQueueName(name);
    this.partition = place?.partition ?? 0;
    this.tag = place?.tag ?? name;
    this.keys = queueKeys(name, this.tag);
    this.idPrefix = this.partition === 0 ? `${name}.` : `${name}.${this.partition}.`;
    this.gate = enqueueGate(redis, this.tag);
  }

  /**
   * Stores tasks (pending, or scheduled when delayed). `maxDepth` 0 means no depth limit. A queue that is
   * not in `tq:queues` (new, or removed while empty) is added to it before anything is written, unless the
   * registry already holds `maxQueues` queues (0 = no limit): then it throws `queue_limit`, writing nothing.
   * With `wait`, each script call is followed by WAIT on the same master (ADR 0044), and fewer replicas
   * than asked within its timeout throw `unavailable`: the tasks are stored on the master but may be lost
   * on a failover (or may survive it), so the caller retries with the same idempotency keys.
   */
  async enqueue(
    tasks: NewTask[],
    maxDepth = 0,
    maxQueues = 0,
    wait?: ReplicaWait,
  ): Promise<EnqueueOutcome[]> {
    if (tasks.length <= ENQUEUE_CHUNK) return await this.enqueueChunk(tasks, maxDepth, maxQueues, wait);
    // Chunks go out together: ioredis pipelines them on the connection, so Redis never waits for us.
    const chunks: Promise<EnqueueOutcome[]>[] = [];
    for (let i = 0; i < tasks.length; i += ENQUEUE_CHUNK) {
      chunks.push(this.enqueueChunk(tasks.slice(i, i + ENQUEUE_CHUNK), maxDepth, maxQueues, wait));
    }
    // Promise.all handles every chunk's rejection, also those after the first.
    return (await Promise.all(chunks)).flat();
  }

  private async enqueueChunk(
    tasks: NewTask[],
    maxDepth: number,
    maxQueues: number,
    wait: ReplicaWait | undefined,
  ): Promise<EnqueueOutcome[]> {
    const keys = [this.keys.base];
    const fields: (string | number)[] = [];
    for (const t of tasks) pushEnqueueFields(fields, this.ownLocalId(t.id), t);
    // Replicas that confirmed the script's writes; checked on the reply that stored the tasks.
    let replicas = Infinity;
    const send = (justRegistered: boolean): Promise<EnqueueReply> => {
      const args = [this.now(), maxDepth, justRegistered ? '1' : '0', ...fields];
      if (!wait) return this.run('enqueue', keys, args) as Promise<EnqueueReply>;
      return runScriptAndWait(this.redis, 'enqueue', keys, args, wait.replicas, wait.timeoutMs).then(
        (sent) => {
          replicas = sent.replicas;
          return sent.reply as EnqueueReply;
        },
      );
    };
    // The gate sends the first call now, or after the calls before it (until one showed the queue registered).
    const reply = await this.gate.run(async (gate) => {
      const first = await send(false);
      if (typeof first === 'number' || first[1] !== 'unregistered') return first;
      gate.unregistered();
      await this.addToRegistry(maxQueues);
      const again = await send(true);
      await this.confirmInRegistry();
      return again;
    });
    if (wait && replicas < wait.replicas) throw notReplicated(this.name, tasks.length, replicas, wait);
    // Outcomes carry the Redis time of the write, so callers can answer without reading the task back.
    if (typeof reply === 'number') return tasks.map((t) => ({ status: 'created', id: t.id, at: reply }));
    const at = Number(reply[0]);
    return tasks.map((t, i) => {
      const row = reply[i + 1] as string;
      if (row === 'created') return { status: 'created', id: t.id, at };
      if (row === 'full') return { status: 'full', id: '', at };
      // 'existing <id>' or 'conflict <id>': the earlier task's local id.
      const space = row.indexOf(' ');
      return {
        status: row.slice(0, space) as 'existing' | 'conflict',
        id: this.fullId(row.slice(space + 1)),
        at,
      };
    });
  }

  /**
   * Adds the queue to `tq:queues` before a first write that sets its `registered` marker (enqueue, a new
   * schedule), unless the registry already holds `maxQueues` queues (0 = no limit): then throws
   * `queue_limit`. The writer calls {@link confirmInRegistry} after its write.
   */
  async addToRegistry(maxQueues: number): Promise<void> {
    if (Number(await this.run('register', [QUEUES_KEY], [this.name, maxQueues])) !== 1) {
      throw new TqError(
        'queue_limit',
        `queue ${this.name} is new and tq already holds ${maxQueues} queues, the most allowed: use an existing queue, or delete empty ones (DELETE /queues/:name)`,
        { queue: this.name, maxQueues },
      );
    }
  }

  /**
   * Adds the name once more after a write that set the `registered` marker: a removal that took the name
   * out of the registry between the two calls (its queue was still empty then) must not leave this queue
   * hidden from the reaper. And keeps the queue's partition layout (partition 0's meta) for good again: a
   * removal gave it a TTL (ADR 0050), and this partition now holds something.
   */
  async confirmInRegistry(): Promise<void> {
    await Promise.all([
      this.redis.sadd(QUEUES_KEY, this.name),
      this.redis.persist(queueKeys(this.name).meta),
    ]);
  }

  /**
   * Leases up to `count` tasks for `leaseMs`, promoting due scheduled and retry tasks first, within the
   * queue's limits and in turn over its groups. Each task's attempt is counted here and it gets a lease
   * token unique to this attempt; `workerId` ('' = none) is stored on it as the worker that runs it.
   */
  async claim(
    count: number,
    leaseMs: number,
    promoteLimit = DEFAULT_PROMOTE_LIMIT,
    workerId = '',
  ): Promise<ClaimResult> {
    const args = await this.claimArgs(count, leaseMs, promoteLimit, workerId);
    // Trailing arguments at their default stay out (claim.lua): each costs Redis ~1.25 k instructions.
    while (args.length > 4 && args.at(-1) === CLAIM_ARG_DEFAULTS[args.length - 5]) args.pop();
    const reply = await runScript(this.redis, 'claim', [this.keys.base], args, true);
    return this.claimResult(reply as Buffer, 0);
  }

  /**
   * A claim parked in Redis (ADR 0061). On `blocking`, a connection of its own that nothing else uses while
   * this runs: a BLPOP of the queue's signal list and of the worker's unpark list for up to `blockMs`, and the
   * claim script sent right behind it. Redis runs the claim the moment the pop is served (a wake pushed, the
   * worker's {@link unpark}, or the timeout), in the same pass of its event loop, so an idle worker learns of a
   * task and leases it in one hop. The claim's deadline (ADR 0006) is `blocking`'s command timeout, which the
   * caller makes longer than `blockMs`. Resolves with the wake id the pop took (null: unparked or timed out)
   * and the claim; rejects when the claim failed (a failed pop alone does not lose the claim's tasks).
   */
  async parkedClaim(
    blocking: RedisClient,
    count: number,
    leaseMs: number,
    blockMs: number,
    workerId: string,
  ): Promise<{ wake: string | null; claim: ClaimResult }> {
    const deadline = await callDeadline(blocking, this.clock);
    const pop = blocking.blpop(this.keys.signal, this.keys.unparkPrefix + workerId, blockMs / 1000);
    const reply = runScript(
      blocking,
      'claim',
      [this.keys.base],
      [this.now(), count, leaseMs, newLeaseNonce(), deadline, workerId],
      true,
    );
    const [popped, claimed] = await Promise.allSettled([pop, reply]);
    if (claimed.status === 'rejected') throw claimed.reason;
    const took = popped.status === 'fulfilled' ? popped.value : null;
    const claim = this.claimResult(claimed.value as Buffer, 0);
    // The claim ran as its answer was written: a fresh reading of Redis time for the next deadline.
    if (!this.clock) observeRedisTime(blocking, claim.now);
    return { wake: took && took[0] === this.keys.signal ? took[1] : null, claim };
  }

  /** Ends the parked claim of worker `workerId` at once (see {@link parkedClaim}): its claim runs now. */
  async unpark(workerId: string): Promise<void> {
    const key = this.keys.unparkPrefix + workerId;
    await this.redis.multi().lpush(key, '1').pexpire(key, UNPARK_TTL_MS).exec();
  }

  /**
   * Completes running tasks (as `complete`), then leases up to `count` tasks (as `claim`), in one script: a
   * worker's acknowledgements and its next claim in one round trip. `codes` has one code per item.
   */
  async completeAndClaim(
    items: (Lease & { result?: string })[],
    count: number,
    leaseMs: number,
    promoteLimit = DEFAULT_PROMOTE_LIMIT,
    workerId = '',
  ): Promise<{ codes: AckCode[]; claim: ClaimResult }> {
    const args = await this.claimArgs(count, leaseMs, promoteLimit, workerId);
    this.pushCompletes(args, items);
    const reply = (await runScript(this.redis, 'complete_and_claim', [this.keys.base], args, true)) as Buffer;
    // The codes' line, then the claim's reply (complete_and_claim.lua).
    const codesEnd = reply.indexOf(10);
    return {
      codes: ackCodes(reply.toString('latin1', 0, codesEnd), items.length),
      claim: this.claimResult(reply, codesEnd + 1),
    };
  }

  /**
   * Moves the lease deadline of each task to now + `leaseMs`. Refused ('lease_lost') for stale tokens.
   * 'cancel_requested': extended, and an operator asked to cancel the task (see `finishCanceled`).
   * Reaching Redis after the command timeout (ADR 0006), it extends nothing and rejects ('unavailable').
   */
  async extend(leases: Lease[], leaseMs: number): Promise<ExtendCode[]> {
    if (leases.length === 0) return [];
    const k = this.keys;
    const args: (string | number)[] = [this.now(), leaseMs, await this.deadline()];
    for (const l of leases) args.push(this.localId(l.id), l.token);
    const reply = (await this.run('extend', [k.running, k.taskPrefix], args)) as ExtendCode[] | 'late';
    // Only a caller whose estimate of Redis's clock erred reads this; the leases are as they were.
    if (reply === 'late')
      throw new TqError('unavailable', 'extend reached Redis after its deadline; not applied');
    return reply;
  }

  /** Finishes running tasks with an optional result (a JSON string). */
  async complete(items: (Lease & { result?: string })[]): Promise<AckCode[]> {
    if (items.length === 0) return [];
    const args: (string | number)[] = [this.now()];
    this.pushCompletes(args, items);
    const codes = (await this.run('complete', [this.keys.base], args)) as string;
    return ackCodes(codes, items.length);
  }

  /**
   * Appends the tasks to complete as complete.lua takes them: how many arguments each carries (2 when none
   * has a result: id and token; else 3, with the result), then the tasks.
   */
  private pushCompletes(args: (string | number)[], items: (Lease & { result?: string })[]): void {
    if (items.some((i) => i.result)) {
      args.push(3);
      for (const i of items) args.push(this.localId(i.id), i.token, i.result ?? '');
    } else {
      args.push(2);
      for (const i of items) args.push(this.localId(i.id), i.token);
    }
  }

  /** Records failed attempts: each task goes to retry after its delay, or to dead. */
  async fail(items: FailItem[]): Promise<FailCode[]> {
    if (items.length === 0) return [];
    const k = this.keys;
    const args: (string | number)[] = [this.now(), ERROR_HISTORY_MAX, k.wakeChannel];
    for (const i of items) {
      args.push(
        this.localId(i.id),
        i.token,
        i.error,
        Math.max(0, Math.round(i.retryDelayMs)),
        i.permanentReason ?? '',
      );
    }
    return (await this.run(
      'fail',
      [k.running, k.retry, k.dead, k.taskPrefix, k.historyPrefix, k.meta, k.events, k.groupPrefix],
      args,
    )) as FailCode[];
  }

  /**
   * Postpones running tasks whose handler was rate limited by what it calls (RateLimitError): each waits in
   * scheduled for its `delayMs` without spending its attempt, up to `maxPostponements` times per task
   * (default 20); past that it is a failed attempt (retry after `retryDelayMs`, or dead), so it still ends.
   */
  async postpone(
    items: PostponeItem[],
    maxPostponements = DEFAULT_MAX_POSTPONEMENTS,
  ): Promise<PostponeCode[]> {
    if (items.length === 0) return [];
    const k = this.keys;
    const args: (string | number)[] = [this.now(), ERROR_HISTORY_MAX, k.wakeChannel, maxPostponements];
    for (const i of items) {
      args.push(
        this.localId(i.id),
        i.token,
        Math.max(0, Math.round(i.delayMs)),
        Math.max(0, Math.round(i.retryDelayMs)),
      );
    }
    return (await this.run(
      'postpone',
      [
        k.running,
        k.scheduled,
        k.retry,
        k.dead,
        k.taskPrefix,
        k.historyPrefix,
        k.meta,
        k.events,
        k.groupPrefix,
      ],
      args,
    )) as PostponeCode[];
  }

  /** Gives running tasks back to the front of pending without spending an attempt. */
  async release(leases: Lease[]): Promise<AckCode[]> {
    if (leases.length === 0) return [];
    const k = this.keys;
    const args: (string | number)[] = [this.now(), k.wakeChannel];
    for (const l of leases) args.push(this.localId(l.id), l.token);
    return (await this.run(
      'release',
      [k.pendingPrefix, k.running, k.taskPrefix, k.meta, k.events, k.groupPrefix],
      args,
    )) as AckCode[];
  }

  /**
   * Recovers up to `limit` expired leases: back to pending, or dead ('lease_expired') when out of attempts, or
   * canceled when an operator asked to cancel that lease (its worker died before it ended the task).
   */
  async reap(limit = 1000): Promise<ReapResult> {
    const k = this.keys;
    const [recovered, dead, orphans, canceled] = (await this.run(
      'reap',
      [
        k.pendingPrefix,
        k.running,
        k.dead,
        k.taskPrefix,
        k.historyPrefix,
        k.meta,
        k.events,
        k.groupPrefix,
        k.canceled,
      ],
      [this.now(), limit, k.wakeChannel, ERROR_HISTORY_MAX],
    )) as [string[], string[], number, string[]];
    return {
      recovered: recovered.map((id) => this.fullId(id)),
      dead: dead.map((id) => this.fullId(id)),
      orphans,
      canceled: canceled.map((id) => this.fullId(id)),
    };
  }

  /** Moves up to `limit` due tasks from each of scheduled and retry to pending. */
  async promote(limit = 1000): Promise<{ scheduled: number; retry: number }> {
    const k = this.keys;
    const [scheduled, retry] = (await this.run(
      'promote',
      [k.pendingPrefix, k.scheduled, k.retry, k.taskPrefix, k.meta, k.events, k.groupPrefix],
      [this.now(), limit, k.wakeChannel],
    )) as [number, number];
    return { scheduled, retry };
  }

  /**
   * Cancels a task that is not running. Throws `not_found`, or `conflict` when it is running or
   * already finished. Returns the status it had.
   */
  async cancel(id: string): Promise<TaskStatus> {
    const [{ code, status }] = (await this.cancelTasks([id], false)) as [TaskActionResult<CancelCode>];
    if (code === 'not_found')
      throw new TqError('not_found', `task ${id} does not exist (or was deleted by retention)`);
    if (code === 'running')
      throw new TqError('conflict', `task ${id} is running and cannot be canceled`, { status });
    if (code === 'finished') throw new TqError('conflict', `task ${id} is already ${status}`, { status });
    return status!;
  }

  /**
   * Cancels tasks, one script call: those not running at once; running ones, when `running` is true, by a
   * request bound to their current lease, which their worker reads at its next lease extension and ends
   * with `finishCanceled` (ADR 0019); otherwise they are refused ('running'). One result per id, in order.
   */
  async cancelTasks(ids: string[], running: boolean): Promise<TaskActionResult<CancelCode>[]> {
    if (ids.length === 0) return [];
    const k = this.keys;
    const reply = (await this.run(
      'cancel',
      [k.pendingPrefix, k.scheduled, k.retry, k.canceled, k.taskPrefix, k.meta, k.events, k.groupPrefix],
      [this.now(), running ? '1' : '0', ...ids.map((id) => this.localId(id))],
    )) as [CancelCode, string][];
    return actionResults(ids, reply);
  }

  /**
   * Ends running tasks whose cancel was requested during their current lease (running -> canceled, neither
   * retried nor dead): what a worker sends once it has aborted the handler. One code per lease.
   */
  async finishCanceled(leases: Lease[]): Promise<FinishCanceledCode[]> {
    if (leases.length === 0) return [];
    const k = this.keys;
    const args: (string | number)[] = [this.now(), k.wakeChannel];
    for (const l of leases) args.push(this.localId(l.id), l.token);
    return (await this.run(
      'finish_canceled',
      [k.running, k.canceled, k.taskPrefix, k.historyPrefix, k.meta, k.events, k.groupPrefix],
      args,
    )) as FinishCanceledCode[];
  }

  /**
   * Runs scheduled and retry tasks now: each goes to the back of its pending list at once, keeping its
   * attempts. Others are refused ('not_waiting', with their state). One result per id, in order.
   */
  async runNow(ids: string[]): Promise<TaskActionResult<RunNowCode>[]> {
    if (ids.length === 0) return [];
    const k = this.keys;
    const reply = (await this.run(
      'run_now',
      [k.pendingPrefix, k.scheduled, k.retry, k.taskPrefix, k.meta, k.events, k.groupPrefix],
      [this.now(), k.wakeChannel, ...ids.map((id) => this.localId(id))],
    )) as [RunNowCode, string][];
    return actionResults(ids, reply);
  }

  /** Stops workers from claiming this queue's tasks (enqueueing still works). */
  async pause(): Promise<void> {
    await this.redis.hset(this.keys.meta, 'paused', '1');
  }

  /** Lets workers claim again, and wakes idle ones (one MULTI). */
  async resume(): Promise<void> {
    await this.redis.multi().hdel(this.keys.meta, 'paused').publish(this.keys.wakeChannel, '1').exec();
  }

  /**
   * Replaces the queue's limits (a limit left out is removed) and wakes idle workers, in one script: a
   * raised limit lets them claim at once, and a group held at the old per-group limit takes turns again
   * (set_limits.lua). Each number must be a positive whole number.
   */
  async setLimits(limits: QueueLimits): Promise<void> {
    const fields: (string | number)[] = [];
    const add = (field: (typeof LIMIT_FIELDS)[number], value: number | undefined) => {
      if (value === undefined) return;
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new TqError('invalid', `${field} must be a whole number of at least 1, got ${value}`);
      }
      fields.push(field, value);
    };
    add('rateMax', limits.rate?.max);
    add('ratePeriodMs', limits.rate?.periodMs);
    add('concurrency', limits.concurrency);
    add('groupConcurrency', limits.groupConcurrency);
    await this.run('set_limits', [this.keys.meta, this.keys.groupPrefix], [this.keys.wakeChannel, ...fields]);
  }

  /** The queue's limits (an empty object when it has none). */
  async limits(): Promise<QueueLimits> {
    const values = await this.redis.hmget(this.keys.meta, ...LIMIT_FIELDS);
    return toLimits(values.map((v) => (v === null ? -1 : Number(v))));
  }

  /** The `limit` groups with the most pending tasks (most first), with their running tasks. */
  async listGroups(limit: number): Promise<GroupList> {
    const [total, running, rows] = (await this.run('list_groups', [this.keys.groupPrefix], [limit])) as [
      number,
      number,
      string[],
    ];
    const groups = [];
    for (let i = 0; i < rows.length; i += 3) {
      groups.push({ group: rows[i]!, pending: Number(rows[i + 1]), running: Number(rows[i + 2]) });
    }
    return { total: Number(total), running: Number(running), groups };
  }

  /** Counts per state, paused, and the oldest pending task's readiness time, at one instant. */
  async stats(): Promise<QueueStats> {
    const k = this.keys;
    const r = (await this.run(
      'stats',
      [
        k.pendingPrefix,
        k.scheduled,
        k.running,
        k.retry,
        k.dead,
        k.done,
        k.canceled,
        k.meta,
        k.taskPrefix,
        k.groupPrefix,
      ],
      [this.now()],
    )) as (number | string)[];
    const [now, pending, scheduled, running, retry, dead, done, canceled, paused, oldest, expired] = r
      .slice(0, 11)
      .map(Number) as StatsCounts;
    const events = r[11] as EventsMode;
    const [groups, ...limits] = r.slice(12).map(Number) as [number, ...number[]];
    return {
      queue: this.name,
      now,
      counts: { pending, scheduled, running, retry, dead, done, canceled },
      paused: paused === 1,
      oldestPendingAgeMs: oldest < 0 ? null : Math.max(0, now - oldest),
      expiredLeases: expired,
      events,
      groups,
      limits: toLimits(limits),
    };
  }

  /**
   * Attempts that ended (completed or failed) and failed ones, per minute, over the last `minutes` (1..1440),
   * oldest first, the current minute last. Kept 24 h after each hour ends.
   */
  async history(minutes: number): Promise<QueueHistory> {
    const [now, processed, failed] = (await this.run(
      'history',
      [this.keys.historyPrefix],
      [this.now(), minutes],
    )) as [number, number[], number[]];
    const firstMinuteAt = (Math.floor(now / 60_000) - minutes + 1) * 60_000;
    return { queue: this.name, now, firstMinuteAt, processed, failed };
  }

  /**
   * Stores a running task's progress and emits a 'progress' event. `value` is a number 0-100 or a JSON
   * object of at most PROGRESS_MAX_BYTES serialized; anything else throws `invalid` / `too_large` with
   * what to send instead. Refused ('lease_lost') for a stale token, like every lease operation.
   */
  async progress(lease: Lease, value: unknown): Promise<AckCode> {
    const json = serializeProgress(value);
    const k = this.keys;
    return (await this.run(
      'progress',
      [k.taskPrefix, k.meta, k.events],
      [this.now(), this.localId(lease.id), lease.token, json],
    )) as AckCode;
  }

  /**
   * Sets when transitions are written to the event stream: 'auto' (the default: while an API has event
   * clients), 'on' or 'off'.
   */
  async setEventsMode(mode: EventsMode): Promise<void> {
    if (mode === 'auto') await this.redis.hdel(this.keys.meta, 'events');
    else await this.redis.hset(this.keys.meta, 'events', mode);
  }

  /**
   * An event reader's lease: in 'auto' mode, transitions are written to the stream for at least `leaseMs`
   * from now (renew it before it runs out while clients listen). Returns the queue's mode.
   */
  async listenEvents(leaseMs: number): Promise<EventsMode> {
    return (await this.run('events_listen', [this.keys.meta], [this.now(), leaseMs])) as EventsMode;
  }

  /**
   * Up to `count` events after stream id `after` (exclusive; '0' = from the oldest kept), oldest first.
   * `oldest` is the oldest id the stream still holds (null when empty): events between `after` and it
   * were trimmed.
   */
  async readEvents(after: string, count = 1000): Promise<{ events: TaskEvent[]; oldest: string | null }> {
    const k = this.keys;
    const [entries, first] = await Promise.all([
      this.redis.xrange(k.events, `(${after}`, '+', 'COUNT', count),
      this.redis.xrange(k.events, '-', '+', 'COUNT', 1),
    ]);
    return { events: this.toEvents(entries), oldest: first[0]?.[0] ?? null };
  }

  /**
   * How many events the stream holds, how many were ever added to it (Redis 7.0 and later; `length` before)
   * and the id of the last one added, trimmed or not: `{0, 0, '0-0'}` when the stream is missing.
   */
  async eventStreamInfo(): Promise<{ length: number; entriesAdded: number; lastGenerated: string }> {
    const info = (await this.redis.xinfo('STREAM', this.keys.events).catch(() => [])) as unknown[];
    const field = (name: string) => {
      const at = info.indexOf(name);
      return at >= 0 ? info[at + 1] : undefined;
    };
    const length = Number(field('length') ?? 0);
    const lastGenerated = field('last-generated-id');
    return {
      length,
      entriesAdded: Number(field('entries-added') ?? length),
      lastGenerated: typeof lastGenerated === 'string' ? lastGenerated : '0-0',
    };
  }

  /** The id of the newest event ('0-0' when the stream is empty or missing). */
  async lastEventId(): Promise<string> {
    const [last] = await this.redis.xrevrange(this.keys.events, '+', '-', 'COUNT', 1);
    return last?.[0] ?? '0-0';
  }

  /** Turns stream entries of this queue into events. */
  toEvents(entries: [string, string[]][]): TaskEvent[] {
    return entries.map(([id, fields]) => {
      const event: TaskEvent = {
        id,
        taskId: '',
        queue: this.name,
        kind: 'pending',
        at: Number(id.slice(0, id.indexOf('-'))),
      };
      for (let i = 0; i < fields.length; i += 2) {
        const value = fields[i + 1]!;
        if (fields[i] === 't') event.taskId = this.fullId(value);
        else if (fields[i] === 'e') event.kind = value as TaskEventKind;
        else if (fields[i] === 'v') event.value = value;
      }
      return event;
    });
  }

  /** The task's stored record, or null. */
  async getTask(id: string): Promise<TaskRecord | null> {
    const hash = await this.redis.hgetall(this.keys.taskPrefix + this.localId(id));
    return toRecord(this.name, this.fullId(this.localId(id)), hash);
  }

  /**
   * One page of the tasks in `state`, from `options.cursor` (ADR 0015): pending in claim order, scheduled,
   * retry and running due first, dead, done and canceled newest first. At most `scanBudget` entries are
   * examined, so a `type` filter may answer fewer than `limit` tasks and a `next` cursor.
   */
  async listTasks(state: TaskStatus, options: ListTasksOptions = {}): Promise<TaskPageRecord> {
    const k = this.keys;
    const limit = options.limit ?? 50;
    const budget = Math.max(limit, options.scanBudget ?? DEFAULT_SCAN_BUDGET);
    const cursor = options.cursor === undefined ? undefined : decodeCursor(options.cursor, state);
    const order = LIST_ORDER[state];
    if (options.group !== undefined && state !== 'pending') {
      throw new TqError('invalid', `group lists pending tasks only; state ${state} is not grouped`);
    }
    const source =
      state !== 'pending'
        ? this.stateKey(state)
        : options.group === undefined
          ? k.pendingPrefix
          : groupPendingPrefix(this.name, options.group, this.tag);
    const position =
      cursor === undefined
        ? ['', '', '']
        : cursor.state === 'pending'
          ? [cursor.priority, cursor.tailIndex, cursor.localId]
          : [cursor.score, cursor.localId, ''];
    const ungroupedPending = state === 'pending' && options.group === undefined;
    const [[total, scanned, next, rows], inGroups] = await Promise.all([
      this.run(
        'list_tasks',
        [source, k.taskPrefix],
        [order, limit, budget, options.type ?? '', ...position],
      ) as Promise<[number, number, string[], string[]]>,
      ungroupedPending ? this.redis.get(k.groupPending) : null,
    ]);
    const tasks: TaskSummaryRecord[] = [];
    const page: TaskPageRecord = { state, total, scanned, next: null, tasks };
    if (ungroupedPending) page.inGroups = Number(inGroups ?? 0);
    for (let i = 0; i < rows.length; i += SUMMARY_FIELDS) {
      const [id, score, type, status, priority, attempt, maxAttempts, createdAt, readyAt, runAt] = rows.slice(
        i,
        i + 10,
      );
      const [startedAt, finishedAt, lastError, deadReason] = rows.slice(i + 10, i + SUMMARY_FIELDS);
      tasks.push({
        id: this.fullId(id!),
        queue: this.name,
        type: type!,
        status: status as TaskStatus,
        attempt: Number(attempt || 0),
        maxAttempts: Number(maxAttempts || 1),
        priority: Number(priority || 0),
        createdAt: Number(createdAt),
        readyAt: num(readyAt),
        runAt: num(runAt),
        startedAt: num(startedAt),
        finishedAt: num(finishedAt),
        lastError: lastError || undefined,
        deadReason: deadReason || undefined,
        leaseExpiresAt: state === 'running' ? num(score) : undefined,
      });
    }
    if (options.withCursors) {
      // The cursor just past each task: a merged page of a partitioned queue stops inside a partition's page.
      page.cursors = [];
      page.scores = [];
      for (let i = 0; i < rows.length; i += SUMMARY_FIELDS) {
        const [id, score] = [rows[i]!, rows[i + 1]!];
        if (state !== 'pending') page.scores.push(Number(score));
        const [priority, tailIndex] = score.split(':').map(Number);
        page.cursors.push(
          encodeCursor(
            state === 'pending'
              ? { state, priority: priority!, tailIndex: tailIndex!, localId: id }
              : { state, score, localId: id },
          ),
        );
      }
    }
    let nextCursor: string | null = null;
    if (next.length > 0) {
      nextCursor = encodeCursor(
        state === 'pending'
          ? { state, priority: Number(next[0]), tailIndex: Number(next[1]), localId: next[2]! }
          : { state, score: next[0]!, localId: next[1]! },
      );
    }
    page.next = nextCursor;
    return page;
  }

  /**
   * The redrive: dead tasks back to pending with fresh attempts. Without `ids`, every task that was dead
   * when the call started (a snapshot, taken in Redis by the first script call): a task that is redriven
   * and dies again during the call stays dead, so one call never redrives a task twice.
   */
  async requeueDead(ids?: string[], batch = 1000): Promise<{ requeued: string[]; notDead: string[] }> {
    const k = this.keys;
    const snapshot = k.redrivePrefix + newLeaseNonce();
    const requeued: string[] = [];
    const notDead: string[] = [];
    const run = async (mode: 'ids' | 'start' | 'next', localIds: string[] = []) => {
      const [r, m, left] = (await this.run(
        'requeue_dead',
        [k.pendingPrefix, k.dead, k.taskPrefix, snapshot, k.meta, k.events, k.groupPrefix],
        [this.now(), k.wakeChannel, batch, mode, REDRIVE_SNAPSHOT_TTL_MS, ...localIds],
      )) as [string[], string[], number];
      requeued.push(...r.map((id) => this.fullId(id)));
      notDead.push(...m.map((id) => this.fullId(id)));
      return left;
    };
    if (ids) {
      for (let i = 0; i < ids.length; i += batch)
        await run(
          'ids',
          ids.slice(i, i + batch).map((id) => this.localId(id)),
        );
    } else {
      for (let left = await run('start'); left > 0; left = await run('next'));
    }
    return { requeued, notDead };
  }

  /** Deletes dead tasks for good: the given ids, or all of them. Returns how many. */
  async purgeDead(ids?: string[], batch = 1000): Promise<number> {
    const k = this.keys;
    let total = 0;
    if (ids) {
      for (let i = 0; i < ids.length; i += batch) {
        const chunk = ids.slice(i, i + batch).map((id) => this.localId(id));
        total += Number(await this.run('purge_dead', [k.dead, k.taskPrefix], [batch, ...chunk]));
      }
      return total;
    }
    for (;;) {
      const n = Number(await this.run('purge_dead', [k.dead, k.taskPrefix], [batch]));
      total += n;
      if (n === 0) return total;
    }
  }

  /**
   * Applies retention once (at most `limit` deletions per state). With `archive` (archiving is on, ADR
   * 0030), only tasks an archiver confirmed are deleted; the others are held (counted in `held`, among
   * the oldest `limit` examined per state), except past the memory guard: a state holding more than its
   * count cap plus `archive.holdMax` (0 = no guard) loses its oldest tasks anyway, and their ids are in
   * `dropped`.
   */
  async trim(policy: RetentionPolicy, limit = 1000, archive?: { holdMax: number }): Promise<TrimResult> {
    const k = this.keys;
    const [[done, canceled, dead], [heldDone, heldCanceled, heldDead], dropped] = (await this.run(
      'trim',
      [k.done, k.canceled, k.dead, k.taskPrefix, k.archive],
      [
        this.now(),
        policy.finishedMaxAgeMs,
        policy.finishedMaxCount,
        policy.deadMaxAgeMs,
        policy.deadMaxCount,
        limit,
        archive ? '1' : '0',
        archive?.holdMax ?? 0,
      ],
    )) as [[number, number, number], [number, number, number], string[]];
    return {
      done,
      canceled,
      dead,
      held: { done: heldDone, canceled: heldCanceled, dead: heldDead },
      dropped: dropped.map((id) => this.fullId(id)),
    };
  }

  /**
   * Hands finished tasks past the archive frontiers to an archiver (ADR 0030), oldest first, at most
   * `limit` tasks and about `maxBytes` of payload and result (at least one task), under a lease of the
   * queue for `leaseMs`: while another archiver's lease runs the answer is `busy`. `limit` 0 only looks:
   * `oldestUnarchivedAt` without a lease. Nothing changes in Redis but the lease.
   */
  async archiveClaim(token: string, leaseMs: number, limit: number, maxBytes: number): Promise<ArchiveClaim> {
    const k = this.keys;
    const [code, now, oldest, epoch, cursors, rows] = (await this.run(
      'archive_claim',
      [k.done, k.canceled, k.dead, k.taskPrefix, k.archive],
      [this.now(), token, leaseMs, limit, maxBytes],
    )) as [ArchiveClaim['code'], number, string, string, [string, string, string], string[][]];
    const tasks: ArchivedTask[] = [];
    const orphans: string[] = [];
    for (const [, localId, , ...fields] of rows) {
      const id = this.fullId(localId!);
      const hash: Record<string, string> = {};
      for (let i = 0; i < fields.length; i += 2) hash[fields[i]!] = fields[i + 1]!;
      const record = toRecord(this.name, id, hash);
      if (!record || hash.finishedAt === undefined) orphans.push(id);
      else tasks.push({ record, version: hash.finishedAt });
    }
    return {
      code,
      now: Number(now),
      oldestUnarchivedAt: oldest === '' ? null : Number(oldest),
      epoch,
      cursors,
      tasks,
      orphans,
    };
  }

  /**
   * Tells Redis that PostgreSQL holds these tasks (committed): each one still in the state archived is
   * marked, so retention may delete it; the frontiers move to the claim's cursors. `release` gives the
   * lease back. One code per task, in order (see `ArchiveConfirmCode`).
   */
  async archiveConfirm(
    token: string,
    claim: Pick<ArchiveClaim, 'epoch' | 'cursors'>,
    tasks: { id: string; status: TaskStatus; version: string }[],
    release = false,
  ): Promise<ArchiveConfirmCode[]> {
    const k = this.keys;
    const args: (string | number)[] = [token, release ? '1' : '0', claim.epoch, ...claim.cursors];
    for (const t of tasks) args.push(this.localId(t.id), t.status, t.version);
    return (await this.run(
      'archive_confirm',
      [k.archive, k.taskPrefix, k.deleted],
      args,
    )) as ArchiveConfirmCode[];
  }

  /**
   * Deletes a finished task (done, canceled, dead) from Redis for good, leaving a tombstone for
   * `tombstoneMs` so that an archiver which read it before deletes the row it writes. Returns `deleted`,
   * `not_finished` (with the status: cancel it first) or `not_found`.
   */
  async deleteFinished(
    id: string,
    tombstoneMs = DELETE_TOMBSTONE_MS,
  ): Promise<{ code: DeleteCode; status: TaskStatus | null }> {
    const [{ code, status }] = (await this.deleteFinishedTasks([id], tombstoneMs)) as [
      TaskActionResult<DeleteCode>,
    ];
    return { code, status };
  }

  /** `deleteFinished` of many tasks in one script call. One result per id, in order. */
  async deleteFinishedTasks(
    ids: string[],
    tombstoneMs = DELETE_TOMBSTONE_MS,
  ): Promise<TaskActionResult<DeleteCode>[]> {
    if (ids.length === 0) return [];
    const k = this.keys;
    const reply = (await this.run(
      'delete_task',
      [k.done, k.canceled, k.dead, k.taskPrefix, k.deleted],
      [this.now(), tombstoneMs, ...ids.map((id) => this.localId(id))],
    )) as [DeleteCode, string][];
    return actionResults(ids, reply);
  }

  /**
   * Finds task hashes that say running without a lease (only a partial loss of Redis data leaves
   * them) and puts them back in pending. Walks every task hash with SCAN: run it rarely.
   */
  async repair(batch = 1000): Promise<string[]> {
    const k = this.keys;
    const repaired: string[] = [];
    const nodes: Redis[] = isCluster(this.redis) ? this.redis.nodes('master') : [this.redis];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(
          cursor,
          'MATCH',
          taskKeyPattern(this.name, this.tag),
          'COUNT',
          batch,
        );
        cursor = next;
        if (keys.length === 0) continue;
        const ids = keys.map((key) => key.slice(k.taskPrefix.length));
        const fixed = (await this.run(
          'repair',
          [k.pendingPrefix, k.running, k.taskPrefix, k.meta, k.events, k.groupPrefix],
          [this.now(), k.wakeChannel, ...ids],
        )) as string[];
        repaired.push(...fixed.map((id) => this.fullId(id)));
      } while (cursor !== '0');
    }
    return repaired;
  }

  /**
   * A worker's registration of a queue it serves: adds it to `tq:queues`, where the reaper finds it, and
   * marks it served for three times the interval (an empty queue a worker serves is never removed as idle).
   * Skipped when this process did so in the last 30 s; concurrent calls share one round trip. Rejects when
   * Redis refuses: the next call tries again.
   */
  register(): Promise<void> {
    if (Date.now() - this.registeredAt < REGISTER_EVERY_MS) return Promise.resolve();
    // Two commands, not one MULTI: tq:queues and the queue's own keys live on different slots of a
    // Redis Cluster (CROSSSLOT). Either failing leaves registeredAt alone, so the next call does both again.
    this.registering ??= Promise.all([
      this.redis.sadd(QUEUES_KEY, this.name),
      this.redis.set(this.keys.served, '1', 'PX', 3 * REGISTER_EVERY_MS),
    ])
      .then(() => {
        this.registeredAt = Date.now();
      })
      .finally(() => {
        this.registering = undefined;
      });
    return this.registering;
  }

  /**
   * Removes the queue from `tq:queues` when it holds no task in any of its seven states: `delete` (an
   * operator's call; its settings are deleted too) or `idle` (automatic: never a queue with settings or
   * one a worker serves). One script checks and unmarks the queue; the name leaves the registry before
   * that script and comes back when it refuses, so an enqueue racing the removal either makes it refuse or
   * registers the queue again itself. Returns why it did not remove, with the counts per state.
   */
  async remove(mode: 'delete' | 'idle'): Promise<RemoveResult> {
    // Partitions 1.. of a partitioned queue are not in the registry (the logical queue is, by partition 0).
    if (this.partition > 0) return this.removeScript(mode, false);
    const check = await this.removeScript(mode, true);
    if (check.code !== 'removed') return check;
    await this.redis.srem(QUEUES_KEY, this.name);
    try {
      const result = await this.removeScript(mode, false);
      if (result.code !== 'removed') await this.redis.sadd(QUEUES_KEY, this.name);
      return result;
    } catch (error) {
      // Not known to be removed: put the name back (if Redis lets us) rather than risk hiding the queue.
      await this.redis.sadd(QUEUES_KEY, this.name).catch(() => undefined);
      throw error;
    }
  }

  /**
   * The queue-side half of {@link remove} alone, `tq:queues` untouched: for a caller that took the name out
   * of the registry itself before every partition's removal and adds it back when one refuses
   * ({@link PartitionedQueue.remove}). `layoutTtlMs`: partition 0 of a partitioned queue, removed, keeps
   * its layout that many ms (ADR 0050); undefined keeps it for ever.
   */
  removeUnlisted(mode: 'delete' | 'idle', layoutTtlMs?: number): Promise<RemoveResult> {
    return this.removeScript(mode, false, layoutTtlMs);
  }

  /** What `remove(mode)` would answer now: a dry run of its script, nothing changes. */
  removable(mode: 'delete' | 'idle'): Promise<RemoveResult> {
    return this.removeScript(mode, true);
  }

  private async removeScript(
    mode: 'delete' | 'idle',
    dry: boolean,
    layoutTtlMs?: number,
  ): Promise<RemoveResult> {
    const k = this.keys;
    const [code, ...counts] = (await this.run(
      'remove_queue',
      [
        k.pendingPrefix,
        k.scheduled,
        k.running,
        k.retry,
        k.dead,
        k.done,
        k.canceled,
        k.meta,
        k.registered,
        k.served,
        k.events,
        k.schedules,
        k.archive,
        k.starts,
        k.groupPrefix,
      ],
      [mode, dry ? '1' : '0', this.now(), layoutTtlMs ?? ''],
    )) as [RemoveResult['code'], ...number[]];
    const [pending, scheduled, running, retry, dead, done, canceled] = counts.map(Number);
    return {
      code,
      counts: {
        pending: pending!,
        scheduled: scheduled!,
        running: running!,
        retry: retry!,
        dead: dead!,
        done: done!,
        canceled: canceled!,
      },
    };
  }

  /**
   * The reaper's O(1) look at the queue: Redis time, the earliest lease deadline, scheduled run time or
   * retry time (null when none is waiting), and the next slot of its schedules (null when it has none, or
   * all are paused). Work is due when `earliest <= now`; a schedule when `scheduleAt <= now`. And the
   * partition layout's generation this partition's meta holds (partition 0's is the queue's; 0 = none).
   */
  async due(): Promise<{
    now: number;
    earliest: number | null;
    scheduleAt: number | null;
    layoutGeneration: number;
  }> {
    const k = this.keys;
    const [now, earliest, scheduleAt, layoutGeneration] = (
      (await this.run(
        'due',
        [k.running, k.scheduled, k.retry, k.schedules, k.meta],
        [this.now()],
      )) as number[]
    ).map(Number) as [number, number, number, number];
    return {
      now,
      earliest: earliest < 0 ? null : earliest,
      scheduleAt: scheduleAt < 0 || scheduleAt >= NEVER_MS ? null : scheduleAt,
      layoutGeneration,
    };
  }

  /**
   * The claim script's ARGV, every one of them (see claim.lua), which complete_and_claim also takes first: its
   * one key is the queue's key base (ADR 0056).
   */
  private async claimArgs(
    count: number,
    leaseMs: number,
    promoteLimit: number,
    workerId: string,
  ): Promise<(string | number)[]> {
    return [this.now(), count, leaseMs, newLeaseNonce(), await this.deadline(), workerId, promoteLimit];
  }

  /** Reads the claim script's reply from `reply[from]` on: the leased tasks and what held the claim back. */
  private claimResult(reply: Buffer, from: number): ClaimResult {
    const { now, nextDueAt, retryAt, limitedBy, tasks } = readClaimReply(
      reply,
      from,
      this.name,
      this.idPrefix,
    );
    if (!this.clock) observeRedisTime(this.redis, now);
    return {
      now,
      nextDueAt: nextDueAt < 0 ? null : nextDueAt,
      tasks,
      limitedBy: limitedBy.length === 0 ? null : (limitedBy as ClaimLimit),
      retryAt: retryAt < 0 ? null : retryAt,
    };
  }

  /** The sorted set that holds the tasks of a state other than pending. */
  private stateKey(state: Exclude<TaskStatus, 'pending'>): string {
    return this.keys[state];
  }

  private run(name: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown> {
    return runScript(this.redis, name, keys, args);
  }

  /** The claim and extend scripts' deadline argument: when this call's command timeout fires (ADR 0006). */
  private deadline(): Promise<string> {
    return callDeadline(this.redis, this.clock);
  }

  private now(): string {
    return this.clock ? String(this.clock.now()) : '';
  }

  private localId(id: string): string {
    // The ids this partition's claims answered (every acknowledgement): its prefix and a well-formed local
    // id say what parsing would, without the queue name's pattern and a parsed object.
    if (id.startsWith(this.idPrefix)) {
      const local = id.slice(this.idPrefix.length);
      if (LOCAL_ID_PATTERN.test(local)) return local;
    }
    const parsed = parseTaskId(id);
    if (!parsed || parsed.queue !== this.name || (parsed.partition ?? 0) !== this.partition) {
      throw new TqError('not_found', `task id ${JSON.stringify(id)} does not belong to queue ${this.name}`);
    }
    return parsed.localId;
  }

  /** The local id of a task id made for this queue (by `newTaskId`): a prefix check, no parsing. */
  private ownLocalId(id: string): string {
    if (!id.startsWith(this.idPrefix)) {
      throw new TqError('invalid', `task id ${JSON.stringify(id)} was not made for queue ${this.name}`);
    }
    return id.slice(this.idPrefix.length);
  }

  private fullId(localId: string): string {
    return this.idPrefix + localId;
  }
}

/** The enqueue script's reply (enqueue.lua): now (every task created), [now, 'unregistered'], or [now, one result per task]. */
type EnqueueReply = number | [number, ...string[]];

/** How long an unpark element nobody popped (its worker stopped parking) stays: it ends one parked claim early. */
const UNPARK_TTL_MS = 60_000;

/** The enqueue gate of each hash tag per connection: every Queue object of one partition shares it. */
const gates = new WeakMap<RedisClient, Map<string, EnqueueGate>>();

function enqueueGate(redis: RedisClient, tag: string): EnqueueGate {
  let byTag = gates.get(redis);
  if (!byTag) gates.set(redis, (byTag = new Map<string, EnqueueGate>()));
  let gate = byTag.get(tag);
  if (!gate) byTag.set(tag, (gate = new EnqueueGate()));
  return gate;
}

type ClaimLimit = 'concurrency' | 'rate' | 'deadline';

/** The stats script's first 11 numbers: now, the counts, paused, oldest, expired (see stats.lua). */
type StatsCounts = [number, number, number, number, number, number, number, number, number, number, number];

/** Limits from the stats reply's numbers (rate max, rate period, concurrency, group concurrency; -1 = none). */
function toLimits([rateMax, ratePeriodMs, concurrency, groupConcurrency]: number[]): QueueLimits {
  const limits: QueueLimits = {};
  if (rateMax! > 0 && ratePeriodMs! > 0) limits.rate = { max: rateMax!, periodMs: ratePeriodMs! };
  if (concurrency! > 0) limits.concurrency = concurrency;
  if (groupConcurrency! > 0) limits.groupConcurrency = groupConcurrency;
  return limits;
}

/**
 * Appends one task's enqueue arguments (enqueue.lua's header): id, type, payload, then the letters of the
 * fields not at their default and their values. A task with every default takes four arguments, not 14.
 */
function pushEnqueueFields(out: (string | number)[], localId: string, t: NewTask): void {
  let options = '';
  const values: (string | number)[] = [];
  const add = (letter: string, value: string | number) => {
    options += letter;
    values.push(value);
  };
  if (t.priority) add('p', t.priority);
  if (t.runAt != null) add('a', t.runAt);
  if (t.delayMs != null) add('d', t.delayMs);
  if (t.maxAttempts !== DEFAULT_MAX_ATTEMPTS) add('m', t.maxAttempts);
  if (t.timeoutMs != null) add('t', t.timeoutMs);
  if (t.idempotencyKey) {
    add('k', t.idempotencyKey);
    add('w', t.idempotencyWindowMs ?? 0);
    if (t.fingerprint) add('f', t.fingerprint);
    if (t.previousFingerprint) add('v', t.previousFingerprint);
  }
  if (t.traceparent) add('c', t.traceparent);
  if (t.group) add('g', t.group);
  out.push(localId, t.type, t.payload, options, ...values);
}

/** The codes of complete.lua's reply: '' when every one of `count` tasks was completed, else one per task. */
function ackCodes(reply: string, count: number): AckCode[] {
  return reply === '' ? new Array<AckCode>(count).fill('ok') : (reply.split(' ') as AckCode[]);
}

/** Pairs the ids an action was given with its script's {code, status before} rows ('' status = none). */
function actionResults<Code extends string>(ids: string[], rows: [Code, string][]): TaskActionResult<Code>[] {
  return rows.map(([code, status], i) => ({
    id: ids[i]!,
    code,
    status: status === '' ? null : (status as TaskStatus),
  }));
}

/** The names of every queue that has received a task. */
export async function listQueues(redis: RedisClient): Promise<string[]> {
  return (await redis.smembers(QUEUES_KEY)).sort();
}

function num(value: string | undefined): number | undefined {
  return value === undefined || value === '' ? undefined : Number(value);
}

/**
 * A stored task hash as a record, in either format (ADR 0045): format 2 names type, payload, createdAt
 * and maxAttempts t, p, c and m, leaves m out at DEFAULT_MAX_ATTEMPTS and status out while pending.
 */
function toRecord(queue: string, id: string, hash: Record<string, string> | null): TaskRecord | null {
  if (!hash) return null;
  const compact = hash.t !== undefined;
  const status = hash.status ?? (compact ? 'pending' : undefined);
  if (status === undefined) return null;
  return {
    id,
    queue,
    type: (compact ? hash.t : hash.type) ?? '',
    payload: (compact ? hash.p : hash.payload) ?? 'null',
    status: status as TaskStatus,
    attempt: Number(hash.attempt ?? 0),
    maxAttempts: Number(compact ? (hash.m ?? DEFAULT_MAX_ATTEMPTS) : (hash.maxAttempts ?? 1)),
    priority: Number(hash.priority ?? 0),
    timeoutMs: num(hash.timeoutMs),
    createdAt: Number(compact ? hash.c : hash.createdAt),
    readyAt: num(hash.readyAt),
    runAt: num(hash.runAt),
    startedAt: num(hash.startedAt),
    finishedAt: num(hash.finishedAt),
    result: hash.result,
    lastError: hash.lastError,
    errors: hash.errors ? (JSON.parse(hash.errors) as TaskRecord['errors']) : [],
    deadReason: hash.deadReason,
    idempotencyKey: hash.idempotencyKey,
    progress: hash.progress,
    traceparent: hash.traceparent,
    schedule:
      hash.schedule === undefined
        ? undefined
        : { id: hash.schedule, slot: Number(hash.slot), missed: Number(hash.missed ?? 0) },
    group: hash.group,
    postponed: num(hash.postponed),
    workerId: hash.worker,
    // A request bound to an earlier lease means nothing (ADR 0019).
    cancelRequestedAt:
      status === 'running' && hash.cancelToken !== undefined && hash.cancelToken === hash.token
        ? num(hash.cancelAt)
        : undefined,
  };
}

/** A progress value as stored: a number 0-100, or a JSON object of at most PROGRESS_MAX_BYTES. */
function serializeProgress(value: unknown): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0 || value > 100) {
      throw new TqError('invalid', `progress must be a number from 0 to 100 or a JSON object; got ${value}`);
    }
    return String(value);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TqError(
      'invalid',
      `progress must be a number from 0 to 100 or a JSON object such as {"done":3,"of":10}; got ${
        Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value
      }`,
    );
  }
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new TqError('invalid', `progress must be serializable as JSON: ${(error as Error).message}`);
  }
  const bytes = Buffer.byteLength(json);
  if (bytes > PROGRESS_MAX_BYTES) {
    throw new TqError(
      'too_large',
      `progress is ${bytes} bytes as JSON; the limit is ${PROGRESS_MAX_BYTES}: report a summary (counts, a step name), not data`,
    );
  }
  return json;
}

/**
 * The error of an enqueue that fewer replicas than asked confirmed in time (ADR 0044): `unavailable`, since
 * the outcome is unknown to the caller (stored on the master, but a failover now could lose it).
 */
function notReplicated(queue: string, count: number, replicas: number, wait: ReplicaWait): TqError {
  return new TqError(
    'unavailable',
    `the ${count === 1 ? 'task was' : `${count} tasks were`} stored on the Redis master of queue ${queue}, but ` +
      `${replicas} of the ${wait.replicas} replicas asked for confirmed ${count === 1 ? 'it' : 'them'} within ` +
      `${wait.timeoutMs} ms: a failover now could lose ${count === 1 ? 'it' : 'them'}, or ${count === 1 ? 'it' : 'they'} may ` +
      'exist and run; retry with the same idempotency key to be safe',
    { queue, replicas, replicasWanted: wait.replicas, waitTimeoutMs: wait.timeoutMs },
  );
}
