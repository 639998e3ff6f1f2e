import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PartitionedQueue, createRedis, type QueueStats, type RedisClient, type TaskRecord } from '@tq/core';
import {
  SERVICE_START_TIMEOUT_MS,
  freePort,
  onTestCluster,
  randomQueueName,
  startRedisCluster,
  startRedisServer,
  testPartitions,
  waitFor,
  waitForService,
  type RedisServer,
  type RedisServerOptions,
} from '@tq/testing';
import { check, type CheckResult, type EffectRecord } from './checker';
import { scanInvariants, type InvariantReport } from './invariants';
import { LoadGenerator, enqueueRecords, readHistory, type HistoryLine, type LoadConfig } from './load';
import { RESULTS_DIR } from './report';
import type { Scenario } from './scenario';
import { Service, entryPoint, type Exit, type ServiceKind } from './service';

/** The handler module every chaos worker loads (HANDLER_MODULES). */
export const HANDLERS_MODULE = join(__dirname, 'chaos-handlers.js');

/** One line of a handler's starts, effects or aborts file (see chaos-handlers.js). */
export interface HandlerRecord extends EffectRecord {
  id: string;
  /** Date.now() in the worker, ms. */
  at: number;
  /** When the attempt was claimed, ms on Redis's clock (HandlerContext.startedAt). */
  startedAt: number;
  /** aborts only: the name of the signal's reason (LeaseLostError, TaskTimeoutError, ShutdownError). */
  reason?: string;
}

/** Short timings, so each scenario runs in well under a minute. */
export const TIMINGS = {
  visibilityMs: 1500,
  reaperIntervalMs: 250,
  backoffBaseMs: 100,
  backoffCapMs: 1000,
};

/** TQ_TEST_CLUSTER=1: a stack's Redis is a private 3-master Redis Cluster (startRedis without options). */
export const ON_CLUSTER = onTestCluster();

/** TQ_TEST_PARTITIONS=N: the API and workers create the stack's queue with N partitions (ADR 0040). */
export const PARTITIONS = testPartitions();

/**
 * For `ScenarioMeta.unavailable`: why a scenario whose subject is the one redis-server (it kills, restarts,
 * proxies or fills it) cannot run with TQ_TEST_CLUSTER=1; undefined otherwise.
 */
export function needsOneRedisServer(what: string): string | undefined {
  return ON_CLUSTER
    ? `it ${what} the one redis-server; with TQ_TEST_CLUSTER=1 Redis is a cluster`
    : undefined;
}

/** Values of the n-th load generator of a stack start at n * VALUE_BLOCK + 1, so all values are unique. */
const VALUE_BLOCK = 1_000_000;

/**
 * One scenario's world: private redis-server(s), the API, workers, reapers and load generators as child
 * processes, all logging into results/logs/<scenario>/, with the handlers' effects and the load
 * history there too (outside the Redis under test). `close()` kills everything (call it in afterAll).
 */
export class ChaosStack {
  readonly queue = randomQueueName('chaos');
  readonly services: Service[] = [];
  readonly loads: LoadGenerator[] = [];
  readonly effectsDir: string;
  redis: RedisServer | undefined;
  redisUrl = '';
  apiUrl = '';
  apiPort = 0;
  private client: RedisClient | undefined;
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  private readonly pools: WorkerPool[] = [];

  private constructor(readonly dir: string) {
    this.effectsDir = join(dir, 'effects');
    mkdirSync(this.effectsDir, { recursive: true });
  }

  /** A fresh stack whose files go to results/logs/<id>/. */
  static create(id: string): ChaosStack {
    const dir = join(RESULTS_DIR, 'logs', id);
    rmSync(dir, { recursive: true, force: true });
    return new ChaosStack(dir);
  }

