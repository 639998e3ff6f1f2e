import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { WorkerInfo, WorkerRegistry } from '@tq/core';
import type { Logger } from '@tq/ops';

/** A record lives this many heartbeat intervals: two beats may be lost before a worker disappears. */
export const HEARTBEAT_TTL_INTERVALS = 3;

export interface HeartbeatOptions {
  registry: WorkerRegistry;
  /** Between beats, ms. The record lives HEARTBEAT_TTL_INTERVALS times this. */
  intervalMs: number;
  /** What the worker says about itself, read at each beat. */
  info: () => WorkerInfo;
  logger: Logger;
}

/**
 * Tells the live-worker registry (GET /workers) that this worker is alive: one script call every
 * `intervalMs`, the record living three intervals, so a killed worker disappears within three intervals
 * and nothing has to clean up after it. stop() removes the record at once.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private failing = false;

  constructor(private readonly options: HeartbeatOptions) {}

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
  }

  /** Stops beating and removes the worker from the registry (it would expire by itself otherwise). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    const { registry, info, logger } = this.options;
    await registry.leave(info().id).catch((error: unknown) => {
      logger.warn({ err: error }, 'leaving the worker registry failed; the record expires by itself');
    });
  }

  private tick(): void {
    // A slow Redis must not pile up beats.
    if (this.beating) return;
    const { registry, intervalMs, info, logger } = this.options;
    this.beating = registry
      .beat(info(), intervalMs * HEARTBEAT_TTL_INTERVALS)
      .then(
        () => {
          if (this.failing) logger.info('heartbeat written again');
          this.failing = false;
        },
        (error: unknown) => {
          // Once per outage: a worker that cannot reach Redis says so in its claim loop already.
          if (!this.failing)
            logger.warn({ err: error }, 'writing the heartbeat failed; retrying every interval');
          this.failing = true;
        },
      )
      .finally(() => (this.beating = undefined));
  }
}

/** This process's worker id: host, pid and a random part (pids repeat across containers). */
export function newWorkerId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** The version of @tq/worker, from its package.json (next to dist/ and src/). */
export const WORKER_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
})();
