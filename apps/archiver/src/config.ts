import { boolVar, intVar, logLevelVar, parseEnv, postgresUrlVar, redisUrlVar } from '@tq/ops';
import { z } from 'zod';

const DAY_MS = 24 * 3_600_000;

const schema = z.object({
  REDIS_URL: redisUrlVar('redis://localhost:6379'),
  /** 1: refuse to start unless every Redis master has AOF on with appendfsync always and noeviction. */
  REDIS_REQUIRE_DURABLE: boolVar(false),
  /** Where the history goes: postgres://user:password@host:5432/database. Required. */
  DATABASE_URL: postgresUrlVar({ optional: false }),
  /** Most PostgreSQL connections of this process. */
  DATABASE_POOL_MAX: intVar(4, 1, 100),
  /** Time between passes over the queues, ms (jittered ±20%). */
  ARCHIVER_INTERVAL_MS: intVar(1000, 10, 3_600_000),
  /** Most tasks in one batch: one Redis read, one PostgreSQL statement, one confirm. */
  ARCHIVER_BATCH_SIZE: intVar(1000, 1, 10_000),
  /** Most bytes of payload and result in one batch (at least one task). */
  ARCHIVER_BATCH_BYTES: intVar(8 * 1024 * 1024, 1024, 256 * 1024 * 1024),
  /** Most tasks archived per queue per pass, so that one busy queue does not hold up the others. */
  ARCHIVER_MAX_PER_PASS: intVar(100_000, 1, 10_000_000),
  /** Queues archived at once by this process. */
  ARCHIVER_CONCURRENCY: intVar(4, 1, 64),
  /** How long a queue stays this archiver's once it took it, ms; longer than a batch takes. */
  ARCHIVER_LEASE_MS: intVar(60_000, 1000, 3_600_000),
  /** Most queues with their own series in /metrics; the rest share queue="~other". */
  METRICS_MAX_QUEUES: intVar(100, 0, 100_000),
  /** Archived tasks that finished longer ago than this are deleted from PostgreSQL, ms; 0 = kept forever. */
  ARCHIVE_RETENTION_MS: intVar(0, 0, 100 * 365 * DAY_MS),
  /** How often the archive retention job runs, ms (jittered). */
  ARCHIVE_RETENTION_INTERVAL_MS: intVar(600_000, 1000, 7 * DAY_MS),
  METRICS_PORT: intVar(9103, 0, 65535),
  SHUTDOWN_TIMEOUT_MS: intVar(10_000, 0, 600_000),
  LOG_LEVEL: logLevelVar,
});

/** The archiver's configuration, from the environment. */
export type ArchiverConfig = z.infer<typeof schema>;

/** Parses and validates the archiver's environment once; throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ArchiverConfig {
  return parseEnv(schema, env);
}
