import { createLogger, exitOnStartupError, onShutdown } from '@tq/ops';
import { loadConfig } from './config';
import { runApi } from './run-api';

/** The API process: config from the environment, listen, stop gracefully on SIGTERM / SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('api', config.LOG_LEVEL);
  const api = await runApi(config, logger);
  onShutdown(logger, () => api.stop());
}

main().catch((error: unknown) => exitOnStartupError('tq-api', error));