  /**
   * Starts the stack's redis-server (persistence as asked) and points every service at it; with
   * TQ_TEST_CLUSTER=1 a private 3-master Redis Cluster instead, without persistence (the scenarios that run
   * there never stop Redis) and without a server to return (`redis` stays undefined: a scenario that needs
   * the server declares {@link needsOneRedisServer}).
   */
  async startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
    if (ON_CLUSTER) {
      const cluster = await startRedisCluster();
      this.onClose(() => cluster.stop());
      this.redisUrl = cluster.url;
      return undefined as unknown as RedisServer;
    }
    this.redis = await startRedisServer(options);
    this.redisUrl = this.redis.url;
    return this.redis;
  }

  /** Registers something to undo in close() (a sentinel, a proxy), last first. */
  onClose(cleanup: () => Promise<void> | void): void {
    this.cleanups.push(cleanup);
  }

  /** `entry`: the service's main.js (default: this checkout's; another release's for the upgrade test). */
  spawn(
    name: string,
    kind: ServiceKind,
    env: Record<string, string>,
    wrapperEnv = {},
    entry = entryPoint(kind),
  ): Service {
    const service = new Service(
      name,
      kind,
      {
        REDIS_URL: this.redisUrl,
        ...(PARTITIONS > 1 ? { QUEUE_DEFAULT_PARTITIONS: String(PARTITIONS) } : {}),
        ...wrapperEnv,
        ...env,
      },
      { argv: [entry], logFile: join(this.dir, 'logs', `${name}.log`) },
    );
    this.services.push(service);
    return service;
  }

  /** Starts the API (on `apiPort` once chosen, so a restarted API keeps its address); waits for /readyz. */
  async startApi(env: Record<string, string> = {}, name = 'api'): Promise<Service> {
    this.apiPort ||= await freePort();
    this.apiUrl = `http://127.0.0.1:${this.apiPort}`;
    const api = this.spawn(name, 'api', {
      PORT: String(this.apiPort),
      GRPC_PORT: '0',
      REDIS_COMMAND_TIMEOUT_MS: '1000',
      ...env,
    });
    await this.until(
      api,
      async () =>
        (await fetch(`${this.apiUrl}/readyz`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined))
          ?.status === 200,
      `${name} ready`,
    );
    return api;
  }

  /** The environment of a chaos worker (short timings, the chaos handlers), before `env`. */
  async workerEnv(env: Record<string, string> = {}): Promise<Record<string, string>> {
    return {
      QUEUES: this.queue,
      WORKER_CONCURRENCY: '20',
      VISIBILITY_TIMEOUT_MS: String(TIMINGS.visibilityMs),
      BACKOFF_BASE_MS: String(TIMINGS.backoffBaseMs),
      BACKOFF_CAP_MS: String(TIMINGS.backoffCapMs),
      SHUTDOWN_TIMEOUT_MS: '3000',
      IDLE_POLL_MS: '1000',
      METRICS_PORT: String(await freePort()),
      HANDLER_MODULES: HANDLERS_MODULE,
      CHAOS_EFFECTS_DIR: this.effectsDir,
      ...env,
    };
  }

  /** Starts one worker; waits for "worker started" unless `wait` is false. */
  async startWorker(
    name: string,
    env: Record<string, string> = {},
    { wait = true, wrapperEnv = {} }: { wait?: boolean; wrapperEnv?: Record<string, string> } = {},
  ): Promise<Service> {
    const worker = this.spawn(name, 'worker', await this.workerEnv(env), wrapperEnv);
    if (wait) await this.until(worker, () => worker.logged('worker started'), `${name} started`);
    return worker;
  }

  /** `size` workers kept alive by a supervisor that respawns any that dies (until stop()). */
  async workerPool(
    size: number,
    env: Record<string, string> = {},
    options: { prefix?: string; respawnDelayMs?: number } = {},
  ): Promise<WorkerPool> {
    const pool = new WorkerPool(this, size, env, options.prefix ?? 'worker', options.respawnDelayMs ?? 100);
    this.pools.push(pool);
    await pool.start();
    return pool;
  }

  async startReaper(
    env: Record<string, string> = {},
    {
      name = 'reaper',
      wait = true,
      wrapperEnv = {},
    }: { name?: string; wait?: boolean; wrapperEnv?: Record<string, string> } = {},
  ): Promise<Service> {
    const reaper = this.spawn(
      name,
      'reaper',
      {
        REAPER_INTERVAL_MS: String(TIMINGS.reaperIntervalMs),
        REAPER_QUEUES: this.queue,
        METRICS_PORT: String(await freePort()),
        ...env,
      },
      wrapperEnv,
    );
    if (wait) await this.until(reaper, () => reaper.logged('reaper started'), `${name} started`);
    return reaper;
  }

  /**
   * Starts an archiver (apps/archiver) writing to `databaseUrl`; waits for "archiver started" unless `wait`
   * is false. Short interval and lease, so a kill is taken over within seconds.
   */
  async startArchiver(
    databaseUrl: string,
    env: Record<string, string> = {},
    { name = 'archiver', wait = true }: { name?: string; wait?: boolean } = {},
  ): Promise<Service> {
    const archiver = this.spawn(name, 'archiver', {
      DATABASE_URL: databaseUrl,
      ARCHIVER_INTERVAL_MS: '200',
      ARCHIVER_LEASE_MS: '2000',
      METRICS_PORT: String(await freePort()),
      ...env,
    });
    if (wait) await this.until(archiver, () => archiver.logged('archiver started'), `${name} started`);
    return archiver;
  }

  /** Starts a load generator (a separate process) against the API; values unique within the stack. */
  load(config: Partial<LoadConfig>): LoadGenerator {
    const n = this.loads.length + 1;
    const generator = new LoadGenerator(
      {
        url: this.apiUrl,
        out: join(this.dir, `history-${n}.jsonl`),
        queue: this.queue,
        firstValue: n * VALUE_BLOCK + 1,
        maxAttempts: 5,
        concurrency: 50,
        timeoutMs: 5000,
        ...config,
      },
      join(this.dir, 'logs', `load-${n}.log`),
    );
    this.loads.push(generator);
    return generator;
  }

  /** A client of the Redis under test, for the checks (not for the system's own work). */
  redisClient(): RedisClient {
    this.client ??= createRedis(this.redisUrl, { commandTimeoutMs: 5000, connectionName: 'tq-chaos-check' });
    return this.client;
  }

  /**
   * The stack's queue with its partition layout as stored (one partition unless TQ_TEST_PARTITIONS made the
   * services create it partitioned), read again on every call.
   */
  queueHandle(): Promise<PartitionedQueue> {
    return PartitionedQueue.open(this.redisClient(), this.queue);
  }

  /** The whole logical queue's stats: every partition of a partitioned queue (ADR 0040). */
  async stats(): Promise<QueueStats> {
    return (await PartitionedQueue.open(this.redisClient(), this.queue)).stats();
  }

  /**
   * The drain: waits (with a deadline) until nothing is pending, scheduled, running or waiting for a
   * retry. Returns how long it took, ms.
   */
  async drain(timeoutMs = 60_000): Promise<number> {
    const started = Date.now();
    let last: QueueStats | undefined;
    try {
      await waitFor(
        async () => {
          last = await this.stats().catch(() => undefined);
          if (!last) return false;
          const c = last.counts;
          return c.pending + c.scheduled + c.running + c.retry === 0;
        },
        { timeoutMs, intervalMs: 100, message: 'the queue drains' },
      );
    } catch (error) {
      throw new Error(
        `${(error as Error).message}; last counts ${JSON.stringify(last?.counts)}\n${this.tails()}`,
        { cause: error },
      );
    }
    return Date.now() - started;
  }

  /** Every line of every load history of this stack. */
  history(): HistoryLine[] {
    return readHistory(...this.loads.map((l) => l.config.out));
  }

  /**
   * The handlers' records: `effects` (side effects, before the ack), `starts` (attempts begun), `aborts`
   * (signals that fired while a handler slept) or `cron` (attempts of cron tasks begun).
   */
  records(kind: 'effects' | 'starts' | 'aborts' | 'cron'): HandlerRecord[] {
    if (!existsSync(this.effectsDir)) return [];
    return readdirSync(this.effectsDir)
      .filter((f) => f.startsWith(`${kind}-`))
      .flatMap((f) =>
        readFileSync(join(this.effectsDir, f), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as HandlerRecord),
      );
  }

  /** Every dead task (newest first in each partition), with its payload and error history. */
  async deadTasks(): Promise<TaskRecord[]> {
    const tasks: TaskRecord[] = [];
    for (const queue of (await PartitionedQueue.open(this.redisClient(), this.queue)).partitions) {
      let cursor: string | undefined;
      do {
        const page = await queue.listTasks('dead', { limit: 1000, cursor });
        const records = await Promise.all(page.tasks.map((t) => queue.getTask(t.id)));
        tasks.push(...records.filter((r): r is TaskRecord => r !== null));
        cursor = page.next ?? undefined;
      } while (cursor !== undefined);
    }
    return tasks;
  }

  /** Values of the tasks in the dead-letter list. */
  async deadValues(): Promise<number[]> {
    return (await this.deadTasks()).map((task) => (JSON.parse(task.payload) as { value: number }).value);
  }

  /** The checker over this stack's history, effects and dead letters, plus the invariant scan; recorded in `s`. */
  async judge(s: Scenario): Promise<{ check: CheckResult; invariants: InvariantReport }> {
    const verdict = check(enqueueRecords(this.history()), this.records('effects'), await this.deadValues());
    const invariants = await scanInvariants(this.redisClient(), this.queue);
    s.judged(verdict, invariants);
    s.measure(
      'non-JSON output lines (all services)',
      this.services.filter((x) => x.kind !== 'load').reduce((n, x) => n + x.plainLines().length, 0),
    );
    s.note(
      `checker: attempted ${verdict.attempted}, 2xx ${verdict.acknowledged}, performed ${verdict.performed}, ` +
        `dead ${verdict.deadLettered}, lost ${verdict.lost.length}, unexpected ${verdict.unexpected.length}, ` +
        `duplicated ${verdict.duplicated.length}, recovered ${verdict.recovered.length}; invariants: ` +
        `${invariants.tasks} tasks, ${invariants.violations.length} violations`,
    );
    return { check: verdict, invariants };
  }

  /** waitFor, failing early if `service` exits, and with every service's recent logs in the error. */
  async until<T>(
    service: Service | undefined,
    predicate: () => T | Promise<T>,
    message: string,
    timeoutMs = SERVICE_START_TIMEOUT_MS,
  ): Promise<Exclude<T, false | 0 | '' | null | undefined>> {
    return waitForService(predicate, {
      service,
      timeoutMs,
      message,
      intervalMs: 20,
      context: () => this.tails(),
    });
  }

  tails(n = 8): string {
    return this.services
      .filter((s) => s.logs.length > 0)
      .slice(-12)
      .map((s) => s.tail(n))
      .join('\n');
  }

  /** Kills every process this stack started, then its redis-server (or cluster). Safe to call twice. */
  async close(): Promise<void> {
    for (const pool of this.pools) pool.supervising = false;
    await Promise.all(this.loads.map((l) => l.service.kill()));
    await Promise.all(this.services.map((s) => s.kill()));
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup();
    this.client?.disconnect();
    this.client = undefined;
    await this.redis?.stop();
  }
}

