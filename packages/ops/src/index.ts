export { ConfigError, intVar, listVar, logLevelVar, parseEnv, stringVar } from './env';
export { createLogger, type Logger } from './logger';
export { startOpsServer, type OpsServer, type OpsServerOptions } from './ops-server';
export { collectProcessMetrics } from './process-metrics';
export { observeRedis } from './redis-health';
export { exitOnStartupError, onShutdown } from './shutdown';
export {
  runBackgroundService,
  type ServiceConfig,
  type ServiceContext,
  type Stoppable,
} from './background-service';
