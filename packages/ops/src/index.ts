export { ConfigError, intVar, listVar, logLevelVar, parseEnv, stringVar } from './env';
export { createLogger, type Logger } from './logger';
export { startOpsServer, type OpsServer, type OpsServerOptions } from './ops-server';
export { trackRedisUp } from './redis-up';
export { exitOnStartupError, onShutdown } from './shutdown';
