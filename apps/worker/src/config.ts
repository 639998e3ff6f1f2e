import { MAX_PARTITIONS, QUEUE_NAME_PATTERN } from '@tq/core';
import { boolVar, intVar, listVar, logLevelVar, parseEnv, redisUrlVar, stringVar } from '@tq/ops';
import { z } from 'zod';
import { parseAllowedHost } from './handlers/http';
import { WORKER_OPTION_RANGES } from './worker-options';

const HOUR_MS = 3_600_000;

/** An optional string variable: unset or blank is undefined. */
const optionalVar = () =>
  z
    .string()
    .optional()
    .transform((raw) => (raw === undefined || raw.trim() === '' ? undefined : raw.trim()));

const schema = z
  .object({
    REDIS_URL: redisUrlVar('redis://localhost:6379'),
    /** 1: refuse to start unless every Redis master has AOF on with appendfsync always and noeviction. */
    REDIS_REQUIRE_DURABLE: boolVar(false),
    QUEUES: listVar(['default']).refine(
      (names) => names.length > 0 && names.every((n) => QUEUE_NAME_PATTERN.test(n)),
      {
        error: 'must be a comma-separated list of queue names (1-64 letters, digits, "_" or "-")',
      },
    ),
    WORKER_POOL: stringVar('default').refine((pool) => /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(pool), {
      error: 'must be a worker pool name: 1-63 letters, digits, "_", "." or "-", e.g. emails',
    }),
    /** Partitions a queue in QUEUES gets when this worker is the first to use it (ADR 0040); 1 = none. */
    QUEUE_DEFAULT_PARTITIONS: intVar(1, 1, MAX_PARTITIONS),
    WORKER_CONCURRENCY: intVar(...WORKER_OPTION_RANGES.concurrency),
    CLAIM_BATCH: intVar(...WORKER_OPTION_RANGES.claimBatch),
    VISIBILITY_TIMEOUT_MS: intVar(...WORKER_OPTION_RANGES.visibilityTimeoutMs),
    TASK_TIMEOUT_MS: intVar(...WORKER_OPTION_RANGES.taskTimeoutMs),
    BACKOFF_BASE_MS: intVar(1000, 0, 24 * HOUR_MS),
    BACKOFF_CAP_MS: intVar(HOUR_MS, 0, 30 * 24 * HOUR_MS),
    IDLE_POLL_MS: intVar(...WORKER_OPTION_RANGES.idlePollMs),
    /** Postponements (RateLimitError) a task may have before each one counts as a failed attempt. */
    MAX_POSTPONEMENTS: intVar(20, 0, 1000),
    SHUTDOWN_TIMEOUT_MS: intVar(...WORKER_OPTION_RANGES.shutdownTimeoutMs),
    HEARTBEAT_INTERVAL_MS: intVar(5000, 100, 10 * 60_000),
    METRICS_PORT: intVar(9101, 0, 65535),
    HTTP_TASK_ALLOWED_HOSTS: listVar([]).refine(
      (hosts) =>
        hosts.every((h) => {
          try {
            parseAllowedHost(h);
            return true;
          } catch {
            return false;
          }
        }),
      {
        error:
          'must be a comma-separated list of host names or host:port (e.g. api.example.com,10.0.0.5:8080)',
      },
    ),
    /** Let allowlisted DNS names resolve to loopback, private and link-local addresses. */
    HTTP_TASK_ALLOW_PRIVATE_ADDRESSES: boolVar(false),
    SMTP_URL: optionalVar().refine((url) => url === undefined || /^smtps?:\/\/.+/.test(url), {
      error:
        'must be an smtp:// or smtps:// URL, e.g. smtps://mail.example.com:465 (a user and password go before the host, URL-encoded)',
    }),
    EMAIL_FROM: stringVar('tq@localhost'),
    EMAIL_DEFAULT_TO: optionalVar(),
    HANDLER_MODULES: listVar([]),
    LOG_LEVEL: logLevelVar,
  })
  .refine((c) => c.BACKOFF_CAP_MS >= c.BACKOFF_BASE_MS, {
    error: 'must be at least BACKOFF_BASE_MS',
    path: ['BACKOFF_CAP_MS'],
  });

/** The worker's configuration, from the environment. */
export type WorkerConfig = z.infer<typeof schema>;

/** Parses and validates the worker's environment once; throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return parseEnv(schema, env);
}
