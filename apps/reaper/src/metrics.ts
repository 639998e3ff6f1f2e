import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const STATES = ['pending', 'scheduled', 'running', 'retry', 'dead', 'done', 'canceled'] as const;

/**
 * The reaper's Prometheus metrics. Queue labels come from `tq:queues` (queue names the API validated), and
 * at most METRICS_MAX_QUEUES of them have their own series: the others share `queue="~other"`, so a flood
 * of queues cannot flood the metrics.
 */
export class ReaperMetrics {
  readonly depth: Gauge<'queue' | 'state'>;
  readonly oldestPendingAge: Gauge<'queue'>;
  readonly paused: Gauge<'queue'>;
  readonly expiredLeases: Gauge<'queue'>;
  readonly partitionPending: Gauge<'queue' | 'partition'>;
  readonly recovered: Counter<'queue'>;
  readonly deadLettered: Counter<'queue' | 'reason'>;
  readonly promoted: Counter<'queue' | 'from'>;
  readonly orphansRepaired: Counter<'queue'>;
  readonly trimmed: Counter<'queue' | 'state'>;
  readonly retentionHeld: Gauge<'queue' | 'state'>;
  readonly archiveDropped: Counter<'queue'>;
  readonly archiveRequired: Gauge;
  readonly lastSuccess: Gauge;
  readonly passDuration: Histogram;
  readonly passFailures: Counter;
  readonly queuesDue: Gauge;
  readonly queuesLooked: Gauge;
  readonly queuesRemoved: Counter;
  readonly scheduleSlots: Counter<'queue' | 'outcome'>;
  readonly scheduleConflicts: Counter;
  readonly scheduleDelay: Histogram;
  readonly functionLibrariesDeleted: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.depth = new Gauge({
      name: 'tq_queue_depth',
      help: 'Tasks per queue and state.',
      labelNames: ['queue', 'state'],
      registers,
    });
    this.oldestPendingAge = new Gauge({
      name: 'tq_queue_oldest_pending_age_seconds',
      help: 'How long the oldest pending task has waited (0 when none): the alert for stuck or starved queues.',
      labelNames: ['queue'],
      registers,
    });
    this.paused = new Gauge({
      name: 'tq_queue_paused',
      help: 'Whether the queue is paused (1) or not (0).',
      labelNames: ['queue'],
      registers,
    });
    this.expiredLeases = new Gauge({
      name: 'tq_queue_expired_leases',
      help: 'Running tasks whose lease expired and that are not recovered yet (grows when no reaper runs).',
      labelNames: ['queue'],
      registers,
    });
    this.partitionPending = new Gauge({
      name: 'tq_queue_partition_pending',
      help: 'Pending tasks per partition of a partitioned queue (none for an unpartitioned one): skew between partitions.',
      labelNames: ['queue', 'partition'],
      registers,
    });
    this.recovered = new Counter({
      name: 'tq_tasks_recovered_total',
      help: 'Tasks whose lease expired (worker died or stalled) put back in pending.',
      labelNames: ['queue'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'tq_tasks_dead_lettered_total',
      help: 'Tasks the reaper sent to the dead letters (reason lease_expired: attempts spent on lost leases).',
      labelNames: ['queue', 'reason'],
      registers,
    });
    this.promoted = new Counter({
      name: 'tq_tasks_promoted_total',
      help: 'Due tasks moved to pending, from scheduled or retry.',
      labelNames: ['queue', 'from'],
      registers,
    });
    this.orphansRepaired = new Counter({
      name: 'tq_orphans_repaired_total',
      help: 'Inconsistent entries fixed: running ids without a running task, tasks running without a lease.',
      labelNames: ['queue'],
      registers,
    });
    this.trimmed = new Counter({
      name: 'tq_tasks_trimmed_total',
      help: 'Finished and dead tasks deleted by retention, by state.',
      labelNames: ['queue', 'state'],
      registers,
    });
    this.retentionHeld = new Gauge({
      name: 'tq_retention_held_tasks',
      help: 'Archiving on: finished tasks past retention held in Redis because no archiver confirmed them yet (among the oldest examined, at most REAPER_BATCH_SIZE).',
      labelNames: ['queue', 'state'],
      registers,
    });
    this.archiveDropped = new Counter({
      name: 'tq_retention_unarchived_deleted_total',
      help: 'Archiving on: finished tasks deleted by the memory guard (RETENTION_ARCHIVE_HOLD_MAX) before any archiver stored them: lost to the history.',
      labelNames: ['queue'],
      registers,
    });
    this.archiveRequired = new Gauge({
      name: 'tq_retention_archive_required',
      help: 'Whether retention waits for the archive (tq:archive is set: 1) or not (0), as the last pass read it.',
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'tq_reaper_last_success_timestamp_seconds',
      help: 'When the last fully successful pass ended (Unix time): alert when it goes stale.',
      registers,
    });
    this.passDuration = new Histogram({
      name: 'tq_reaper_pass_duration_seconds',
      help: 'Duration of reaper passes over all queues.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.queuesDue = new Gauge({
      name: 'tq_reaper_queues_due',
      help: 'Queues with due work (expired leases, due scheduled or retry tasks) handled in the last pass.',
      registers,
    });
    this.queuesLooked = new Gauge({
      name: 'tq_reaper_queues_looked',
      help: 'Queues looked at (one O(1) script each) in the last pass; idle ones only every REAPER_IDLE_LOOK_MS.',
      registers,
    });
    this.queuesRemoved = new Counter({
      name: 'tq_reaper_queues_removed_total',
      help: 'Empty queues removed from tq:queues after QUEUE_IDLE_REMOVE_AFTER_MS.',
      registers,
    });
    this.queuesRemoved.inc(0);
    this.scheduleSlots = new Counter({
      name: 'tq_schedule_slots_total',
      help: 'Schedule slots handled by this reaper: fired (a task enqueued), skipped_overlap, skipped_misfire.',
      labelNames: ['queue', 'outcome'],
      registers,
    });
    this.scheduleConflicts = new Counter({
      name: 'tq_schedule_fire_conflicts_total',
      help: 'Schedules another reaper (or a change) moved between this reaper reading and firing them: nothing fired twice.',
      registers,
    });
    this.scheduleConflicts.inc(0);
    this.scheduleDelay = new Histogram({
      name: 'tq_schedule_fire_delay_seconds',
      help: 'How late an on-time schedule slot became a task (Redis time of the fire minus the slot).',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.passFailures = new Counter({
      name: 'tq_reaper_pass_failures_total',
      help: 'Passes in which some step failed (Redis unreachable); retried at the next interval.',
      registers,
    });
    this.passFailures.inc(0);
    this.functionLibrariesDeleted = new Counter({
      name: 'tq_reaper_function_libraries_deleted_total',
      help: 'Script libraries of other tq versions deleted from Redis: no process had loaded them for REAPER_FUNCTION_RETENTION_MS (ADR 0065).',
      registers,
    });
    this.functionLibrariesDeleted.inc(0);
  }

  /**
   * Makes every counter series of `queue` at 0, for each closed label value: call it before the first
   * increment, so the queue's first recovery or dead letter is seen by increase() and rate().
   */
  initQueue(queue: string): void {
    this.recovered.labels(queue).inc(0);
    this.deadLettered.labels(queue, 'lease_expired').inc(0);
    this.orphansRepaired.labels(queue).inc(0);
    for (const from of ['scheduled', 'retry']) this.promoted.labels(queue, from).inc(0);
    for (const state of ['done', 'canceled', 'dead']) this.trimmed.labels(queue, state).inc(0);
    // Born at 0 too: TqArchiveDroppedTasks is an increase() > 0, which a series born at its first drop
    // (already at N) never shows, so that first loss of history would not page.
    this.archiveDropped.labels(queue).inc(0);
    for (const outcome of ['fired', 'skipped_overlap', 'skipped_misfire'])
      this.scheduleSlots.labels(queue, outcome).inc(0);
  }

  /** Removes a queue's series (a queue that is gone); its counters too unless `countersToo` is false. */
  removeQueue(queue: string, { countersToo = true } = {}): void {
    for (const state of STATES) this.depth.remove({ queue, state });
    for (const gauge of [this.oldestPendingAge, this.paused, this.expiredLeases]) gauge.remove({ queue });
    if (!countersToo) return;
    this.recovered.remove({ queue });
    this.orphansRepaired.remove({ queue });
    this.deadLettered.remove({ queue, reason: 'lease_expired' });
    for (const from of ['scheduled', 'retry']) this.promoted.remove({ queue, from });
    for (const state of ['done', 'canceled', 'dead']) {
      this.trimmed.remove({ queue, state });
      this.retentionHeld.remove({ queue, state });
    }
    this.archiveDropped.remove({ queue });
    for (const outcome of ['fired', 'skipped_overlap', 'skipped_misfire'])
      this.scheduleSlots.remove({ queue, outcome });
  }
}
