import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  QueueDirectory,
  listQueues,
  requireArchive,
  type ArchiveClaim,
  type Clock,
  type PartitionedQueue,
  type Queue,
  type RedisClient,
} from '@tq/core';
import { HistoryUnavailableError, type HistoryStore } from '@tq/history';
import { OTHER_QUEUES, PeriodicPass, QueueLabels, createLogger, withSafeErrors, type Logger } from '@tq/ops';
import { Registry } from 'prom-client';
import { ArchiverMetrics } from './metrics';

/** Options of {@link Archiver}; durations in ms. */
export interface ArchiverOptions {
  redis: RedisClient;
  store: HistoryStore;
  /** Time between passes, jittered by ±20%. Default 1000. */
  intervalMs?: number;
  /** Most tasks per batch (one claim, one upsert, one confirm). Default 1000. */
  batchSize?: number;
  /** Most bytes of payload and result per batch. Default 8 MiB. */
  batchBytes?: number;
  /** Most tasks per queue (per partition of a partitioned one) per pass. Default 100000. */
  maxPerPass?: number;
  /** Queues (partitions of a partitioned queue count one each) archived at once. Default 4. */
  concurrency?: number;
  /** How long a queue (a partition) stays this archiver's after a claim. Default 60000. */
  leaseMs?: number;
  /** Archived tasks finished longer ago than this are deleted from PostgreSQL; 0 (default) keeps them. */
  retentionMs?: number;
  /** How often the archive retention runs. Default 600000. */
  retentionIntervalMs?: number;
  /** Most queues with their own metric series. Default 100. */
  metricsMaxQueues?: number;
  /** Longest wait between passes while PostgreSQL is down (the interval doubles up to it). Default 30000. */
  maxBackoffMs?: number;
  logger?: Logger;
  registry?: Registry;
  /** Tests only: a clock whose time replaces Redis TIME in the scripts. */
  clock?: Clock;
  random?: () => number;
}

/** Rows deleted per statement by the archive retention, and statements per run. */
const RETENTION_BATCH = 10_000;
const RETENTION_BATCHES_PER_RUN = 100;

/**
 * Archives finished tasks (done, dead, canceled) to PostgreSQL before Redis retention deletes them (ADR
 * 0030). Every pass it takes the queues in turn, each partition of a partitioned queue on its own (ADR
 * 0041: partitions have their own archive frontiers and leases), and, for each one no other archiver holds, reads the
 * finished tasks past the queue's archive frontier (archive_claim), upserts them in one statement, and then
 * confirms them to Redis (archive_confirm), which lets retention delete them. Nothing is deleted from Redis
 * here: a crash at any point leaves the tasks to be read again (upserts are idempotent). While PostgreSQL is
 * down it only looks (the lag keeps growing on /metrics) and backs off; retention holds the tasks.
 */
export class Archiver {
  readonly registry: Registry;
  /** Identifies this process's leases on queues. */
  readonly token = randomUUID();
  private readonly metrics: ArchiverMetrics;
  private readonly logger: Logger;
  private readonly labels: QueueLabels;
  /** Opens every queue with its partition layout (ADR 0040). */
  private readonly directory: QueueDirectory;
  /** Per queue: the last lag of each partition, seconds; the queue's lag is the largest (and `~other`'s). */
  private readonly lags = new Map<string, number[]>();
  /** The queues this archiver opened (forgotten with their state once they leave `tq:queues`). */
  private readonly queues = new Set<string>();
  private readonly random: () => number;
  private readonly loop: PeriodicPass<boolean>;
  private migrated = false;
  private required = false;
  private databaseUp = true;
  private backoffMs = 0;
  private nextRetentionAt = 0;

  constructor(private readonly options: ArchiverOptions) {
    this.random = options.random ?? Math.random;
    this.registry = options.registry ?? new Registry();
    this.metrics = new ArchiverMetrics(this.registry);
    this.labels = new QueueLabels(options.metricsMaxQueues ?? 100);
    this.directory = new QueueDirectory(options.redis, options.clock);
    this.logger = withSafeErrors(options.logger ?? createLogger('archiver', 'silent')).child({
      component: 'archiver',
    });
    // While PostgreSQL is down the interval grows to the backoff.
    this.loop = new PeriodicPass(
      () => this.passOnce(),
      () => Math.max(options.intervalMs ?? 1000, this.backoffMs) * (0.8 + 0.4 * this.random()),
      this.logger,
    );
  }

