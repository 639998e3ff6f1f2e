import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The archiver's Prometheus metrics. Queue labels are bounded like the reaper's: at most METRICS_MAX_QUEUES
 * queues have their own series, the others share `queue="~other"` (the lag there is their maximum).
 */
export class ArchiverMetrics {
  readonly lag: Gauge<'queue'>;
  readonly archived: Counter<'queue'>;
  readonly batchDuration: Histogram;
  readonly up: Gauge;
  readonly failures: Counter;
  readonly retentionDeleted: Counter;
  readonly lastSuccess: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.lag = new Gauge({
      name: 'tq_archive_lag_seconds',
      help: 'Age of the oldest finished task not yet stored in PostgreSQL (0 when all are), per queue, as of the last look.',
      labelNames: ['queue'],
      registers,
    });
    this.archived = new Counter({
      name: 'tq_archived_tasks_total',
      help: 'Finished tasks stored in PostgreSQL and confirmed to Redis (replays of a stored state count again).',
      labelNames: ['queue'],
      registers,
    });
    this.batchDuration = new Histogram({
      name: 'tq_archive_batch_duration_seconds',
      help: 'Time of one archive batch: the Redis read, the PostgreSQL upsert and the confirm.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.up = new Gauge({
      name: 'tq_archive_database_up',
      help: 'Whether the last PostgreSQL call of this archiver succeeded (1) or failed (0).',
      registers,
    });
    this.failures = new Counter({
      name: 'tq_archive_failures_total',
      help: 'Archive batches or looks that failed (PostgreSQL or Redis unreachable); retried next pass.',
      registers,
    });
    this.failures.inc(0);
    this.retentionDeleted = new Counter({
      name: 'tq_archive_retention_deleted_total',
      help: 'Archived tasks deleted from PostgreSQL by the archive retention (ARCHIVE_RETENTION_MS).',
      registers,
    });
    this.retentionDeleted.inc(0);
    this.lastSuccess = new Gauge({
      name: 'tq_archive_last_success_timestamp_seconds',
      help: 'When the last pass that reached every queue and PostgreSQL ended (Unix time).',
      registers,
    });
  }
}
