import { performance } from 'node:perf_hooks';
import {
  DEFAULT_RETENTION,
  Queue,
  listQueues,
  type Clock,
  type RedisClient,
  type RetentionPolicy,
} from '@tq/core';
import { createLogger, withSafeErrors, type Logger } from '@tq/ops';
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
  /** Time between orphan repairs, which SCAN every task hash; 0 turns them off. Default 600000. */
  repairIntervalMs?: number;
  /** Most entries one script call handles. Default 1000. */
  batchSize?: number;
  /** Most entries one step (reap, promote, trim) handles per queue per pass. Default 10000. */
  maxPerPass?: number;
  /** Default: silent. */
  logger?: Logger;
  /** Where the metrics go. Default: a new registry, exposed as `reaper.registry`. */
  registry?: Registry;
  /** Tests only: a clock whose time replaces Redis TIME in the scripts. */
  clock?: Clock;
  /** Source of jitter, in [0, 1). Default Math.random. */
  random?: () => number;
}

const STATES = ['pending', 'scheduled', 'running', 'retry', 'dead', 'done', 'canceled'] as const;

/**
 * Recovers tasks of dead workers: every interval, for each queue, returns expired leases to pending (or
 * dead), promotes due tasks, applies retention, repairs orphans now and then, and publishes queue gauges.
 * Every step is one atomic script, so any number of replicas may run at once.
 */
export class Reaper {
  readonly registry: Registry;
  private readonly metrics: ReaperMetrics;
  private readonly queues = new Map<string, Queue>();
  private readonly logger: Logger;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly maxPerPass: number;
  private readonly repairIntervalMs: number;
  private readonly random: () => number;
  private nextRepairAt: number;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<boolean> | undefined;
  private running = false;

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
    this.metrics = new ReaperMetrics(this.registry);
    // The first repair comes at a random point of the first interval, so replicas started together
    // do not all SCAN at once, and a reaper that restarts often still repairs.
    this.nextRepairAt = Date.now() + this.random() * this.repairIntervalMs;
  }

  /** Runs a pass now, then one every interval (±20%) until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
    this.logger.info({ intervalMs: this.intervalMs, queues: this.options.queues ?? [] }, 'reaper started');
  }

  /** Stops scheduling passes and waits for the one in progress. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.pass;
    this.logger.info('reaper stopped');
  }

  /** One pass over every queue. Never throws: failures are logged and counted. Resolves true when all went well. */
  runPass(): Promise<boolean> {
    this.pass ??= this.passOnce().finally(() => (this.pass = undefined));
    return this.pass;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      const next = () => {
        if (this.running) this.schedule(this.intervalMs * (0.8 + 0.4 * this.random()));
      };
      // runPass never rejects; if it ever did, the reaper must go on passing all the same.
      this.runPass().then(next, (error: unknown) => {
        this.logger.error({ err: error }, 'reaper pass failed unexpectedly; the next one is scheduled');
        next();
      });
    }, delayMs);
  }

  private async passOnce(): Promise<boolean> {
    const started = performance.now();
    let ok = true;
    let names: string[] = [...(this.options.queues ?? [])];
    try {
      if (this.options.discoverQueues !== false)
        names = [...new Set([...(await listQueues(this.options.redis)), ...names])];
    } catch (error) {
      this.logger.warn({ err: error }, 'listing queues failed; the pass goes on with REAPER_QUEUES only');
      ok = false;
    }
    const repair = this.repairIntervalMs > 0 && Date.now() >= this.nextRepairAt;
    if (repair) this.nextRepairAt = Date.now() + this.repairIntervalMs;
    const results = await Promise.all(names.map((name) => this.tend(name, repair)));
    ok &&= results.every(Boolean);
    this.metrics.passDuration.observe((performance.now() - started) / 1000);
    if (ok) this.metrics.lastSuccess.set(Date.now() / 1000);
    else this.metrics.passFailures.inc();
    return ok;
  }

  /** All steps for one queue; a failure is logged and the next pass tries again. */
  private async tend(q: string, repair: boolean): Promise<boolean> {
    try {
      const queue = this.queue(q); // throws for a malformed name someone added to tq:queues
      const reaped = await this.reap(queue);
      const promoted = await this.drain(async () => {
        const p = await queue.promote(this.batchSize);
        this.metrics.promoted.labels(q, 'scheduled').inc(p.scheduled);
        this.metrics.promoted.labels(q, 'retry').inc(p.retry);
        return Math.max(p.scheduled, p.retry);
      });
      await this.drain(async () => {
        const t = await queue.trim(this.options.retention ?? DEFAULT_RETENTION, this.batchSize);
        this.metrics.trimmed.labels(q, 'done').inc(t.done);
        this.metrics.trimmed.labels(q, 'canceled').inc(t.canceled);
        this.metrics.trimmed.labels(q, 'dead').inc(t.dead);
        return Math.max(t.done, t.canceled, t.dead);
      });
      if (repair) {
        const repaired = await queue.repair(this.batchSize);
        this.metrics.orphansRepaired.labels(q).inc(repaired.length);
        if (repaired.length > 0)
          this.logger.warn(
            { queue: q, tasks: repaired },
            'running tasks without a lease put back in pending',
          );
      }
      if (reaped.recovered + reaped.dead + reaped.orphans > 0 || promoted > 0)
        this.logger.info({ queue: q, ...reaped }, 'expired leases handled');
      await this.publishStats(queue);
      return true;
    } catch (error) {
      this.logger.error(
        { err: error, queue: q },
        'reaper pass failed for this queue; retrying next interval',
      );
      return false;
    }
  }

  private async reap(queue: Queue): Promise<{ recovered: number; dead: number; orphans: number }> {
    const q = queue.name;
    const totals = { recovered: 0, dead: 0, orphans: 0 };
    await this.drain(async () => {
      const r = await queue.reap(this.batchSize);
      totals.recovered += r.recovered.length;
      totals.dead += r.dead.length;
      totals.orphans += r.orphans;
      this.metrics.recovered.labels(q).inc(r.recovered.length);
      this.metrics.deadLettered.labels(q, 'lease_expired').inc(r.dead.length);
      this.metrics.orphansRepaired.labels(q).inc(r.orphans);
      if (r.dead.length > 0)
        this.logger.warn(
          { queue: q, tasks: r.dead },
          'tasks dead-lettered: attempts spent on expired leases',
        );
      return r.recovered.length + r.dead.length + r.orphans;
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

  private async publishStats(queue: Queue): Promise<void> {
    const s = await queue.stats();
    for (const state of STATES) this.metrics.depth.labels(queue.name, state).set(s.counts[state]);
    this.metrics.oldestPendingAge.labels(queue.name).set((s.oldestPendingAgeMs ?? 0) / 1000);
    this.metrics.paused.labels(queue.name).set(s.paused ? 1 : 0);
    this.metrics.expiredLeases.labels(queue.name).set(s.expiredLeases);
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(this.options.redis, name, this.options.clock);
      this.queues.set(name, queue);
    }
    return queue;
  }
}