  /** Runs a pass now, then one every interval until stop(). */
  start(): void {
    this.loop.start();
    this.logger.info({ token: this.token }, 'archiver started');
  }

  /** Stops scheduling passes and waits for the one in progress. */
  async stop(): Promise<void> {
    await this.loop.stop();
    this.logger.info('archiver stopped');
  }

  /** One pass. Never throws: failures are logged and counted. Resolves true when all went well. */
  runPass(): Promise<boolean> {
    return this.loop.runNow();
  }

  private async passOnce(): Promise<boolean> {
    let ok: boolean;
    try {
      // First of all: from now on retention waits for the archive, whether PostgreSQL answers or not.
      if (!this.required) {
        await requireArchive(this.options.redis, `archiver ${this.token}`);
        this.required = true;
      }
      const names = await listQueues(this.options.redis);
      this.forgetQueuesNotIn(names);
      if (!this.migrated || !this.databaseUp) await this.reachDatabase();
      const concurrency = this.options.concurrency ?? 4;
      const opened = await Promise.all(names.map((name) => this.open(name)));
      // Each partition is one unit of work with its own lease: the partitions of a queue are archived at
      // once, by this archiver's workers or by several archivers.
      const todo = opened.flatMap((queue) => queue?.partitions ?? []);
      const results: boolean[] = opened.map((queue) => queue !== undefined);
      await Promise.all(
        Array.from({ length: Math.min(concurrency, todo.length) }, async () => {
          for (let partition = todo.shift(); partition !== undefined; partition = todo.shift()) {
            results.push(await this.archivePartition(partition));
          }
        }),
      );
      ok = results.every(Boolean);
      for (const queue of opened) if (queue) this.publishLag(queue);
      this.publishOthers();
      if (this.databaseUp) ok = (await this.applyRetention()) && ok;
    } catch (error) {
      ok = false;
      this.logger.warn({ err: error }, 'archive pass failed; retrying next interval');
    }
    if (!ok) this.metrics.failures.inc();
    if (ok && this.databaseUp) this.metrics.lastSuccess.set(Date.now() / 1000);
    return ok;
  }

  /** Migrates the schema (once per process) and checks PostgreSQL answers; marks it down and backs off if not. */
  private async reachDatabase(): Promise<void> {
    try {
      if (!this.migrated) {
        const applied = await this.options.store.migrate();
        this.migrated = true;
        if (applied.length > 0) this.logger.info({ migrations: applied }, 'task history schema migrated');
      } else {
        await this.options.store.ping();
      }
      this.databaseIs(true);
    } catch (error) {
      this.databaseIs(false, error);
    }
  }

  private databaseIs(up: boolean, error?: unknown): void {
    this.metrics.up.set(up ? 1 : 0);
    if (up) {
      if (!this.databaseUp) this.logger.info('PostgreSQL answers again: archiving resumes');
      this.backoffMs = 0;
    } else {
      if (this.databaseUp)
        this.logger.error(
          { err: error },
          'PostgreSQL does not answer: archiving waits, and Redis retention holds the finished tasks (docs/history.md)',
        );
      const base = this.options.intervalMs ?? 1000;
      this.backoffMs = Math.min(this.options.maxBackoffMs ?? 30_000, Math.max(base, this.backoffMs * 2));
    }
    this.databaseUp = up;
  }

  /** Queue `name` with its partition layout, or undefined (logged) when it cannot be opened. */
  private async open(name: string): Promise<PartitionedQueue | undefined> {
    try {
      const queue = await this.directory.open(name);
      this.queues.add(name);
      return queue;
    } catch (error) {
      this.logger.error({ err: error, queue: name }, 'opening the queue failed; retrying next pass');
      return undefined;
    }
  }

