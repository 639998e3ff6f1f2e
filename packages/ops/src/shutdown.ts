import { redactUrls } from '@tq/core';
import type { Logger } from 'pino';

/**
 * How long after its shutdown timeout a service may still take to release what runs, send its last
 * acknowledgements and close its connections: 2000 ms. A service exits within SHUTDOWN_TIMEOUT_MS + this,
 * whatever Redis does (docs/operations.md: set the pod's grace period above both).
 */
export const SHUTDOWN_MARGIN_MS = 2000;

/** The last part of SHUTDOWN_MARGIN_MS, kept for closing each connection (QUIT, else drop it): 500 ms. */
export const CLOSE_TIMEOUT_MS = 500;

/**
 * Waits for `work` until the epoch-ms `deadline`: true if it finished in time, false if the deadline came
 * first (the work goes on in the background, and a later failure of it is dropped). A failure in time
 * rejects.
 */
export async function settleBy(deadline: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = work.then(() => true);
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  const inTime = await Promise.race([settled, late]);
  clearTimeout(timer);
  return inTime;
}

/** Options of {@link onShutdown}. */
export interface ShutdownOptions {
  /**
   * A stop still running this long (ms) after the signal is a bug, not Redis: log it and exit 1 rather
   * than be SIGKILLed mid-write. Default: no limit.
   */
  backstopMs?: number;
}

/**
 * Runs `stop` once on the first SIGTERM or SIGINT, then exits 0 (1 if `stop` throws or outlives
 * `backstopMs`). A second signal exits at once with 130, for an operator who does not want to wait.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>, options: ShutdownOptions = {}): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    if (options.backstopMs !== undefined) {
      setTimeout(() => {
        logger.error({ backstopMs: options.backstopMs }, 'shutdown did not finish in time: exiting');
        process.exit(1);
      }, options.backstopMs);
    }
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
