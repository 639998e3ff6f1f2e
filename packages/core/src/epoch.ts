import { randomBytes } from 'node:crypto';
import type { RedisClient } from './scripts';

/** Holds a random marker written once per Redis dataset; it vanishes only when the data does. */
export const EPOCH_KEY = 'tq:epoch';

/**
 * Detects that Redis lost its data (a restart without persistence, a failover to an empty replica,
 * a FLUSHALL): on every (re)connect it reads the dataset marker, writing one if there is none, and
 * calls `onLoss` when the marker differs from the one seen before. tq cannot bring lost tasks back;
 * it makes the loss visible (a log line and a metric) instead of hiding it.
 */
export class EpochWatcher {
  private known: string | null = null;
  private readonly onReady = () => void this.check().catch(() => undefined);

  constructor(
    private readonly redis: RedisClient,
    private readonly onLoss: (previous: string, current: string) => void,
  ) {}

  /** Checks now, then again on every reconnect. */
  async start(): Promise<void> {
    this.redis.on('ready', this.onReady);
    await this.check();
  }

  stop(): void {
    this.redis.off('ready', this.onReady);
  }

  /** Reads (or writes) the marker; returns it. */
  async check(): Promise<string> {
    await this.redis.set(EPOCH_KEY, randomBytes(8).toString('hex'), 'NX');
    const current = (await this.redis.get(EPOCH_KEY)) ?? '';
    if (this.known !== null && this.known !== current) this.onLoss(this.known, current);
    this.known = current;
    return current;
  }
}
