import type { Logger } from './logger';

/**
 * A background duty's loop: `run` now, then again `nextDelayMs()` after each run ends, until stop(). One run
 * at a time: `runNow()` while one is in progress joins it. A run that rejects (it should not: a pass logs its
 * own failures) is logged, and the loop goes on.
 */
export class PeriodicPass<T> {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<T> | undefined;
  private running = false;

  constructor(
    private readonly run: () => Promise<T>,
    /** The delay before the next run, ms (jitter it so that replicas drift apart). */
    private readonly nextDelayMs: () => number,
    private readonly logger: Logger,
  ) {}

  /** Runs now, then every nextDelayMs() until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops scheduling runs and waits for the one in progress. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.current?.catch(() => undefined);
  }

  /** One run now, or the one in progress. */
  runNow(): Promise<T> {
    this.current ??= this.run().finally(() => (this.current = undefined));
    return this.current;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      const next = () => {
        if (this.running) this.schedule(this.nextDelayMs());
      };
      this.runNow().then(next, (error: unknown) => {
        this.logger.error({ err: error }, 'pass failed unexpectedly; the next one is scheduled');
        next();
      });
    }, delayMs);
  }
}
