export {
  ConfigError,
  boolVar,
  describeEnvValue,
  intVar,
  listVar,
  logLevelVar,
  parseEnv,
  postgresUrlVar,
  redisUrlVar,
  stringVar,
} from './env';
export { createLogger, withSafeErrors, type Logger } from './logger';
export { serializeError, type LoggedError } from './log-error';
export { startOpsServer, type OpsServer, type OpsServerOptions } from './ops-server';
export { collectProcessMetrics } from './process-metrics';
export { observeRedis } from './redis-health';
export {
  DURABILITY_CHECK_INTERVAL_MS,
  durabilityProblems,
  readRedisDurability,
  watchRedisDurability,
  type DurabilityProblem,
  type DurabilityWatch,
  type DurabilityWatchOptions,
  type RedisNodeDurability,
} from './redis-durability';
export { OTHER_QUEUES, QueueLabels } from './queue-labels';
export { PeriodicPass } from './periodic-pass';
export {
  CLOSE_TIMEOUT_MS,
  SHUTDOWN_MARGIN_MS,
  exitOnStartupError,
  onShutdown,
  settleBy,
  type ShutdownOptions,
} from './shutdown';
export {
  runBackgroundService,
  type ServiceConfig,
  type ServiceContext,
  type Stoppable,
} from './background-service';
