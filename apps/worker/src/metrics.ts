import { Counter, Gauge, type Registry } from 'prom-client';
import { FAILURE_REASONS } from './outcome';
import { TallyHistogram, type Tally } from './tally-histogram';

/** Seconds, from a millisecond to an hour: waits and end-to-end times span that whole range. */
const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
];
const RUN_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** Dead-letter reasons kept as label values; a handler's own PermanentError reasons count as 'permanent'. */
const DEAD_REASONS = new Set(['max_attempts', 'permanent', 'unknown_type', 'decode_error']);
/** The acknowledgements that can be refused: the `operation` label of tq_stale_acks_total. */
export const ACK_OPERATIONS = [
  'complete',
  'fail',
  'extend',
  'release',
  'progress',
  'postpone',
  'finish_canceled',
] as const;
export type AckOperation = (typeof ACK_OPERATIONS)[number];

/** The `type` label of a task whose type has no registered handler: producers choose types freely. */
export const OTHER_TYPE = 'other';

/**
 * Increments of a counter series kept as a number and added to the series when the metrics are read
 * (the counters' collect): prom-client's inc() validates and hashes the labels on every call.
 */
export class BatchedCount {
  private pending = 0;

  constructor(private readonly series: Counter.Internal) {}

  inc(): void {
    this.pending++;
  }

  /** Adds what was counted since the last read to the series. */
  fold(): void {
    if (this.pending === 0) return;
    this.series.inc(this.pending);
    this.pending = 0;
  }
}

/**
 * The series of one queue and task type that every task touches, resolved once, and observed without
 * allocating (BatchedCount, Tally).
 */
export interface TaskSeries {
  started: BatchedCount;
  completed: BatchedCount;
  waitSeconds: Tally;
  endToEndSeconds: Tally;
  /** tq_task_run_seconds of this queue and type with the given outcome. */
  runSeconds(outcome: string): Tally;
  /** tq_tasks_failed_total of this queue and type with the given reason. */
  failed(reason: string): Counter.Internal;
}

/** Where {@link WorkerMetrics} gets its bounded label values. */
export interface WorkerMetricsOptions {
  /** The configured queues. */
  queues: string[];
  /** The registered handler types: the `type` label's values, besides {@link OTHER_TYPE}. */
  types: string[];
  /** The worker pool this process belongs to (WORKER_POOL): the `pool` label of the slot gauges. */
  pool: string;
  slots: number;
  busySlots: () => number;
}

/**
 * The worker's Prometheus metrics. Every label value is bounded: queues come from the configuration, types
 * from the registered handlers (anything else is `other`), the pool from WORKER_POOL, reasons and outcomes
 * from closed sets.
 */
export class WorkerMetrics {
  readonly started: Counter<'queue'>;
  readonly completed: Counter<'queue' | 'type'>;
  readonly failed: Counter<'queue' | 'reason' | 'type'>;
  readonly retried: Counter<'queue'>;
  readonly deadLettered: Counter<'queue' | 'reason'>;
  readonly released: Counter<'queue'>;
  /** Running tasks ended canceled at an operator's request (ADR 0019). */
  readonly canceled: Counter<'queue'>;
  readonly postponed: Counter<'queue'>;
  readonly staleAcks: Counter<'queue' | 'operation'>;
  readonly leaseExtensions: Counter<'queue'>;
  readonly waitSeconds: TallyHistogram<'queue'>;
  readonly runSeconds: TallyHistogram<'queue' | 'outcome' | 'type'>;
  readonly endToEndSeconds: TallyHistogram<'queue'>;
  private readonly types: Set<string>;
  /** The started and completed counts of every TaskSeries, folded into their counters when read. */
  private readonly counts: BatchedCount[] = [];
  private readonly series = new Map<string, Map<string, TaskSeries>>();

