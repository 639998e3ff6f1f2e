import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_MAX_POSTPONEMENTS,
  MAX_LISTED_RUNNING,
  QueueDirectory,
  WorkerRegistry,
  assertQueueName,
  closeRedis,
  commandTimeoutOf,
  isCluster,
  queueKeys,
  type AckCode,
  type ClaimResult,
  type ClaimedTask,
  type FailCode,
  type PartitionedQueue,
  type RedisClient,
} from '@tq/core';
import {
  CLOSE_TIMEOUT_MS,
  SHUTDOWN_MARGIN_MS,
  createLogger,
  settleBy,
  withSafeErrors,
  type Logger,
} from '@tq/ops';
import { DEFAULT_BACKOFF, backoffDelayMs, type BackoffPolicy } from '@tq/task';
import { Registry } from 'prom-client';
import { AckBuffer } from './ack-buffer';
import { Deadlines } from './deadlines';
import { LeaseLostError, ShutdownError, TaskCanceledError, TaskTimeoutError } from './errors';
import { Heartbeat, WORKER_VERSION, newWorkerId } from './heartbeat';
import { LeaseKeeper } from './lease-keeper';
import { WorkerMetrics, type AckOperation } from './metrics';
import type { Outcome } from './outcome';
import { runTask } from './run-task';
import { RunningTask } from './running-task';
import { RunningTasks } from './running-tasks';
import { serializeResult } from './serialize-result';
import {
  WORKER_OPTION_KEYS,
  WORKER_OPTION_RANGES,
  handlerProblem,
  type WorkerOptions,
  type WorkerStatus,
} from './worker-options';
import { Waker } from './waker';

/** Creates a worker; call start() to begin claiming and stop() to shut down gracefully. */
export function createWorker(options: WorkerOptions): Worker {
  return new Worker(options);
}

/**
 * Integer option `name`, or its default, checked against WORKER_OPTION_RANGES. A bad value fails createWorker
 * naming the option: a claimBatch of 0 made the claim loop spin without yielding (freezing the host process),
 * and a concurrency of 0, below 0 or NaN gave a worker that never ran a task.
 */
