import { performance } from 'node:perf_hooks';
import {
  DEFAULT_RETENTION,
  QueueDirectory,
  ScheduleStore,
  archiveRequired,
  listQueues,
  pruneFunctionLibraries,
  type Clock,
  type PartitionedQueue,
  type Queue,
  type QueueStats,
  type RedisClient,
  type TaskFormat,
  type RetentionPolicy,
} from '@tq/core';
import { OTHER_QUEUES, PeriodicPass, QueueLabels, createLogger, withSafeErrors, type Logger } from '@tq/ops';
import { Registry } from 'prom-client';
import { ReaperMetrics } from './metrics';

/** Options of {@link Reaper}; durations in ms. */
export interface ReaperOptions {
  redis: RedisClient;
  /** Time between passes, jittered by ±20% so replicas drift apart. Default 1000. */
  intervalMs?: number;
  /** Queues to look after besides those in `tq:queues` (REAPER_QUEUES). */
  queues?: string[];
  /** Also look after every queue listed in `tq:queues`. Default true. */
  discoverQueues?: boolean;
  /** Retention of finished and dead tasks. Default DEFAULT_RETENTION from @tq/core. */
  retention?: RetentionPolicy;
  /**
   * While archiving is on (tq:archive set, ADR 0030): most finished tasks per queue and state held past
   * the count cap waiting for an archiver, the memory guard; past it the oldest go unarchived, each one
   * logged and counted. 0 = hold without bound. Default 500000.
   */
  archiveHoldMax?: number;
  /** Time between orphan repairs, which SCAN every task hash; 0 turns them off. Default 600000. */
  repairIntervalMs?: number;
  /**
   * Script libraries of other tq versions (ADR 0065) that no process has loaded for this long are deleted
   * from Redis, looked at on the first pass and every hour; 0 keeps them. Default 86400000 (1 day).
   */
  functionRetentionMs?: number;
  /** Most entries one script call handles. Default 1000. */
  batchSize?: number;
  /** Most entries one step (reap, promote, trim) handles per queue (per partition of a partitioned one) per pass. Default 10000. */
  maxPerPass?: number;
  /** Most queues with due work (expired leases, due scheduled or retry tasks) handled per pass, most overdue first. Default 1000. */
  dueQueuesPerPass?: number;
  /** Most queues swept (retention, gauges, idle removal, repair) per pass, in turn. Default 1000. */
  sweepQueuesPerPass?: number;
  /**
   * A queue whose last look found nothing running, scheduled or in retry is looked at again only after this
   * long (ms, spread by up to -25%), not every pass. Keep it at or below the shortest VISIBILITY_TIMEOUT_MS
   * of the workers: a lease taken just after a look then still shows at the next look before it expires.
   * 0 (default) = look at every queue every pass, safe whatever the visibility timeouts.
   */
  idleLookMs?: number;
  /** A queue seen empty (and without settings or a serving worker) this long leaves `tq:queues`; 0 never. Default 3600000. */
  idleRemoveAfterMs?: number;
  /** Most queues with their own series in the metrics; the others share queue="~other". Default 100. */
  metricsMaxQueues?: number;
  /** Default: silent. */
  logger?: Logger;
  /** Where the metrics go. Default: a new registry, exposed as `reaper.registry`. */
  registry?: Registry;
  /**
   * The stored format of the tasks cron schedules fire (ADR 0045): 1 while processes of a release before
   * it still run (TASK_FORMAT, docs/operations.md). Default 2.
   */
  taskFormat?: TaskFormat;
  /** Tests only: a clock whose time replaces Redis TIME in the scripts. */
  clock?: Clock;
  /** Source of jitter, in [0, 1). Default Math.random. */
  random?: () => number;
}

/** How often the reaper looks for other tq versions' script libraries to delete (ADR 0065). */
const FUNCTION_PRUNE_EVERY_MS = 3_600_000;

/** Schedules one fire script handles: with up to 100 slots each, a script writes at most 5000 tasks. */
const SCHEDULES_PER_FIRE = 50;

const STATES = ['pending', 'scheduled', 'running', 'retry', 'dead', 'done', 'canceled'] as const;

