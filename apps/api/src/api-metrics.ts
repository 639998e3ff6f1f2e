import type { RedisClient } from '@tq/core';
import { QueueLabels, collectProcessMetrics, observeRedis, type Logger } from '@tq/ops';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Why a task submission was refused: the `reason` label of tq_tasks_rejected_total. */
export const REJECT_REASONS = [
  'invalid',
  'too_large',
  'unsupported_media_type',
  'unauthorized',
  'conflict',
  'queue_full',
  'queue_not_allowed',
  'queue_limit',
  'unavailable',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/**
 * The API's metrics. Labels are bounded: a route is its express pattern or "unmatched"; a queue is its name
 * for the first METRICS_MAX_QUEUES queues seen, "~other" past them (`queueLabel`).
 */
export interface ApiMetrics {
  /** The `queue` label value of a queue. */
  queueLabel(queue: string): string;
  httpRequests: Counter<'route' | 'method' | 'status'>;
  httpDuration: Histogram<'route' | 'method' | 'status'>;
  rejected: Counter<'reason'>;
  /** Counts a stored submission: tq_tasks_enqueued_total, or tq_idempotent_replays_total for a replay. */
  submitted(queue: string, created: boolean): void;
}

/** The queue whose series exist from the start (the one a submission without `queue` goes to). */
const DEFAULT_QUEUE = 'default';

/**
 * Registers the API's metrics, the process and Node.js defaults, and the Redis health metrics on `registry`
 * (a dedicated one, so tests and embedders never collide on the global registry).
 */
export function createApiMetrics(
  registry: Registry,
  redis: RedisClient,
  logger: Logger,
  maxQueues = 100,
): ApiMetrics {
  const queues = new QueueLabels(maxQueues);
  collectProcessMetrics(registry);
  observeRedis(registry, redis, logger);
  const labelNames = ['route', 'method', 'status'] as const;
  const rejected = new Counter({
    name: 'tq_tasks_rejected_total',
    help: 'Task submissions refused, by reason (a refused batch counts once, a refused item of a batch once).',
    labelNames: ['reason'],
    registers: [registry],
  });
  // Every reason exists from the start, so rate() and alerts see a 0 before the first refusal.
  for (const reason of REJECT_REASONS) rejected.inc({ reason }, 0);
  const enqueued = new Counter({
    name: 'tq_tasks_enqueued_total',
    help: 'Tasks stored by the API, by queue (idempotent replays excluded).',
    labelNames: ['queue'],
    registers: [registry],
  });
  const replays = new Counter({
    name: 'tq_idempotent_replays_total',
    help: 'Submissions answered with an earlier task because their idempotency key was seen, by queue.',
    labelNames: ['queue'],
    registers: [registry],
  });
  // A queue's two series are made together, at 0: the default queue's at start, another queue's at its
  // first submission here, so its first replay after its first enqueue is seen by increase() and rate().
  // `label` is the bounded label value (the queue, or ~other past METRICS_MAX_QUEUES).
  const seen = new Set<string>();
  const see = (label: string) => {
    if (seen.has(label)) return;
    seen.add(label);
    enqueued.inc({ queue: label }, 0);
    replays.inc({ queue: label }, 0);
  };
  see(queues.label(DEFAULT_QUEUE));
  return {
    queueLabel: (queue) => queues.label(queue),
    httpRequests: new Counter({
      name: 'tq_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status.',
      labelNames,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'tq_http_request_duration_seconds',
      help: 'Time from the request to the end of the response, by route pattern, method and status.',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    rejected,
    submitted: (queue, created) => {
      const label = queues.label(queue);
      see(label);
      (created ? enqueued : replays).inc({ queue: label });
    },
  };
}

/** tq_event_streams (open SSE streams) and tq_event_streams_dropped_total (slow clients cut off), read at scrape. */
export function observeEventStreams(
  registry: Registry,
  streams: { readonly size: number; readonly slowDisconnects: number },
): void {
  new Gauge({
    name: 'tq_event_streams',
    help: 'Server-sent event streams open on this API process (at most SSE_MAX_CLIENTS).',
    registers: [registry],
    collect() {
      this.set(streams.size);
    },
  });
  let counted = 0;
  new Counter({
    name: 'tq_event_streams_dropped_total',
    help: 'Event streams disconnected because the client read slower than events came (SSE_MAX_BUFFER_BYTES).',
    registers: [registry],
    collect() {
      this.inc(streams.slowDisconnects - counted);
      counted = streams.slowDisconnects;
    },
  });
}