function intOption(name: keyof typeof WORKER_OPTION_RANGES, value: number | undefined): number {
  const [fallback, min, max] = WORKER_OPTION_RANGES[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `createWorker: ${name} must be an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}

/** createWorker needs known option keys and an object of handler functions by task type. */
function checkOptions(options: WorkerOptions): void {
  const unknown = Object.keys(options).filter((key) => !WORKER_OPTION_KEYS.includes(key));
  if (unknown.length > 0)
    throw new TypeError(
      `createWorker: unknown option ${unknown.map((key) => `"${key}"`).join(', ')}; ` +
        `the options are ${WORKER_OPTION_KEYS.join(', ')}`,
    );
  const handlers: unknown = options.handlers;
  if (typeof handlers !== 'object' || handlers === null || Array.isArray(handlers))
    throw new TypeError('createWorker: handlers must be an object of handler functions by task type');
  for (const [type, handler] of Object.entries(handlers)) {
    const problem = handlerProblem(type, handler);
    if (problem !== undefined) throw new TypeError(`createWorker: ${problem}`);
  }
}

/** How long the loop pauses after a failed claim (Redis unreachable), growing to the cap. */
const CLAIM_RETRY_MIN_MS = 100;
const CLAIM_RETRY_MAX_MS = 2000;
/** How long past its pop's timeout a parked claim may take to answer before an unpark is sent after it. */
const PARK_UNPARK_SLACK_MS = 1000;
/** Most time taken for a parked claim's answer to be read, for the lease's local watch (a tenth of the lease if less). */
const PARK_REPLY_SLACK_MS = 1000;

/**
 * The claim loop: leases tasks in batches into free slots, runs their handlers, acknowledges the outcomes
 * in batches, and sleeps on the queues' wake channels when there is nothing to do. Each queue is one
 * logical queue over its partitions (ADR 0040; an unpartitioned queue is one partition), opened through a
 * QueueDirectory so a new layout is picked up within its TTL; a task's acknowledgements go to the
 * partition its id names.
 */
export class Worker {
  readonly registry: Registry;
  /** The queue names, claimed from in turn. */
  private readonly names: string[];
  private readonly directory: QueueDirectory;
  /** Each queue with the layout in use: the claim loop reads it without waiting (see queueFor). */
  private readonly current = new Map<string, PartitionedQueue>();
  /** The directory's answer each queue's layout was last taken from. */
  private readonly opened = new Map<string, Promise<PartitionedQueue>>();
  private readonly running = new RunningTasks();
  private readonly metrics: WorkerMetrics;
  private readonly logger: Logger;
  private readonly waker: Waker;
  private readonly keeper: LeaseKeeper;
  private readonly heartbeat: Heartbeat;
  /** This worker's id in the live-worker registry (GET /workers). */
  readonly id = newWorkerId();
  private startedAt = 0;
  /** Handler timeouts. */
  private readonly deadlines: Deadlines;
  /** Lease expiries on this worker's clock: the handler stops when the lease may have ended. */
  private readonly leases: Deadlines;
  private readonly acks: AckBuffer;
  private readonly backoff: BackoffPolicy;
  private readonly concurrency: number;
  private readonly visibilityMs: number;
  private readonly claimBatch: number;
  /** Free slots at which the next claim goes out at once, while the other handlers still run. */
  private readonly claimAhead: number;
  /** Most tasks one claim asks for: half the slots, so that a second claim can be on its way (lanes). */
  private readonly claimMax: number;
  /** Slots that claims on their way asked for: not free for the next claim. */
  private reserved = 0;
  private readonly taskTimeoutMs: number;
  private readonly idlePollMs: number;
  private readonly shutdownTimeoutMs: number;
  private readonly random: () => number;
  private starting: Promise<void> | undefined;
  private loop: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private waiting = false;
  /** A lane waits for work (drained queues) or for the retry backoff: the other one parks meanwhile. */
  private watching = false;
  /** Lanes parked until a backlog (claimLoop). */
  private parkedLanes = 0;
  /** Claims on their way (claimInto). */
  private claimsOut = 0;
  /**
   * Per lane: the wake-up generation read when its round of claims began, while the round is on (else
   * undefined). A round covers every event up to that generation: its claims were sent after them.
   */
  private readonly rounds: [number | undefined, number | undefined] = [undefined, undefined];
  /** End the claim lanes' waits for free slots. */
  private readonly slotWaiters: (() => void)[] = [];
  /** Ends the second lane's wait for a backlog (see claimLoop). */
  private backlogWaiter: (() => void) | undefined;
  /** The ack buffer holds the completes back for a claim in this turn (holdCompletes). */
  private claimDue = false;
  private turnEndScheduled = false;
  /** Ends stop()'s wait for the running handlers. */
  private allFreeWaiter: (() => void) | undefined;
  /** The connection parked claims wait on (blockingConnection), once one was parked. */
  private blocking: RedisClient | undefined;

  constructor(private readonly options: WorkerOptions) {
    checkOptions(options);
    const names = [...new Set(options.queues ?? ['default'])];
    if (names.length === 0) throw new Error('a worker needs at least one queue');
    for (const name of names) assertQueueName(name);
    this.names = names;
    this.directory = new QueueDirectory(options.redis, options.clock, {
      layoutTtlMs: options.layoutTtlMs,
      defaultPartitions: options.defaultPartitions,
    });
    this.concurrency = intOption('concurrency', options.concurrency);
    this.visibilityMs = intOption('visibilityTimeoutMs', options.visibilityTimeoutMs);
    this.claimBatch = intOption('claimBatch', options.claimBatch);
    // Half a batch: the claim for one half is on its way while the handlers of the other half run.
    this.claimAhead = Math.max(1, Math.floor(Math.min(this.claimBatch, this.concurrency) / 2));
    this.claimMax = Math.min(this.claimBatch, Math.ceil(this.concurrency / 2));
    this.taskTimeoutMs = intOption('taskTimeoutMs', options.taskTimeoutMs);
    this.idlePollMs = intOption('idlePollMs', options.idlePollMs);
    this.shutdownTimeoutMs = intOption('shutdownTimeoutMs', options.shutdownTimeoutMs);
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.random = options.random ?? Math.random;
    // Component loggers are children of the base logger, not of this.logger: pino appends bindings, so a
    // child of it would write "component" twice in one JSON line (pipelines reject or drop such lines).
    const baseLogger = withSafeErrors(options.logger ?? createLogger('worker', 'silent'));
    this.logger = baseLogger.child({ component: 'worker' });
    this.registry = options.registry ?? new Registry();
    this.metrics = new WorkerMetrics(this.registry, {
      queues: names,
      types: Object.keys(options.handlers),
      pool: options.pool ?? 'default',
      slots: this.concurrency,
      busySlots: () => this.running.size,
    });
    // A lane woken to claim takes the completes along (complete_and_claim): the buffer keeps them till then.
    this.acks = new AckBuffer(options.maxPostponements ?? DEFAULT_MAX_POSTPONEMENTS, () =>
      this.holdCompletes(),
    );
    // Cluster and single-node clients both have duplicate(), with signatures TypeScript cannot unify.
    const subscriber =
      options.subscriber ?? (options.redis.duplicate as () => RedisClient).call(options.redis);
    // Partition 0's channels (every queue has a partition 0); start() adds the others once it has read
    // the layouts, and a layout change adds those of new partitions (use).
    this.waker = new Waker(
      subscriber,
      names.map((name) => queueKeys(name).wakeChannel),
      baseLogger.child({ component: 'waker' }),
      () => this.wakeWhileClaiming(),
    );
    this.keeper = new LeaseKeeper({
      leaseMs: this.visibilityMs,
      running: () => this.running.values(),
      onExtended: (entry) => this.metrics.leaseExtensions.labels(entry.task.queue).inc(),
      onLost: (entry, code) => this.loseLease(entry, code),
      onCancel: (entry) => this.cancelRunning(entry),
      logger: baseLogger.child({ component: 'lease-keeper' }),
    });
    this.heartbeat = new Heartbeat({
      registry: new WorkerRegistry(options.redis, options.clock),
      intervalMs: options.heartbeatIntervalMs ?? 5000,
      info: () => ({
        id: this.id,
        host: hostname(),
        pid: process.pid,
        queues: names,
        concurrency: this.concurrency,
        busySlots: this.running.size,
        startedAt: this.startedAt,
        version: WORKER_VERSION,
        runningTaskIds: [...this.running.values()].slice(0, MAX_LISTED_RUNNING).map((e) => e.task.id),
      }),
      logger: baseLogger.child({ component: 'heartbeat' }),
    });
    this.deadlines = new Deadlines(
      () => this.running.values(),
      (entry) => entry.deadline,
      (entry) => entry.abort(new TaskTimeoutError(entry.timeoutMs)),
    );
    // Fires at leaseFrom + lease whatever the network does: an extend that hangs (a half-open link, a
    // Redis that stopped answering) cannot keep a handler running past a lease the reaper may have
    // handed to another worker. Only an accepted extend moves leaseFrom.
    this.leases = new Deadlines(
      () => this.running.values(),
      (entry) => entry.leaseFrom + this.visibilityMs,
      (entry) => this.loseLease(entry, 'expired'),
    );
  }

  /** Subscribes to the wake channels, then starts claiming. A stopped worker cannot start again. */
  start(): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('this worker was stopped; create a new one'));
    this.starting ??= this.subscribeAndRun();
    return this.starting;
  }

  private async subscribeAndRun(): Promise<void> {
    // The layouts and the subscription together: a partition channel read after the first SUBSCRIBE was
    // sent is subscribed once it is answered (Waker.follow). A layout that cannot be read (Redis
    // unreachable: the subscription keeps trying too) is read again by the claim loop.
    const layouts = this.names.map((name) => Promise.resolve(this.queueFor(name)).catch(() => undefined));
    await Promise.all([...layouts, this.waker.start()]);
    if (this.stopping) return; // stop() came while subscribing
    this.keeper.start();
    this.startedAt = Date.now();
    this.heartbeat.start();
    this.loop = Promise.all([this.claimLoop(0), this.claimLoop(1)]).then(() => undefined);
    this.logger.info(
      {
        workerId: this.id,
        queues: this.names,
        partitions: this.names.map((name) => this.current.get(name)?.count ?? null),
        concurrency: this.concurrency,
        visibilityTimeoutMs: this.visibilityMs,
      },
      'worker started',
    );
  }

  /**
   * Graceful stop: claims nothing more at once; lets running handlers finish for up to shutdownTimeoutMs
   * while their leases are still extended; then releases the rest to pending (no attempt spent) and aborts
   * their signals; waits for every acknowledgement; closes the subscriber. Leaves `redis` open.
   * Resolves within shutdownTimeoutMs + SHUTDOWN_MARGIN_MS (2 s) whatever Redis does: what Redis has not
   * confirmed by then (Redis down) is left to lease expiry and the reaper, never lost.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  status(): WorkerStatus {
    return {
      slots: this.concurrency,
      busySlots: this.running.size,
      waiting: this.waiting,
      stopping: this.stopping !== undefined,
    };
  }

  private async shutdown(): Promise<void> {
    this.logger.info(
      { running: this.running.size, shutdownTimeoutMs: this.shutdownTimeoutMs },
      'stopping: no more claims',
    );
    // The grace period counts from the signal: a claim stuck on an unreachable Redis eats into it, and is
    // waited for past it only until the margin ends (a claim answered later gives its tasks straight back:
    // startTask).
    const deadline = Date.now() + this.shutdownTimeoutMs;
    // Releasing, the last acknowledgements and closing the subscriber get the margin after it.
    const acksBy = deadline + SHUTDOWN_MARGIN_MS - CLOSE_TIMEOUT_MS;
    this.waker.notify();
    this.releaseCompletes();
    this.wakeClaimLoop();
    this.wakeBacklog();
    await settleBy(deadline, Promise.all([this.starting, this.loop]));
    if (this.running.size > 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.allFreeWaiter = undefined;
          resolve();
        };
        const timer = setTimeout(done, deadline - Date.now());
        this.allFreeWaiter = done;
      });
    }
    // A claim still on its way is waited for, within the margin, before the running tasks are released: a
    // partitioned queue's claim goes partition by partition, so it would lease again a task released
    // meanwhile in a partition it had not reached yet. The tasks it brings are given straight back (startTask).
    await settleBy(acksBy, Promise.allSettled([this.starting, this.loop]));
    for (const entry of [...this.running.values()]) this.releaseRunning(entry);
    this.deadlines.stop();
    this.leases.stop();
    const lastWrites = [this.acks.drain(), this.keeper.stop()];
    if (this.startedAt > 0) lastWrites.push(this.heartbeat.stop());
    if (!(await settleBy(acksBy, Promise.all(lastWrites))))
      this.logger.warn(
        'Redis did not confirm the last acknowledgements in time: those tasks run again after their lease expires',
      );
    await this.waker.stop();
    if (this.blocking) await closeRedis(this.blocking, CLOSE_TIMEOUT_MS);
    this.logger.info('worker stopped');
  }

  /**
   * One of the two claim lanes. Each claim asks for at most half the slots (claimMax), so that while one
   * lane's batch runs the other lane's claim is at Redis: with quick handlers the worker and Redis work at
   * the same time instead of taking turns. A lane whose claims come back short (the queues are drained) or
   * fail watches for work (wake messages, due times, the idle poll, the retry backoff) unless the other lane
   * already does: then it parks until a claim comes back full. So an idle worker sends one claim per
   * wake-up, and one lane always either claims, waits for slots or watches.
   */
  private async claimLoop(lane: 0 | 1): Promise<void> {
    let offset = lane;
    let failures = 0;
    // Lane 1 starts parked: lane 0 claims first, and wakes it if that claim comes back full.
    let parked = lane === 1;
    while (!this.stopping) {
      if (parked) {
        this.parkedLanes++;
        await this.untilBacklog();
        this.parkedLanes--;
        parked = false;
        continue;
      }
      // Read before claiming: an event during the claims ends the wait below at once (no lost wake-up).
      const since = this.waker.generation;
      this.rounds[lane] = since;
      let drained = true;
      let failed = false;
      let dueInMs = Infinity;
      for (let i = 0; i < this.names.length && !this.stopping; i++) {
        const want = Math.min(this.freeSlots(), this.claimMax);
        if (want <= 0) {
          drained = false; // the slots ran out, not (as far as we know) the queues
          this.releaseCompletes();
          break;
        }
        const name = this.names[(offset + i) % this.names.length]!;
        try {
          const claim = await this.claimInto(name, want);
          if (claim.tasks.length === want) drained = false;
          if (claim.nextDueAt !== null) dueInMs = Math.min(dueInMs, claim.nextDueAt - claim.now);
          // A full rate window: sleep until it has room (a concurrency limit sends a wake message instead).
          if (claim.retryAt !== null) dueInMs = Math.min(dueInMs, claim.retryAt - claim.now);
        } catch (error) {
          failed = true;
          this.logger.warn({ err: error, queue: name }, 'claim failed; retrying');
        }
      }
      this.rounds[lane] = undefined;
      offset++; // the next round starts at the next queue, so one busy queue cannot starve the others
      if (this.stopping) break;
      if (!failed && !drained) {
        failures = 0;
        this.wakeBacklog();
        await this.slotsToClaim();
        continue;
      }
      // The other lane watches for work, or its round began after every event so far (wakeWhileClaiming):
      // it then watches or finds a backlog when its round ends, so this lane would only claim again.
      const other = this.rounds[lane === 0 ? 1 : 0];
      if (this.watching || (other !== undefined && other >= this.waker.generation)) {
        parked = true;
        continue;
      }
      this.watching = true;
      if (failed) {
        failures++;
        await this.waker.wait(
          this.waker.generation,
          Math.min(CLAIM_RETRY_MIN_MS * 2 ** (failures - 1), CLAIM_RETRY_MAX_MS),
        );
      } else {
        failures = 0;
        // Every queue came back short, so its pending list is empty (a push will publish a wake message)
        // or its limit held the claim back (a task ending under a concurrency limit publishes one too).
        // Wake up by ourselves when a scheduled or retry task falls due (no reaper needed for those) or the
        // rate window has room. A slot freed meanwhile is no reason to claim again: the queues are as they
        // were.
        this.waiting = true;
        const blockMs = Math.max(1, Math.min(dueInMs, this.idlePollMs));
        const parkable = this.parkable();
        if (parkable) await this.parkWhileIdle(parkable, since, blockMs);
        else await this.waker.wait(since, blockMs);
        this.waiting = false;
      }
      this.watching = false;
    }
  }

  /**
   * The queue an idle worker parks its claims on (ADR 0061): its one queue, when it has one partition, Redis is
   * a single node and Redis's clock is the claims' (a parked claim runs at a time nobody knows in advance, so it
   * cannot take an injected clock's time). Other workers wait for wake messages.
   */
  private parkable(): PartitionedQueue | undefined {
    const { parkClaims = true, clock, redis } = this.options;
    if (!parkClaims || this.names.length !== 1 || clock || isCluster(redis)) return undefined;
    const queue = this.current.get(this.names[0]!);
    return queue?.count === 1 ? queue : undefined;
  }

  /**
   * Watches for work with claims parked in Redis (ADR 0061): each waits behind a blocking pop of the queue's
   * signal list and runs when a wake is pushed, so an idle task starts one hop after its enqueue instead of a
   * wake message and a claim's round trip later. An event the parked claim must see (a wake message of
   * another kind or for another worker, a due time, stop) unparks it: its claim runs at once. Returns when a
   * round of claims is due: a parked claim came back full (a backlog), an event may have come after it ran,
   * it failed, no slot is free, or the worker stops.
   */
  private async parkWhileIdle(queue: PartitionedQueue, since: number, blockMs: number): Promise<void> {
    // Between two parks too: a wake pushed meanwhile waits in the signal list for the next park to take.
    this.waker.setParked(true);
    try {
      await this.parkLoop(queue, since, blockMs);
    } finally {
      this.waker.setParked(false);
    }
  }

  private async parkLoop(queue: PartitionedQueue, since: number, blockMs: number): Promise<void> {
    const partition = queue.partitions[0]!;
    while (!this.stopping) {
      // The layout as claims read it (queueFor, read again once its TTL passed): a new one (partitions added)
      // is used by the next round.
      if (this.queueFor(queue.name) !== queue || this.parkable() !== queue) return;
      const want = Math.min(this.freeSlots(), this.claimMax);
      if (want <= 0) return;
      // The events the claim covers: those before it was sent, and those before an unpark it ran after.
      let covered = since;
      const cancel = this.waker.onEvent(since, blockMs + PARK_UNPARK_SLACK_MS, () => {
        covered = this.waker.generation;
        partition
          .unpark(this.id)
          .catch((error: unknown) => this.logger.debug({ err: error }, 'unparking the idle claim failed'));
      });
      const sentAt = performance.now();
      this.reserved += want;
      let parked: { wake: string | null; claim: ClaimResult };
      try {
        parked = await partition.parkedClaim(
          this.blockingConnection(),
          want,
          this.visibilityMs,
          blockMs,
          this.id,
        );
      } catch (error) {
        this.logger.warn({ err: error, queue: queue.name }, 'parked claim failed; retrying');
        return;
      } finally {
        cancel(); // no unpark after this park: its waiter is gone
        this.reserved -= want;
      }
      if (parked.wake !== null) this.waker.took(parked.wake);
      const { claim } = parked;
      // The leases began when the claim ran, unknown here but for its bounds: after the park was sent, and
      // (answered in the same pass of Redis's loop) just before its answer came; the local watch of each lease
      // takes the earliest time the latter allows, as a claim's send time errs early.
      const leaseFrom = Math.max(
        sentAt,
        performance.now() - Math.min(this.visibilityMs / 10, PARK_REPLY_SLACK_MS),
      );
      for (const task of claim.tasks) this.startTask(task, leaseFrom, queue);
      if (claim.tasks.length === want || this.waker.generation !== covered) return;
      // The next park once this turn's acknowledgements (quick handlers answer in a microtask) are answered:
      // sent before them, it delayed them by ~0.1 ms (the worker writing it, Redis reading it), and a task
      // pushed meanwhile waits in the signal list, taken the moment the park arrives.
      if (claim.tasks.length > 0) {
        await new Promise((resolve) => setImmediate(resolve));
        await this.acks.answered();
      }
      let dueInMs = this.idlePollMs;
      if (claim.nextDueAt !== null) dueInMs = Math.min(dueInMs, claim.nextDueAt - claim.now);
      if (claim.retryAt !== null) dueInMs = Math.min(dueInMs, claim.retryAt - claim.now);
      blockMs = Math.max(1, dueInMs);
      since = covered;
    }
  }

  /**
   * The connection parked claims wait on (ADR 0061), opened on first use: a blocked connection can do nothing
   * else. Its command timeout outlasts the longest park by the main connection's.
   */
  private blockingConnection(): RedisClient {
    if (this.blocking) return this.blocking;
    const { redis } = this.options;
    const base = commandTimeoutOf(redis) ?? 5000;
    // Only a single node's client parks (parkable): its duplicate() takes the options to change.
    const blocking = (redis.duplicate as (options: object) => RedisClient).call(redis, {
      commandTimeout: this.idlePollMs + PARK_UNPARK_SLACK_MS + base,
      connectionName: 'tq-worker-park',
    });
    blocking.on('error', (error: Error) =>
      this.logger.debug({ err: error }, 'parked claim connection error; reconnecting'),
    );
    return (this.blocking = blocking);
  }

  /**
   * Claims up to `want` tasks from queue `name` and starts them. The slots count as taken from the moment
   * the claim is sent, so that the other lane's claim asks only for the rest.
   */
  private async claimInto(name: string, want: number): Promise<ClaimResult> {
    // The lease starts no earlier than this, on the clock the lease deadline is watched with.
    const sentAt = performance.now();
    this.reserved += want;
    this.claimsOut++;
    let claim: ClaimResult;
    let queue: PartitionedQueue;
    try {
      const opened = this.queueFor(name);
      queue = opened instanceof Promise ? await opened : opened;
      claim = await this.claimFrom(queue, want);
    } finally {
      this.reserved -= want;
      this.claimsOut--;
    }
    for (const task of claim.tasks) this.startTask(task, sentAt, queue);
    return claim;
  }

  /** Slots neither running a task nor asked for by a claim on its way. */
  private freeSlots(): number {
    return this.concurrency - this.running.size - this.reserved;
  }

  /**
   * A worker registers the queues it serves, so the reaper finds every queue that has leases. A registration
   * Redis refuses must not hold the claim back: a full Redis (maxmemory, noeviction) answers OOM to SADD and
   * SET, but runs the claim and the acknowledgements, which free memory. A queue with tasks to claim was
   * registered by the enqueue that wrote them; the next claim tries the registration again. Where Redis is
   * down, the claim fails as well and says so.
   */
  private async register(queue: PartitionedQueue): Promise<void> {
    await queue.register().catch((error: unknown) => {
      this.logger.debug({ err: error, queue: queue.name }, 'queue registration refused; claiming anyway');
    });
  }

  /**
   * Queue `name` with its layout, without waiting when one is in use: the directory answers the same
   * promise while the layout is fresh, and a new one (read again after its TTL) is put in use once
   * answered, so the claim loop never waits on it (an await here would let the ack buffer send the
   * completes that should ride with the claim). Waits only when no layout was read yet.
   */
  private queueFor(name: string): PartitionedQueue | Promise<PartitionedQueue> {
    // To claim: a queue no one used yet is created with the default partitions.
    const opening = this.directory.open(name, { create: true });
    if (this.opened.get(name) !== opening) {
      this.opened.set(name, opening);
      opening.then(
        (queue) => this.use(name, queue),
        (error: unknown) =>
          this.logger.debug({ err: error, queue: name }, 'reading the queue layout failed; trying again'),
      );
    }
    return this.current.get(name) ?? opening;
  }

  /**
   * Puts `queue` (a layout the directory read) in use for the next claims, and listens to the wake
   * channels of partitions it added. Tasks already running keep the partition they were claimed from.
   */
  private use(name: string, queue: PartitionedQueue): void {
    const before = this.current.get(name);
    if (before === queue) return;
    this.current.set(name, queue);
    if (before)
      this.logger.info(
        {
          queue: name,
          partitions: queue.count,
          generation: queue.layout.generation,
          was: { partitions: before.count, generation: before.layout.generation },
        },
        'queue layout changed: claiming with the new one',
      );
    this.waker.follow(queue.wakeChannels);
  }

  /**
   * Claims from `queue`; the completes waiting for the next flush ride along (complete_and_claim): one
   * script and one round trip fewer. On a partitioned queue the completes of one partition ride along (one
   * script), the others go by themselves.
   */
  private async claimFrom(queue: PartitionedQueue, want: number): Promise<ClaimResult> {
    // The completes are taken before anything is awaited: the buffer holds them back for this claim while
    // claimDue is set, and sends what is left (other partitions) once released.
    const together = this.acks.sendCompletesWith(queue, async (items) => {
      await this.register(queue);
      return queue.completeAndClaim(items, want, this.visibilityMs, undefined, this.id);
    });
    this.releaseCompletes();
    if (together) return (await together).claim;
    await this.register(queue);
    // The worker's id goes on each task it leases: GET /tasks/:id says which worker ran it.
    return queue.claim(want, this.visibilityMs, undefined, this.id);
  }

  /**
   * Resolves when the next claim is worth sending: at once while `claimAhead` slots are free (the claim
   * then travels while the other handlers run); otherwise at the end of the event-loop turn in which a slot
   * frees, so that handlers finishing in the same turn free theirs too and the claim is a batch.
   */
  private slotsToClaim(): Promise<void> {
    if (this.freeSlots() >= this.claimAhead || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      this.slotWaiters.push(resolve);
      if (this.freeSlots() > 0) this.wakeAtTurnEnd();
    });
  }

  /** A task left `running`: wakes a claim lane or stop() when they wait for slots. */
  private slotFreed(): void {
    if (this.running.size === 0) this.allFreeWaiter?.();
    if (this.slotWaiters.length === 0) return;
    if (this.freeSlots() >= this.claimAhead) this.wakeClaimLoop();
    else this.wakeAtTurnEnd();
  }

  private wakeAtTurnEnd(): void {
    if (this.turnEndScheduled) return;
    this.turnEndScheduled = true;
    setImmediate(() => {
      this.turnEndScheduled = false;
      if (this.freeSlots() > 0) this.wakeClaimLoop();
    });
  }

  private wakeClaimLoop(): void {
    for (const wake of this.slotWaiters.splice(0)) wake();
  }

  /**
   * Whether the ack buffer keeps the completes back for a claim: while enough slots are free for a lane to
   * claim at once and a lane is ready to (not parked, not watching for work, not waiting for its claim's
   * answer), a claim follows in this turn and takes them along (claimFrom). The hold ends with that claim,
   * or at the end of the turn. An idle worker's completes go at once.
   */
  private holdCompletes(): boolean {
    if (this.claimDue) return true;
    if (this.stopping || this.freeSlots() < this.claimAhead) return false;
    // A lane that neither parks, watches nor waits for its claim's answer claims next.
    if (this.parkedLanes + (this.watching ? 1 : 0) + this.claimsOut >= 2) return false;
    this.claimDue = true;
    setImmediate(this.releaseCompletes);
    return true;
  }

  /** Ends the hold on completes (holdCompletes) and sends those still buffered. */
  private readonly releaseCompletes = (): void => {
    if (!this.claimDue) return;
    this.claimDue = false;
    this.acks.flush(true);
  };

  /**
   * A wake message came. When a lane is watching, the message already ended its wait. When none is, a
   * lane's claim is out and the other lane is parked: that claim may have run before the task was
   * pushed, and waiting for its answer to claim again would cost the task a round trip. So the parked lane
   * claims now, into the slots the claim out left free (ADR 0055); the lane whose claim was out parks on
   * its return, since the new round covers the message (claimLoop).
   */
  private wakeWhileClaiming(): void {
    if (this.stopping || this.watching || this.parkedLanes === 0 || this.claimsOut === 0) return;
    if (this.freeSlots() > 0) this.wakeBacklog();
  }

  /** Resolves when lane 0 found a backlog (a full claim), or the worker stops. */
  private untilBacklog(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => (this.backlogWaiter = resolve));
  }

  private wakeBacklog(): void {
    const wake = this.backlogWaiter;
    this.backlogWaiter = undefined;
    wake?.();
  }

  private startTask(task: ClaimedTask, sentAt: number, queue: PartitionedQueue): void {
    const entry = new RunningTask(
      task,
      // The claim answered the task from this queue: with one partition, no need to read its id.
      queue.count === 1 ? queue.partitions[0]! : queue.partitionOf(task.id),
      sentAt,
      performance.now(),
      task.timeoutMs ?? this.taskTimeoutMs,
      this.logger,
      this.metrics.forTask(task.queue, task.type),
    );
    if (this.stopping) {
      // Claimed by a call that was already on its way when stop() began: give it straight back.
      this.releaseRunning(entry);
      return;
    }
    this.running.add(entry);
    this.deadlines.add(entry);
    this.leases.add(entry);
    const { series } = entry;
    series.started.inc();
    series.waitSeconds.observe(Math.max(0, task.startedAt - task.readyAt) / 1000);
    // The task's child logger is made only when something is logged.
    if (this.logger.isLevelEnabled('debug')) entry.logger.debug('task started');
    runTask(entry, this.options.handlers, this.reportProgress, this.finishedSafely);
  }

  /** Takes every attempt's outcome (runTask): a slot stays taken if finishing it threw, so it logs instead. */
  private readonly finishedSafely = (entry: RunningTask, outcome: Outcome): void => {
    try {
      this.finished(entry, outcome);
    } catch (error) {
      this.runFailed(entry, error);
    }
  };

  private runFailed(entry: RunningTask, error: unknown): void {
    entry.logger.error({ err: error }, 'running the task failed; it will run again after its lease expires');
  }

  /** The attempt has its outcome (runTask never rejects): frees the slot and acknowledges the outcome. */
  private finished(entry: RunningTask, outcome: Outcome): void {
    if (entry.abandoned) return; // lease lost or released: the task is someone else's now
    const runSeconds = (performance.now() - entry.startedAt) / 1000;
    this.running.delete(entry);
    this.slotFreed();
    if (outcome.kind === 'success') {
      this.complete(entry, outcome.result, runSeconds);
      return;
    }
    this.acknowledge(entry, outcome, runSeconds).catch((error: unknown) => this.ackFailed(entry, error));
  }

  /**
   * Completes a task whose handler succeeded: the path every task of a healthy queue takes, so it makes no
   * promise of its own (the ack buffer calls back).
   */
  private complete(entry: RunningTask, result: unknown, runSeconds: number): void {
    entry.series.runSeconds('success').observe(runSeconds);
    entry.runSeconds = runSeconds;
    entry.result = serializeResult(result, entry);
    // The entry is the complete's item (id, token, result): no copy and no closure per task.
    this.acks.completeThen(entry.partition, entry, this.completeAnswered);
  }

  /** The answer to a complete (complete). */
  private readonly completeAnswered = (
    code: AckCode | undefined,
    error: unknown,
    entry: RunningTask,
  ): void => {
    if (code === undefined) return this.ackFailed(entry, error);
    if (code !== 'ok') return this.stale(entry, 'complete', code);
    const { task, series, runSeconds } = entry;
    series.completed.inc();
    series.endToEndSeconds.observe(Math.max(0, task.startedAt - task.createdAt) / 1000 + runSeconds);
    if (this.logger.isLevelEnabled('debug')) entry.logger.debug({ runSeconds }, 'task completed');
  };

  /** Redis is unreachable: the lease will expire and the reaper gives the task to another attempt. */
  private ackFailed(entry: RunningTask, error: unknown): void {
    entry.logger.error(
      { err: error },
      'acknowledging the task failed; it will run again after its lease expires',
    );
  }

  /** Acknowledges an attempt that did not succeed (failed, postponed, abandoned). */
  private async acknowledge(
    entry: RunningTask,
    outcome: Exclude<Outcome, { kind: 'success' }>,
    runSeconds: number,
  ): Promise<void> {
    const { task } = entry;
    const q = task.queue;
    const { series } = entry;
    if (outcome.kind === 'abandoned') return;
    const retryDelayMs = backoffDelayMs(task.attempt, this.backoff, this.random);
    if (outcome.kind === 'postpone') {
      const code = await this.acks.postpone(entry.partition, {
        id: task.id,
        token: task.token,
        delayMs: outcome.delayMs,
        retryDelayMs,
      });
      if (code === 'postponed') {
        series.runSeconds('postponed').observe(runSeconds);
        this.metrics.postponed.labels(q).inc();
        entry.logger.info({ delayMs: outcome.delayMs, error: outcome.error }, 'rate limited; postponed');
        return;
      }
      // Postponed as often as a task may be: the script counted a failed attempt instead.
      if (code !== 'retry' && code !== 'dead') return this.stale(entry, 'postpone', code);
      const failure = { reason: 'rate_limited' as const, error: outcome.error };
      series.runSeconds(failure.reason).observe(runSeconds);
      series.failed(failure.reason).inc();
      return this.attemptFailed(entry, failure, code, retryDelayMs);
    }
    series.runSeconds(outcome.reason).observe(runSeconds);
    series.failed(outcome.reason).inc();
    const code: FailCode = await this.acks.fail(entry.partition, {
      id: task.id,
      token: task.token,
      error: outcome.error,
      retryDelayMs,
      permanentReason: outcome.deadReason,
    });
    if (code !== 'retry' && code !== 'dead') return this.stale(entry, 'fail', code);
    this.attemptFailed(entry, outcome, code, retryDelayMs);
  }

  /** Counts and logs a failed attempt the fail (or postpone) script recorded as `code`. */
  private attemptFailed(
    entry: RunningTask,
    outcome: { reason: string; error: string; deadReason?: string },
    code: 'retry' | 'dead',
    retryDelayMs: number,
  ): void {
    const q = entry.task.queue;
    const { logger } = entry;
    if (code === 'retry') {
      // No claim needed to learn the retry's due time: when it comes first, fail publishes it ('due:<ms>')
      // to every idle worker of the queue, this one included.
      this.metrics.retried.labels(q).inc();
      logger.warn(
        { reason: outcome.reason, error: outcome.error, retryDelayMs },
        'attempt failed; will retry',
      );
    } else {
      const deadReason = outcome.deadReason ?? 'max_attempts';
      this.metrics.deadLettered.labels(q, WorkerMetrics.deadReasonLabel(deadReason)).inc();
      logger.warn({ reason: outcome.reason, error: outcome.error, deadReason }, 'task dead-lettered');
    }
  }

  /** ctx.progress(): stored with the attempt's lease token, so a stale attempt's report is refused. */
  private readonly reportProgress = async (entry: RunningTask, value: unknown): Promise<boolean> => {
    if (entry.abandoned) return false;
    const code = await entry.partition.progress(entry.task, value);
    if (code === 'ok') return true;
    this.stale(entry, 'progress', code);
    return false;
  };

  /** The lease keeper found the lease gone: abort the handler and never acknowledge this attempt. */
  private loseLease(entry: RunningTask, code: AckCode | 'expired'): void {
    if (entry.abandoned) return;
    entry.abandoned = 'lease_lost';
    this.running.delete(entry);
    this.slotFreed();
    entry.series.runSeconds('lease_lost').observe((performance.now() - entry.startedAt) / 1000);
    if (code !== 'expired') this.stale(entry, 'extend', code);
    else
      entry.logger.warn(
        { leaseMs: this.visibilityMs },
        'lease not extended for a whole visibility timeout (Redis unreachable?): aborting the handler',
      );
    entry.abort(new LeaseLostError(code === 'expired' ? 'not extended in time' : `extend refused: ${code}`));
  }

  /**
   * An operator asked to cancel the task (the lease keeper's extend said so, ADR 0019): aborts the handler
   * (its signal fires with a TaskCanceledError), frees the slot, and ends the task canceled with its lease
   * token. Whatever the handler does afterwards is ignored.
   */
  private cancelRunning(entry: RunningTask): void {
    if (entry.abandoned) return;
    const { task } = entry;
    entry.abandoned = 'canceled';
    this.running.delete(entry);
    this.slotFreed();
    entry.series.runSeconds('canceled').observe((performance.now() - entry.startedAt) / 1000);
    entry.abort(new TaskCanceledError());
    this.acks.finishCanceled(entry.partition, task).then(
      (code) => {
        if (code !== 'ok') return this.stale(entry, 'finish_canceled', code);
        this.metrics.canceled.labels(task.queue).inc();
        entry.logger.info('task canceled by an operator while running: handler aborted');
      },
      (error: unknown) =>
        entry.logger.error(
          { err: error },
          'ending the canceled task failed; it will run again after its lease expires',
        ),
    );
  }

  /** Gives a task back to pending without spending an attempt, and aborts its handler. */
  private releaseRunning(entry: RunningTask): void {
    const { task } = entry;
    entry.abandoned = 'released';
    this.running.delete(entry);
    entry.series.runSeconds('released').observe((performance.now() - entry.startedAt) / 1000);
    entry.abort(new ShutdownError());
    this.acks.release(entry.partition, task).then(
      (code) => {
        if (code !== 'ok') return this.stale(entry, 'release', code);
        this.metrics.released.labels(task.queue).inc();
        entry.logger.info('task released to pending (shutdown)');
      },
      (error: unknown) =>
        entry.logger.error(
          { err: error },
          'releasing the task failed; it will run again after its lease expires',
        ),
    );
  }

  private stale(entry: RunningTask, operation: AckOperation, code: string): void {
    this.metrics.staleAcks.labels(entry.task.queue, operation).inc();
    entry.logger.warn(
      { operation, code },
      'acknowledgement refused: the lease is no longer ours (expired and recovered, or the task is gone)',
    );
  }
}
