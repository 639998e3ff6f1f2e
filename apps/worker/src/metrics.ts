import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Seconds, from a millisecond to an hour: waits and end-to-end times span that whole range. */
const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
];
const RUN_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** Dead-letter reasons kept as label values; a handler's own PermanentError reasons count as 'permanent'. */
const DEAD_REASONS = new Set(['max_attempts', 'permanent', 'unknown_type', 'decode_error']);

/**
 * The series of one queue that every task touches, resolved once: prom-client's labels() validates the
 * labels and allocates a child on every call.
 */
export interface QueueSeries {
  started: Counter.Internal;
  completed: Counter.Internal;
  waitSeconds: Histogram.Internal<'queue'>;
  endToEndSeconds: Histogram.Internal<'queue'>;
  /** tq_task_run_seconds of this queue with the given outcome. */
  runSeconds(outcome: string): Histogram.Internal<'queue' | 'outcome'>;
}

/**
 * The worker's Prometheus metrics. Every label value is bounded: queues come from the configuration,
 * reasons and outcomes from closed sets.
 */
export class WorkerMetrics {
  readonly started: Counter<'queue'>;
  readonly completed: Counter<'queue'>;
  readonly failed: Counter<'queue' | 'reason'>;
  readonly retried: Counter<'queue'>;
  readonly deadLettered: Counter<'queue' | 'reason'>;
  readonly released: Counter<'queue'>;
  readonly staleAcks: Counter<'queue' | 'operation'>;
  readonly leaseExtensions: Counter<'queue'>;
  readonly waitSeconds: Histogram<'queue'>;
  readonly runSeconds: Histogram<'queue' | 'outcome'>;
  readonly endToEndSeconds: Histogram<'queue'>;
  private readonly series = new Map<string, QueueSeries>();

  constructor(registry: Registry, queues: string[], slots: number, busySlots: () => number) {
    const registers = [registry];
    this.started = new Counter({
      name: 'tq_tasks_started_total',
      help: 'Attempts started (tasks claimed and handed to a handler).',
      labelNames: ['queue'],
      registers,
    });
    this.completed = new Counter({
      name: 'tq_tasks_completed_total',
      help: 'Tasks completed (acknowledged done).',
      labelNames: ['queue'],
      registers,
    });
    this.failed = new Counter({
      name: 'tq_tasks_failed_total',
      help: 'Failed attempts by reason: error, timeout, unknown_type, permanent, decode_error.',
      labelNames: ['queue', 'reason'],
      registers,
    });
    this.retried = new Counter({
      name: 'tq_tasks_retried_total',
      help: 'Failed attempts scheduled for a retry after backoff.',
      labelNames: ['queue'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'tq_tasks_dead_lettered_total',
      help: 'Tasks sent to the dead letters by reason: max_attempts, permanent, unknown_type, decode_error.',
      labelNames: ['queue', 'reason'],
      registers,
    });
    this.released = new Counter({
      name: 'tq_tasks_released_total',
      help: 'Tasks given back to pending without spending an attempt (shutdown).',
      labelNames: ['queue'],
      registers,
    });
    this.staleAcks = new Counter({
      name: 'tq_stale_acks_total',
      help: 'Acknowledgements refused because the lease was no longer current (operation: complete, fail, extend, release).',
      labelNames: ['queue', 'operation'],
      registers,
    });
    this.leaseExtensions = new Counter({
      name: 'tq_lease_extensions_total',
      help: 'Leases extended while handlers ran.',
      labelNames: ['queue'],
      registers,
    });
    this.waitSeconds = new Histogram({
      name: 'tq_task_wait_seconds',
      help: 'Time from a task becoming runnable to its attempt starting.',
      labelNames: ['queue'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.runSeconds = new Histogram({
      name: 'tq_task_run_seconds',
      help: 'Handler run time by outcome: success, error, timeout, unknown_type, permanent, decode_error, lease_lost, released.',
      labelNames: ['queue', 'outcome'],
      buckets: RUN_BUCKETS,
      registers,
    });
    this.endToEndSeconds = new Histogram({
      name: 'tq_task_end_to_end_seconds',
      help: 'Time from a task being created to it being done.',
      labelNames: ['queue'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    new Gauge({
      name: 'tq_worker_slots',
      help: 'Tasks this worker runs at once at most (WORKER_CONCURRENCY).',
      registers,
    }).set(slots);
    new Gauge({
      name: 'tq_worker_busy_slots',
      help: 'Tasks this worker is running now.',
      registers,
      collect() {
        this.set(busySlots());
      },
    });
    // Series exist from the start, so rate() and absent() work before the first task.
    for (const queue of queues) {
      for (const counter of [this.started, this.completed, this.retried, this.leaseExtensions])
        counter.labels(queue).inc(0);
    }
  }

  /** The hot series of `queue`, made on first use. */
  forQueue(queue: string): QueueSeries {
    let series = this.series.get(queue);
    if (!series) {
      const run = new Map<string, Histogram.Internal<'queue' | 'outcome'>>();
      series = {
        started: this.started.labels(queue),
        completed: this.completed.labels(queue),
        waitSeconds: this.waitSeconds.labels(queue),
        endToEndSeconds: this.endToEndSeconds.labels(queue),
        runSeconds: (outcome) => {
          let child = run.get(outcome);
          if (!child) {
            child = this.runSeconds.labels(queue, outcome);
            run.set(outcome, child);
          }
          return child;
        },
      };
      this.series.set(queue, series);
    }
    return series;
  }

  /** The label value for a dead-letter reason. */
  static deadReasonLabel(reason: string): string {
    return DEAD_REASONS.has(reason) ? reason : 'permanent';
  }
}