  /**
   * Archives one queue, or one partition of a partitioned queue: batches while they come back full, up to
   * maxPerPass tasks. With PostgreSQL down, only looks at the lag. One another archiver holds is skipped.
   * False when something failed.
   */
  private async archivePartition(queue: Queue): Promise<boolean> {
    const name = queue.name;
    const limit = this.databaseUp ? (this.options.batchSize ?? 1000) : 0;
    const leaseMs = this.options.leaseMs ?? 60_000;
    const maxPerPass = this.options.maxPerPass ?? 100_000;
    let total = 0;
    let claim: ArchiveClaim | undefined;
    try {
      for (;;) {
        const started = performance.now();
        claim = await queue.archiveClaim(this.token, leaseMs, limit, this.options.batchBytes ?? 8 << 20);
        if (claim.code === 'busy') return true;
        this.setLag(queue, claim);
        if (limit === 0) return true;
        const full = claim.tasks.length + claim.orphans.length >= limit;
        const last = !full || total + limit >= maxPerPass;
        if (claim.tasks.length === 0 && claim.cursors.every((c) => c === '')) {
          await queue.archiveConfirm(this.token, claim, [], true);
          return true;
        }
        await this.options.store.upsert(claim.tasks.map((t) => t.record));
        this.databaseIs(true);
        const codes = await queue.archiveConfirm(
          this.token,
          claim,
          claim.tasks.map((t) => ({ id: t.record.id, status: t.record.status, version: t.version })),
          last,
        );
        const deleted = claim.tasks.filter((_, i) => codes[i] === 'deleted').map((t) => t.record.id);
        // Deleted by a user after the read: the row just written must go too.
        if (deleted.length > 0) await this.options.store.delete(deleted);
        const confirmed = codes.filter((c) => c === 'ok').length;
        this.metrics.archived.labels(this.labels.label(name)).inc(confirmed);
        this.metrics.batchDuration.observe((performance.now() - started) / 1000);
        total += claim.tasks.length;
        if (last) return true;
      }
    } catch (error) {
      if (error instanceof HistoryUnavailableError) this.databaseIs(false, error);
      else
        this.logger.error(
          { err: error, queue: name, partition: queue.partition },
          'archiving the queue failed; retrying next pass',
        );
      return false;
    }
  }

  /** The archive retention: deletes rows finished longer ago than retentionMs, when it is due. */
  private async applyRetention(): Promise<boolean> {
    const retentionMs = this.options.retentionMs ?? 0;
    if (retentionMs <= 0 || Date.now() < this.nextRetentionAt) return true;
    const intervalMs = this.options.retentionIntervalMs ?? 600_000;
    this.nextRetentionAt = Date.now() + intervalMs * (0.8 + 0.4 * this.random());
    try {
      let deleted = 0;
      for (let i = 0; i < RETENTION_BATCHES_PER_RUN; i++) {
        const n = await this.options.store.deleteFinishedBefore(Date.now() - retentionMs, RETENTION_BATCH);
        deleted += n;
        this.metrics.retentionDeleted.inc(n);
        if (n < RETENTION_BATCH) break;
      }
      if (deleted > 0) this.logger.info({ deleted, retentionMs }, 'archive retention deleted old tasks');
      return true;
    } catch (error) {
      this.databaseIs(false, error);
      return false;
    }
  }

  /** Keeps a partition's lag, from the Redis time of its claim (a partition another archiver holds keeps its last). */
  private setLag(partition: Queue, claim: ArchiveClaim): void {
    const lag =
      claim.oldestUnarchivedAt === null ? 0 : Math.max(0, claim.now - claim.oldestUnarchivedAt) / 1000;
    let lags = this.lags.get(partition.name);
    if (!lags) this.lags.set(partition.name, (lags = []));
    lags[partition.partition] = lag;
  }

  /** A queue's lag: the largest of its partitions' (a queue resized down forgets the partitions it lost). */
  private publishLag(queue: PartitionedQueue): void {
    const lags = this.lags.get(queue.name);
    if (!lags) return;
    lags.length = Math.min(lags.length, queue.count);
    const lag = Math.max(0, ...lags.filter((l) => l !== undefined));
    if (this.labels.label(queue.name) === queue.name) this.metrics.lag.labels(queue.name).set(lag);
  }

  /** The lag of `queue="~other"`: the largest of the queues past metricsMaxQueues. */
  private publishOthers(): void {
    let max = -1;
    for (const [q, lags] of this.lags)
      if (!this.labels.has(q)) max = Math.max(max, ...lags.filter((l) => l !== undefined));
    if (max >= 0) this.metrics.lag.labels(OTHER_QUEUES).set(max);
  }

  private forgetQueuesNotIn(names: string[]): void {
    const present = new Set(names);
    for (const q of this.queues) {
      if (present.has(q)) continue;
      this.queues.delete(q);
      this.directory.forget(q);
      this.lags.delete(q);
      if (this.labels.has(q)) {
        this.metrics.lag.remove({ queue: q });
        this.metrics.archived.remove({ queue: q });
        this.labels.forget(q);
      }
    }
  }
}
