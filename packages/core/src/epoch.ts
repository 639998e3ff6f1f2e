import { randomBytes } from 'node:crypto';
import type { RedisClient } from './scripts';

/** Holds a random marker written once per Redis dataset; it vanishes only when the data does. */
export const EPOCH_KEY = 'tq:epoch';

/** How often a watcher reads the marker between reconnects, ms (a FLUSHALL or a resync keeps the connection). */
export const EPOCH_CHECK_INTERVAL_MS = 10_000;

/**
 * Detects that Redis lost its data (a restart without persistence, a failover to an empty replica, a
 * FLUSHALL, a replica resync from an empty master): on every (re)connect and every `intervalMs` while
 * connected it reads the dataset marker, writing one if there is none, and calls `onLoss` when the marker
 * differs from the one seen before. tq cannot bring lost tasks back; it makes the loss visible (a log line
 * and a metric) instead of hiding it.
 */
export class EpochWatcher {
  private known: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private readonly onReady = () => void this.check().catch(() => undefined);

  constructor(
    private readonly redis: RedisClient,
    private readonly onLoss: (previous: string, current: string) => void,
    private readonly intervalMs = EPOCH_CHECK_INTERVAL_MS,
  ) {}

  /** Checks now, then again on every reconnect and every `intervalMs` while connected. */
  async start(): Promise<void> {
    this.redis.on('ready', this.onReady);
    this.timer = setInterval(() => {
      // While disconnected the next 'ready' checks; a command queued now would only wait for it.
      if (this.redis.status === 'ready') this.onReady();
    }, this.intervalMs);
    this.timer.unref();
    await this.check();
  }

  stop(): void {
    this.redis.off('ready', this.onReady);
    clearInterval(this.timer);
  }

  /** Reads (or writes) the marker; returns it. One command: SET NX GET answers the marker it found, or nil when it wrote one. */
  async check(): Promise<string> {
    const written = randomBytes(8).toString('hex');
    const current = (await this.redis.set(EPOCH_KEY, written, 'NX', 'GET')) ?? written;
    if (this.known !== null && this.known !== current) this.onLoss(this.known, current);
    this.known = current;
    return current;
  }
}
