import {
  BEE_PRODUCER_SETTINGS,
  BEE_WORKER_SETTINGS,
  BULLMQ_JOB_OPTIONS,
  BULLMQ_WORKER_SETTINGS,
} from './peers';
import type { Profile } from './profile-sizes';

/** The settings each system ran with, for the JSON and docs/performance.md. */
export function describeSettings(sizes: Profile): Record<string, unknown> {
  return {
    redis:
      'one private redis-server (@tq/testing startRedisServer): --save "" --appendonly no; FLUSHALL before every run',
    tq: {
      producer:
        'TaskService.submit / submitBatch (zod validation, maxAttempts 5 default); "tq core Queue" = Queue.enqueue directly',
      worker: `WORKER_CONCURRENCY = the layout's concurrency, CLAIM_BATCH = min(concurrency, 1000), VISIBILITY_TIMEOUT_MS 30000 (default), IDLE_POLL_MS 5000 (default), LOG_LEVEL warn`,
      api: 'apps/api defaults (no API_TOKENS, no depth limit), LOG_LEVEL warn',
    },
    bullmq: {
      producer: `Queue.add / Queue.addBulk, job options ${JSON.stringify(BULLMQ_JOB_OPTIONS)} (defaults: attempts 1)`,
      worker: { concurrency: "the layout's", autorun: false, ...BULLMQ_WORKER_SETTINGS },
    },
    bee: {
      producer: { ...BEE_PRODUCER_SETTINGS, calls: 'createJob().save() / saveAll()' },
      worker: { ...BEE_WORKER_SETTINGS, concurrency: "the layout's (queue.process(concurrency, handler))" },
    },
    handler: 'async noop for every system (records enqueue→start latency when the payload has a timestamp)',
    load: {
      tool: 'autocannon 8 in its own process, pipelining 1',
      postTasksConnections: sizes.httpConnections,
      batchConnections: sizes.httpBatchConnections,
      durationS: sizes.httpDurationS,
      warmupS: sizes.httpWarmupS,
    },
  };
}
