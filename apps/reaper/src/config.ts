import { DEFAULT_RETENTION, QUEUE_NAME_PATTERN } from '@tq/core';
import { boolVar, intVar, listVar, logLevelVar, parseEnv, redisUrlVar } from '@tq/ops';
import { z } from 'zod';

const DAY_MS = 24 * 3_600_000;

const schema = z.object({
  REDIS_URL: redisUrlVar('redis://localhost:6379'),
  /** 1: refuse to start unless every Redis master has AOF on with appendfsync always and noeviction. */
  REDIS_REQUIRE_DURABLE: boolVar(false),
  REAPER_INTERVAL_MS: intVar(1000, 10, 3_600_000),
  REAPER_QUEUES: listVar([]).refine((names) => names.every((n) => QUEUE_NAME_PATTERN.test(n)), {
    error: 'must be a comma-separated list of queue names (1-64 letters, digits, "_" or "-")',
  }),
  REAPER_BATCH_SIZE: intVar(1000, 1, 100_000),
  REAPER_MAX_PER_PASS: intVar(10_000, 1, 10_000_000),
  /** Most queues with due work handled per pass, most overdue first. */
  REAPER_DUE_QUEUES_PER_PASS: intVar(1000, 1, 1_000_000),
  /** Most queues swept (retention, gauges, idle removal, repair) per pass, in turn. */
  REAPER_SWEEP_QUEUES_PER_PASS: intVar(1000, 1, 1_000_000),
  /**
   * A queue with nothing running, scheduled or in retry is looked at this often, not every pass; 0 = every
   * pass. With thousands of queues set it to at most the workers' shortest VISIBILITY_TIMEOUT_MS.
   */
  REAPER_IDLE_LOOK_MS: intVar(0, 0, 3_600_000),
  /** An empty queue without settings leaves tq:queues after this long; 0 = never. */
  QUEUE_IDLE_REMOVE_AFTER_MS: intVar(3_600_000, 0, 365 * DAY_MS),
  /** Most queues with their own series in /metrics; the rest share queue="~other". */
  METRICS_MAX_QUEUES: intVar(100, 0, 100_000),
  /**
   * The stored format of the tasks cron schedules fire (ADR 0045), as the API's TASK_FORMAT: 1 while
   * processes of a release before ADR 0045 still run (docs/operations.md, "Upgrading"), else 2.
   */
  TASK_FORMAT: intVar(2, 1, 2),
  RETENTION_FINISHED_MAX_AGE_MS: intVar(DEFAULT_RETENTION.finishedMaxAgeMs, 0, 3650 * DAY_MS),
  RETENTION_FINISHED_MAX_COUNT: intVar(DEFAULT_RETENTION.finishedMaxCount, 0),
  RETENTION_DEAD_MAX_AGE_MS: intVar(DEFAULT_RETENTION.deadMaxAgeMs, 0, 3650 * DAY_MS),
  RETENTION_DEAD_MAX_COUNT: intVar(DEFAULT_RETENTION.deadMaxCount, 0),
  /**
   * Archiving on (docs/history.md): most finished tasks per queue and state kept past the count cap while
   * no archiver has stored them; past it the oldest are deleted anyway, logged and counted. 0 = no bound.
   */
  RETENTION_ARCHIVE_HOLD_MAX: intVar(500_000, 0),
  REPAIR_INTERVAL_MS: intVar(600_000, 0, 7 * DAY_MS),
  /** Other tq versions' script libraries no process loaded for this long are deleted (ADR 0065); 0 = kept. */
  REAPER_FUNCTION_RETENTION_MS: intVar(DAY_MS, 0, 365 * DAY_MS),
  METRICS_PORT: intVar(9102, 0, 65535),
  LOG_LEVEL: logLevelVar,
});

/** The reaper's configuration, from the environment. */
export type ReaperConfig = z.infer<typeof schema>;

/** Parses and validates the reaper's environment once; throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ReaperConfig {
  return parseEnv(schema, env);
}