/** A SIGKILL the pool's chaos monkey sent. */
export interface Kill {
  name: string;
  pid: number;
  /** Date.now() just before the signal. */
  at: number;
}

/** A SIGTERM sent to a pool worker, and how the worker ended. */
export interface Termination extends Kill {
  exit: Exit;
  /** Signal → exit, ms. */
  exitMs: number;
}

/**
 * Workers under a supervisor: one that exits is replaced after `respawnDelayMs`, as Kubernetes or
 * systemd would, until `stop()`.
 */
export class WorkerPool {
  readonly current = new Set<Service>();
  readonly everyone: Service[] = [];
  readonly kills: Kill[] = [];
  readonly terminations: Termination[] = [];
  supervising = true;
  private seq = 0;
  private readonly signaled = new Set<Service>();

  constructor(
    private readonly stack: ChaosStack,
    private readonly size: number,
    private readonly env: Record<string, string>,
    private readonly prefix: string,
    private readonly respawnDelayMs: number,
  ) {}

  async start(): Promise<void> {
    const first = await Promise.all(Array.from({ length: this.size }, () => this.spawn()));
    await Promise.all(
      first.map((w) => this.stack.until(w, () => w.logged('worker started'), `${w.name} started`)),
    );
  }

  /** Deaths other than the monkey's kills (a poison task's SIGKILL, a crash). */
  get otherDeaths(): number {
    return this.everyone.filter((w) => !w.running).length - this.kills.length - this.terminations.length;
  }