/** What one partition's `due` look found: its master's Redis time and its earliest due entry (null = none). */
interface PartitionLook {
  now: number;
  earliest: number | null;
}

/**
 * What the `due` looks at one logical queue found: one per partition (each on its own master, compared with
 * that master's time), and the next schedule slot (schedules live in partition 0; null = none).
 */
interface Look {
  queue: PartitionedQueue;
  partitions: PartitionLook[];
  scheduleAt: number | null;
}

/** Whether a partition's look found work (an expired lease, a due scheduled or retry task) that has come. */
function partitionDue({ now, earliest }: PartitionLook): boolean {
  return earliest !== null && earliest <= now;
}

/** The earliest of a look's task work and schedule slot that has come, or null when neither has. */
function dueAt({ partitions, scheduleAt }: Look): number | null {
  const due = partitions.filter(partitionDue).map((p) => p.earliest!);
  if (scheduleAt !== null && scheduleAt <= partitions[0]!.now) due.push(scheduleAt);
  return due.length === 0 ? null : Math.min(...due);
}

/**
 * A partition's share of a per-queue count cap: the cap divided over the partitions, rounded up (0, no
 * cap, stays 0), so the logical queue keeps about the cap whatever its partition count (ADR 0041).
 */
function share(cap: number, partitions: number): number {
  return cap > 0 ? Math.ceil(cap / partitions) : cap;
}

/**
 * Recovers tasks of dead workers. Every interval it looks at every queue with one O(1) script (`due`), then
 * returns expired leases to pending (or dead) and promotes due tasks in the queues that have due work, most
 * overdue first, up to `dueQueuesPerPass` queues; and sweeps `sweepQueuesPerPass` queues in turn: retention,
 * gauges, removal of queues idle for `idleRemoveAfterMs`, and now and then the orphan repair. The work of a
 * pass is bounded whatever the number of queues. Every step is one atomic script, so any number of replicas
 * may run at once.
 */
export class Reaper {
  readonly registry: Registry;
  private readonly metrics: ReaperMetrics;
  /** Opens every queue with its partition layout (ADR 0040): a partitioned queue is one logical queue here. */
  private readonly directory: QueueDirectory;
  /** The queues this reaper keeps state and series for. */
  private readonly queues = new Set<string>();
  /** Per partitioned queue with its own series: how many partitions have a per-partition series. */
  private readonly partitionSeries = new Map<string, number>();
  private readonly schedules: ScheduleStore;
  private readonly logger: Logger;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly maxPerPass: number;
  private readonly repairIntervalMs: number;
  private readonly dueQueuesPerPass: number;
  private readonly sweepQueuesPerPass: number;
  private readonly idleRemoveAfterMs: number;
  private readonly idleLookMs: number;
  /** Per queue whose last look found nothing waiting: when to look again (Date.now ms). */
  private readonly nextLookAt = new Map<string, number>();
  private readonly random: () => number;
  private readonly labels: QueueLabels;
  /** Per queue: the last stats a sweep read (the gauges are made from them). */
  private readonly stats = new Map<string, QueueStats>();
  /** Per queue: when a sweep first saw it empty, in a row (Date.now ms). */
  private readonly emptySince = new Map<string, number>();
  /** Per queue: when its next orphan repair is due (Date.now ms). */
  private readonly repairAt = new Map<string, number>();
  /** When the next look for other versions' script libraries is due (Date.now ms): the first pass's. */
  private functionPruneAt = 0;
  /** Where the next sweep starts in the sorted list of queues. */
  private sweepFrom = 0;
  /** Whether retention waits for the archive, as this pass read tq:archive. */
  private archiving = false;
  private readonly loop: PeriodicPass<boolean>;