  constructor(registry: Registry, options: WorkerMetricsOptions) {
    const { queues, pool, slots, busySlots } = options;
    this.types = new Set(options.types);
    const registers = [registry];
    const fold = () => {
      for (const count of this.counts) count.fold();
    };
    this.started = new Counter({
      name: 'tq_tasks_started_total',
      help: 'Attempts started (tasks claimed and handed to a handler).',
      labelNames: ['queue'],
      registers,
      collect: fold,
    });
    this.completed = new Counter({
      name: 'tq_tasks_completed_total',
      help: 'Tasks completed (acknowledged done), by queue and task type (registered handlers; others: other).',
      labelNames: ['queue', 'type'],
      registers,
      collect: fold,
    });
    this.failed = new Counter({
      name: 'tq_tasks_failed_total',
      help: 'Failed attempts by reason (error, timeout, unknown_type, permanent, decode_error, rate_limited) and task type.',
      labelNames: ['queue', 'reason', 'type'],
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
    this.canceled = new Counter({
      name: 'tq_tasks_canceled_total',
      help: "Running tasks whose handler was aborted and that ended canceled at an operator's request (POST /tasks/{id}/cancel).",
      labelNames: ['queue'],
      registers,
    });
    this.postponed = new Counter({
      name: 'tq_tasks_postponed_total',
      help: 'Tasks postponed without spending an attempt because their handler was rate limited (RateLimitError).',
      labelNames: ['queue'],
      registers,
    });
    this.staleAcks = new Counter({
      name: 'tq_stale_acks_total',
      help: 'Acknowledgements refused because the lease was no longer current (operation: complete, fail, extend, release, progress, postpone).',
      labelNames: ['queue', 'operation'],
      registers,
    });
    this.leaseExtensions = new Counter({
      name: 'tq_lease_extensions_total',
      help: 'Leases extended while handlers ran.',
      labelNames: ['queue'],
      registers,
    });
    this.waitSeconds = new TallyHistogram({
      name: 'tq_task_wait_seconds',
      help: 'Time from a task becoming runnable to its attempt starting.',
      labelNames: ['queue'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.runSeconds = new TallyHistogram({
      name: 'tq_task_run_seconds',
      help: 'Handler run time by outcome (success, error, timeout, unknown_type, permanent, decode_error, rate_limited, postponed, lease_lost, released, canceled) and task type.',
      labelNames: ['queue', 'outcome', 'type'],
      buckets: RUN_BUCKETS,
      registers,
    });
    this.endToEndSeconds = new TallyHistogram({
      name: 'tq_task_end_to_end_seconds',
      help: 'Time from a task being created to it being done.',
      labelNames: ['queue'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    // The pool label lets one autoscaler per worker pool (a Deployment for a set of queues) see only its
    // own workers' slots (infra/k8s/components/keda).
    new Gauge({
      name: 'tq_worker_slots',
      help: 'Tasks this worker runs at once at most (WORKER_CONCURRENCY), by worker pool (WORKER_POOL).',
      labelNames: ['pool'],
      registers,
    })
      .labels(pool)
      .set(slots);
    new Gauge({
      name: 'tq_worker_busy_slots',
      help: 'Tasks this worker is running now, by worker pool (WORKER_POOL).',
      labelNames: ['pool'],
      registers,
      collect() {
        this.labels(pool).set(busySlots());
      },
    });
    // Every counter series of every configured queue and closed label value exists from the start, at 0:
    // a series that first appears with its first increment is invisible to increase() and rate(), so a
    // pod's first failure, dead letter or stale acknowledgement would fire no alert.
    for (const queue of queues) {
      for (const counter of [
        this.started,
        this.retried,
        this.released,
        this.canceled,
        this.postponed,
        this.leaseExtensions,
      ])
        counter.labels(queue).inc(0);
      for (const type of [...this.types, OTHER_TYPE]) {
        this.completed.labels(queue, type).inc(0);
        for (const reason of FAILURE_REASONS) this.failed.labels(queue, reason, type).inc(0);
      }
      for (const reason of DEAD_REASONS) this.deadLettered.labels(queue, reason).inc(0);
      for (const operation of ACK_OPERATIONS) this.staleAcks.labels(queue, operation).inc(0);
    }
  }

  /** The `type` label of a task type: itself when a handler is registered for it, else `other`. */
  typeLabel(type: string): string {
    return this.types.has(type) ? type : OTHER_TYPE;
  }

  /** The hot series of a task of `type` in `queue`, made on first use. */
  forTask(queue: string, type: string): TaskSeries {
    let byType = this.series.get(queue);
    if (!byType) {
      byType = new Map();
      this.series.set(queue, byType);
    }
    // Keyed by the label, so unregistered types share one entry: the cache is as bounded as the series.
    const label = this.typeLabel(type);
    let series = byType.get(label);
    if (!series) {
      series = {
        started: this.count(this.started.labels(queue)),
        completed: this.count(this.completed.labels(queue, label)),
        waitSeconds: this.waitSeconds.tally(queue),
        endToEndSeconds: this.endToEndSeconds.tally(queue),
        runSeconds: memo((outcome) => this.runSeconds.tally(queue, outcome, label)),
        failed: memo((reason) => this.failed.labels(queue, reason, label)),
      };
      byType.set(label, series);
    }
    return series;
  }

  private count(series: Counter.Internal): BatchedCount {
    const count = new BatchedCount(series);
    this.counts.push(count);
    return count;
  }

  /** The label value for a dead-letter reason. */
  static deadReasonLabel(reason: string): string {
    return DEAD_REASONS.has(reason) ? reason : 'permanent';
  }
}

/** `make(key)` once per key, then the same value: label children are looked up on every task. */
function memo<T>(make: (key: string) => T): (key: string) => T {
  const made = new Map<string, T>();
  return (key) => {
    let value = made.get(key);
    if (value === undefined) {
      value = make(key);
      made.set(key, value);
    }
    return value;
  };
}
