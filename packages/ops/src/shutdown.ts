import { redactUrls } from '@tq/core';
import type { Logger } from 'pino';

/**
 * Runs `stop` once on the first SIGTERM or SIGINT, then exits 0 (1 if `stop` throws). A second signal
 * exits at once with 130, for an operator who does not want to wait.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}

/** Logs a fatal startup error (a ConfigError prints its list of bad variables) and exits 1. */
export function exitOnStartupError(service: string, error: unknown): never {
  const message = redactUrls(error instanceof Error ? error.message : String(error));
  process.stderr.write(`${service}: ${message}\n`);
  process.exit(1);
}