  constructor(private readonly options: ReaperOptions) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.batchSize = options.batchSize ?? 1000;
    this.maxPerPass = options.maxPerPass ?? 10_000;
    this.repairIntervalMs = options.repairIntervalMs ?? 600_000;
    this.random = options.random ?? Math.random;
    this.logger = withSafeErrors(options.logger ?? createLogger('reaper', 'silent')).child({
      component: 'reaper',
    });
    this.registry = options.registry ?? new Registry();
    this.dueQueuesPerPass = options.dueQueuesPerPass ?? 1000;
    this.sweepQueuesPerPass = options.sweepQueuesPerPass ?? 1000;
    this.idleRemoveAfterMs = options.idleRemoveAfterMs ?? 3_600_000;
    this.idleLookMs = options.idleLookMs ?? 0;
    this.labels = new QueueLabels(options.metricsMaxQueues ?? 100);
    this.metrics = new ReaperMetrics(this.registry);
    this.directory = new QueueDirectory(options.redis, options.clock);
    for (const name of options.queues ?? []) this.track(name); // their series at 0 before the first pass
    this.schedules = new ScheduleStore(options.redis, options.clock, options.taskFormat);
    this.loop = new PeriodicPass(
      () => this.passOnce(),
      () => this.intervalMs * (0.8 + 0.4 * this.random()),
      this.logger,
    );
  }

  /** Runs a pass now, then one every interval (±20%) until stop(). */
  start(): void {
    this.loop.start();
    this.logger.info({ intervalMs: this.intervalMs, queues: this.options.queues ?? [] }, 'reaper started');
  }

  /** Stops scheduling passes and waits for the one in progress. */
  async stop(): Promise<void> {
    await this.loop.stop();
    this.logger.info('reaper stopped');
  }

  /** One pass over every queue. Never throws: failures are logged and counted. Resolves true when all went well. */
  runPass(): Promise<boolean> {
    return this.loop.runNow();
  }

  private async passOnce(): Promise<boolean> {
    const started = performance.now();
    let ok = true;
    let names: string[] = [...(this.options.queues ?? [])];
    let listed = this.options.discoverQueues === false;
    try {
      if (!listed) {
        names = [...new Set([...(await listQueues(this.options.redis)), ...names])].sort();
        listed = true;
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'listing queues failed; the pass goes on with REAPER_QUEUES only');
      ok = false;
    }
    if (listed) this.forgetQueuesNotIn(names);
    try {
      this.archiving = await archiveRequired(this.options.redis);
      this.metrics.archiveRequired.set(this.archiving ? 1 : 0);
    } catch (error) {
      // Unknown: retention waits this pass rather than delete what may not be archived.
      this.archiving = true;
      ok = false;
      this.logger.warn(
        { err: error },
        'reading tq:archive failed; retention holds unconfirmed tasks this pass',
      );
    }

    // Every queue gets one O(1) look; only those with due work get the reap and promote scripts (and those
    // with a due schedule slot the firing), the most overdue first, so a pass stays bounded and a queue's
    // recovery does not wait behind thousands of idle ones.
    const now = Date.now();
    const toLook = names.filter((name) => (this.nextLookAt.get(name) ?? 0) <= now);
    const looks = await Promise.all(toLook.map((name) => this.look(name)));
    for (const look of looks) {
      // Nothing running, scheduled or in retry in any partition: no lease can expire before idleLookMs from
      // now has passed. A schedule's next slot comes sooner than that: look again by then.
      if (look?.partitions.every((p) => p.earliest === null) && this.idleLookMs > 0) {
        const idleUntil = now + this.idleLookMs * (0.75 + 0.25 * this.random());
        const slotIn = look.scheduleAt === null ? Infinity : look.scheduleAt - look.partitions[0]!.now;
        this.nextLookAt.set(look.queue.name, Math.min(idleUntil, now + slotIn));
      } else if (look) this.nextLookAt.delete(look.queue.name);
    }
    this.metrics.queuesLooked.set(toLook.length);
    ok &&= looks.every((look) => look !== undefined);
    const due = looks
      .filter((look): look is Look => look !== undefined && dueAt(look) !== null)
      .sort((a, b) => dueAt(a)! - dueAt(b)!)
      .slice(0, this.dueQueuesPerPass);
    const handled = await Promise.all(due.map((look) => this.handleDue(look)));
    ok &&= handled.every(Boolean);

    // Retention, gauges, idle removal and repair for the next slice of queues, in turn.
    const swept = await Promise.all(this.nextSweep(names).map((name) => this.sweep(name)));
    ok &&= swept.every(Boolean);
    this.publishOthers();
    await this.pruneFunctionsIfDue();

    this.metrics.passDuration.observe((performance.now() - started) / 1000);
    this.metrics.queuesDue.set(due.length);
    if (ok) this.metrics.lastSuccess.set(Date.now() / 1000);
    else this.metrics.passFailures.inc();
    return ok;
  }

  /**
   * The queue's due look, one O(1) script per partition (each on its partition's slot), or undefined
   * (logged) when it failed.
   */
  private async look(name: string): Promise<Look | undefined> {
    try {
      let queue = await this.queue(name); // throws for a malformed name someone added to tq:queues
      let looks = await Promise.all(queue.partitions.map((p) => p.due()));
      // Created partitioned or resized since this reaper read the layout (ADR 0064): look again with the new
      // one now, rather than after the directory's TTL, so that its partitions' expired leases wait no longer.
      if (looks[0]!.layoutGeneration !== queue.layout.generation) {
        queue = await this.directory.refresh(name);
        looks = await Promise.all(queue.partitions.map((p) => p.due()));
      }
      return {
        queue,
        partitions: looks.map(({ now, earliest }) => ({ now, earliest })),
        scheduleAt: looks[0]!.scheduleAt,
      };
    } catch (error) {
      this.logger.error({ err: error, queue: name }, 'looking at the queue failed; retrying next interval');
      return undefined;
    }
  }

  /** The queues this pass sweeps: `sweepQueuesPerPass` of the sorted list, from where the last one stopped. */
  private nextSweep(names: string[]): string[] {
    if (names.length <= this.sweepQueuesPerPass) return names;
    const from = this.sweepFrom % names.length;
    this.sweepFrom = from + this.sweepQueuesPerPass;
    const slice = names.slice(from, from + this.sweepQueuesPerPass);
    return slice.concat(names.slice(0, this.sweepQueuesPerPass - slice.length));
  }

  /**
   * Recovers expired leases and promotes due tasks of one queue, in each partition whose look said work
   * has come (those partitions at once: they are on different masters), and fires its due schedule slots.
   * A failure is logged and retried next pass.
   */
  private async handleDue(look: Look): Promise<boolean> {
    const { queue, partitions, scheduleAt } = look;
    const q = queue.name;
    const label = this.labels.label(q);
    return this.guarded(q, async () => {
      const due = queue.partitions.filter((_, i) => partitionDue(partitions[i]!));
      const handled = await Promise.all(
        due.map(async (partition) => {
          const reaped = await this.reap(q, partition);
          const promoted = await this.drain(async () => {
            const p = await partition.promote(this.batchSize);
            this.metrics.promoted.labels(label, 'scheduled').inc(p.scheduled);
            this.metrics.promoted.labels(label, 'retry').inc(p.retry);
            return Math.max(p.scheduled, p.retry);
          });
          return { ...reaped, promoted };
        }),
      );
      const totals = { recovered: 0, dead: 0, orphans: 0, promoted: 0 };
      for (const h of handled)
        for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += h[k];
      if (totals.recovered + totals.dead + totals.orphans + totals.promoted > 0)
        this.logger.info(
          { queue: q, ...totals, ...(queue.count > 1 && { partitions: due.map((p) => p.partition) }) },
          'expired leases and due tasks handled',
        );
      if (scheduleAt !== null && scheduleAt <= partitions[0]!.now) await this.fireSchedules(q, label);
    });
  }

  /** Fires the due slots of a queue's schedules, up to maxPerPass schedules per pass. */
  private async fireSchedules(q: string, label: string): Promise<void> {
    for (let handled = 0; handled < this.maxPerPass; handled += SCHEDULES_PER_FIRE) {
      const fired = await this.schedules.fireDue(q, Math.min(SCHEDULES_PER_FIRE, this.maxPerPass - handled));
      const tasks = [...fired.created.values()].reduce((n, ids) => n + ids.length, 0);
      this.metrics.scheduleSlots.labels(label, 'fired').inc(tasks);
      this.metrics.scheduleSlots.labels(label, 'skipped_overlap').inc(fired.overlapSkipped);
      this.metrics.scheduleSlots.labels(label, 'skipped_misfire').inc(fired.misfireSkipped);
      this.metrics.scheduleConflicts.inc(fired.stale);
      for (const delay of fired.delaysMs) this.metrics.scheduleDelay.observe(delay / 1000);
      if (tasks > 0 || fired.misfireSkipped > 0 || fired.overlapSkipped > 0)
        this.logger.info(
          {
            queue: q,
            schedules: [...fired.created.keys()],
            tasks,
            skippedOverlap: fired.overlapSkipped,
            skippedMisfire: fired.misfireSkipped,
          },
          'schedule slots fired',
        );
      if (!fired.more) return;
    }
  }

  /**
   * Retention, orphan repair when due, gauges and idle removal for one logical queue: retention and repair
   * run in every partition at once, each partition keeping its share of the count caps (ADR 0041).
   */
  private async sweep(q: string): Promise<boolean> {
    const label = this.labels.label(q);
    return this.guarded(q, async () => {
      const queue = await this.queue(q);
      const n = queue.count;
      const policy = this.options.retention ?? DEFAULT_RETENTION;
      const shares: RetentionPolicy = {
        ...policy,
        finishedMaxCount: share(policy.finishedMaxCount, n),
        deadMaxCount: share(policy.deadMaxCount, n),
      };
      const archive = this.archiving
        ? { holdMax: share(this.options.archiveHoldMax ?? 500_000, n) }
        : undefined;
      const held = { done: 0, canceled: 0, dead: 0 };
      await Promise.all(
        queue.partitions.map((partition) =>
          this.drain(async () => {
            const t = await partition.trim(shares, this.batchSize, archive);
            this.metrics.trimmed.labels(label, 'done').inc(t.done);
            this.metrics.trimmed.labels(label, 'canceled').inc(t.canceled);
            this.metrics.trimmed.labels(label, 'dead').inc(t.dead);
            for (const state of ['done', 'canceled', 'dead'] as const) held[state] += t.held[state];
            if (t.dropped.length > 0) {
              this.metrics.archiveDropped.labels(label).inc(t.dropped.length);
              this.logger.error(
                { queue: q, tasks: t.dropped, holdMax: archive?.holdMax },
                'finished tasks deleted before any archiver stored them: the archive is behind past RETENTION_ARCHIVE_HOLD_MAX (is PostgreSQL or the archiver down?)',
              );
            }
            return Math.max(t.done, t.canceled, t.dead);
          }),
        ),
      );
      for (const state of ['done', 'canceled', 'dead'] as const)
        this.metrics.retentionHeld.labels(label, state).set(held[state]);
      if (this.repairDue(q)) {
        const repaired = await queue.repair(this.batchSize);
        this.metrics.orphansRepaired.labels(label).inc(repaired.length);
        if (repaired.length > 0)
          this.logger.warn(
            { queue: q, tasks: repaired },
            'running tasks without a lease put back in pending',
          );
      }
      const { stats, partitions } = await queue.statsByPartition();
      this.stats.set(q, stats);
      if (this.labels.has(q)) {
        this.publishStats(q, stats);
        this.publishPartitions(q, partitions);
      }
      await this.dropDrained(queue);
      await this.removeIfIdle(queue, stats);
    });
  }

  /**
   * Removes the draining partitions of a shrunk queue once they are empty and the shrink has settled
   * (ADR 0043), so no operator call is needed. Only when the layout held has draining partitions: nothing
   * read otherwise; then a read of the layout and one script per draining partition.
   */
  private async dropDrained(queue: PartitionedQueue): Promise<void> {
    if (queue.draining.length === 0) return;
    const dropped = await queue.dropDrained();
    if (dropped.length === 0) return;
    this.directory.forget(queue.name);
    this.logger.info({ queue: queue.name, partitions: dropped }, 'drained partitions removed');
  }

  /** Runs one queue's step; a failure is logged, and the next pass tries again. */
  private async guarded(q: string, step: () => Promise<void>): Promise<boolean> {
    try {
      await step();
      return true;
    } catch (error) {
      this.logger.error(
        { err: error, queue: q },
        'reaper pass failed for this queue; retrying next interval',
      );
      return false;
    }
  }

  /**
   * Deletes the script libraries of other tq versions that no process loaded for functionRetentionMs, when a
   * look is due (ADR 0065). A failure is logged, and the pass is not failed for it: nothing waits on it.
   */
  private async pruneFunctionsIfDue(): Promise<void> {
    const retentionMs = this.options.functionRetentionMs ?? 86_400_000;
    if (retentionMs <= 0 || Date.now() < this.functionPruneAt) return;
    this.functionPruneAt = Date.now() + FUNCTION_PRUNE_EVERY_MS;
    try {
      const { deleted } = await pruneFunctionLibraries(this.options.redis, retentionMs);
      this.metrics.functionLibrariesDeleted.inc(deleted.length);
      if (deleted.length > 0)
        this.logger.info(
          { libraries: deleted, unusedForMs: retentionMs },
          'deleted the script libraries of other tq versions that no process loaded lately',
        );
    } catch (error) {
      this.logger.warn(
        { err: error },
        "deleting old tq versions' script libraries failed; retrying in an hour (an ACL user needs " +
          '+function|list and +function|delete, or set REAPER_FUNCTION_RETENTION_MS=0)',
      );
    }
  }

  /**
   * Whether the queue's orphan repair (a SCAN of its task hashes) is due. A queue's first repair comes at a
   * random point of the first interval, so replicas started together do not all SCAN at once, and a reaper
   * that restarts often still repairs.
   */
  private repairDue(q: string): boolean {
    if (this.repairIntervalMs <= 0) return false;
    const now = Date.now();
    const at = this.repairAt.get(q) ?? now + this.random() * this.repairIntervalMs;
    const due = now >= at;
    this.repairAt.set(q, due ? now + this.repairIntervalMs : at);
    return due;
  }

  /**
   * Removes from `tq:queues` a queue seen empty, without settings, for idleRemoveAfterMs (not REAPER_QUEUES);
   * a partitioned queue only when all its partitions are, keeping its layout (ADR 0041).
   */
  private async removeIfIdle(queue: PartitionedQueue, stats: QueueStats): Promise<void> {
    const q = queue.name;
    const empty = Object.values(stats.counts).every((n) => n === 0) && !stats.paused;
    if (!empty || this.idleRemoveAfterMs <= 0 || this.options.queues?.includes(q)) {
      this.emptySince.delete(q);
      return;
    }
    const since = this.emptySince.get(q) ?? Date.now();
    this.emptySince.set(q, since);
    if (Date.now() - since < this.idleRemoveAfterMs) return;
    const { code } = await queue.remove('idle');
    this.emptySince.delete(q);
    if (code === 'removed') {
      this.metrics.queuesRemoved.inc();
      this.forget(q);
      this.logger.info({ queue: q, idleMs: Date.now() - since }, 'empty queue removed from tq:queues (idle)');
    }
  }

  /** Drops what the reaper keeps about queues no longer in the registry, their series included. */
  private forgetQueuesNotIn(names: string[]): void {
    const present = new Set(names);
    for (const q of this.queues.keys()) if (!present.has(q)) this.forget(q);
  }

  private forget(q: string): void {
    this.queues.delete(q);
    this.directory.forget(q);
    this.publishPartitions(q, []);
    this.stats.delete(q);
    this.emptySince.delete(q);
    this.repairAt.delete(q);
    this.nextLookAt.delete(q);
    if (this.labels.has(q)) {
      this.metrics.removeQueue(q);
      this.labels.forget(q);
    }
  }

  /** Recovers the expired leases of one partition of queue `q` (the whole queue when unpartitioned). */
  private async reap(q: string, queue: Queue): Promise<{ recovered: number; dead: number; orphans: number }> {
    const label = this.labels.label(q);
    const totals = { recovered: 0, dead: 0, orphans: 0 };
    await this.drain(async () => {
      const r = await queue.reap(this.batchSize);
      totals.recovered += r.recovered.length;
      totals.dead += r.dead.length;
      totals.orphans += r.orphans;
      this.metrics.recovered.labels(label).inc(r.recovered.length);
      this.metrics.deadLettered.labels(label, 'lease_expired').inc(r.dead.length);
      this.metrics.orphansRepaired.labels(label).inc(r.orphans);
      if (r.dead.length > 0)
        this.logger.warn(
          { queue: q, tasks: r.dead },
          'tasks dead-lettered: attempts spent on expired leases',
        );
      if (r.canceled.length > 0)
        this.logger.info(
          { queue: q, tasks: r.canceled },
          'tasks canceled: an operator canceled them while running and their worker died before it ended them',
        );
      return r.recovered.length + r.dead.length + r.orphans + r.canceled.length;
    });
    return totals;
  }

  /** Repeats a batched step while it comes back full, up to maxPerPass entries. Returns how many it handled. */
  private async drain(step: () => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await step();
      total += n;
      if (n < this.batchSize || total >= this.maxPerPass) return total;
    }
  }

  /** The gauges of one queue with its own series. */
  private publishStats(q: string, s: QueueStats): void {
    this.setGauges(q, s.counts, (s.oldestPendingAgeMs ?? 0) / 1000, s.paused ? 1 : 0, s.expiredLeases);
  }

  /**
   * The gauges of `queue="~other"`: the queues past metricsMaxQueues together (depths and expired leases
   * summed, the oldest pending age and paused as the maximum), from each one's last sweep.
   */
  private publishOthers(): void {
    const counts = Object.fromEntries(STATES.map((state) => [state, 0])) as QueueStats['counts'];
    let age = 0;
    let paused = 0;
    let expired = 0;
    let any = false;
    for (const [q, s] of this.stats) {
      if (this.labels.has(q)) continue;
      any = true;
      for (const state of STATES) counts[state] += s.counts[state];
      age = Math.max(age, (s.oldestPendingAgeMs ?? 0) / 1000);
      paused = Math.max(paused, s.paused ? 1 : 0);
      expired += s.expiredLeases;
    }
    if (any) this.setGauges(OTHER_QUEUES, counts, age, paused, expired);
    else this.metrics.removeQueue(OTHER_QUEUES, { countersToo: false });
  }

  /**
   * The per-partition backlog of a partitioned queue (`tq_queue_partition_pending`), which shows skew
   * (partition keys, a limit's shares that do not follow load); none for an unpartitioned queue. Series of
   * partitions a queue no longer has are removed.
   */
  private publishPartitions(q: string, partitions: QueueStats[]): void {
    const shown = partitions.length > 1 ? partitions.length : 0;
    for (let i = shown; i < (this.partitionSeries.get(q) ?? 0); i++)
      this.metrics.partitionPending.remove({ queue: q, partition: String(i) });
    partitions
      .slice(0, shown)
      .forEach((s, i) => this.metrics.partitionPending.labels(q, String(i)).set(s.counts.pending));
    if (shown > 0) this.partitionSeries.set(q, shown);
    else this.partitionSeries.delete(q);
  }

  private setGauges(
    label: string,
    counts: QueueStats['counts'],
    ageSeconds: number,
    paused: number,
    expired: number,
  ): void {
    for (const state of STATES) this.metrics.depth.labels(label, state).set(counts[state]);
    this.metrics.oldestPendingAge.labels(label).set(ageSeconds);
    this.metrics.paused.labels(label).set(paused);
    this.metrics.expiredLeases.labels(label).set(expired);
  }

  /** Queue `name` with its partition layout (read again after the directory's TTL). */
  private queue(name: string): Promise<PartitionedQueue> {
    const queue = this.directory.open(name); // throws for a malformed name
    this.track(name);
    return queue;
  }

  /** Starts keeping state for queue `name`: its counter series at 0 before its first increment. */
  private track(name: string): void {
    if (this.queues.has(name)) return;
    this.queues.add(name);
    this.metrics.initQueue(this.labels.label(name));
  }
}