  private async spawn(): Promise<Service> {
    const worker = await this.stack.startWorker(`${this.prefix}-${++this.seq}`, this.env, { wait: false });
    this.current.add(worker);
    this.everyone.push(worker);
    // exited never rejects; a failed respawn is the scenario's to see (fewer workers), not a crash of jest.
    const respawn = (): void => {
      if (!this.supervising) return;
      this.spawn().catch((error: unknown) =>
        process.stderr.write(`respawning a worker failed: ${String(error)}\n`),
      );
    };
    const exited = (): void => {
      this.current.delete(worker);
      if (this.supervising) setTimeout(respawn, this.respawnDelayMs);
    };
    worker.exited.then(exited, exited);
    return worker;
  }

  /** SIGKILLs one live worker, picked at random (only one that has started claiming, when there is one). */
  async killRandom(): Promise<Kill> {
    const live = [...this.current].filter((w) => w.running);
    const started = live.filter((w) => w.logged('worker started'));
    const pool = started.length > 0 ? started : live;
    const victim = pool[Math.floor(Math.random() * pool.length)];
    if (!victim) throw new Error('no live worker to kill');
    const kill = { name: victim.name, pid: victim.pid, at: Date.now() };
    this.kills.push(kill);
    await victim.kill();
    return kill;
  }

  /** Live workers that have started and were not signaled yet: what terminateRandom picks from. */
  terminable(): Service[] {
    return [...this.current].filter((w) => w.running && !this.signaled.has(w) && w.logged('worker started'));
  }

  /**
   * SIGTERMs one live, started worker picked at random (not one already signaled; one for which
   * `prefer` holds, when there is one) and waits for it to exit; undefined when there is none right now.
   */
  async terminateRandom(prefer: (w: Service) => boolean = () => true): Promise<Termination | undefined> {
    const started = this.terminable();
    const preferred = started.filter(prefer);
    const from = preferred.length > 0 ? preferred : started;
    const victim = from[Math.floor(Math.random() * from.length)];
    if (!victim) return undefined;
    this.signaled.add(victim);
    const at = Date.now();
    victim.signal('SIGTERM');
    const exit = await victim.exited;
    const termination = { name: victim.name, pid: victim.pid, at, exit, exitMs: exit.at - at };
    this.terminations.push(termination);
    return termination;
  }

  /** Stops supervising and SIGKILLs every worker of the pool. */
  async stop(): Promise<void> {
    this.supervising = false;
    await Promise.all(this.everyone.map((w) => w.kill()));
  }
}
