import { Cluster } from 'ioredis';
import type { Clock } from './clock';
import type { RedisClient } from './scripts';

/**
 * Deadlines for calls whose effect is lost when their reply is (ADR 0006): a claim leases tasks to whoever
 * reads its reply. ioredis keeps a command after its `commandTimeout` rejected it (offline queue, resend
 * after a reconnect, bytes on a stalled socket), so Redis may run it after the caller gave up. The claim
 * scripts get the caller's deadline on the clock of their `now` and lease nothing past it.
 */

/** Redis clock minus `performance.now()`, ms, from the last reply that carried Redis time; per connection. */
const offsets = new WeakMap<RedisClient, number>();

/** Part of the timeout kept for the reply's way back: a tenth, at most this, ms. */
const REPLY_MARGIN_MAX_MS = 100;

/** The command timeout of `redis`, ms (undefined: commands wait for ever, so no call is abandoned). */
export function commandTimeoutOf(redis: RedisClient): number | undefined {
  const timeout =
    redis instanceof Cluster ? redis.options.redisOptions?.commandTimeout : redis.options.commandTimeout;
  return timeout !== undefined && timeout > 0 ? timeout : undefined;
}

/** Records Redis time `redisNowMs` read from a reply that just arrived. */
export function observeRedisTime(redis: RedisClient, redisNowMs: number): void {
  offsets.set(redis, redisNowMs - performance.now());
}

/**
 * The deadline to pass to a claim script sent now, as an ARGV ('' = none): when the caller's command
 * timeout fires, on the clock the script reads (`clock`, else Redis TIME), less a margin for the reply's
 * way back. Redis time is estimated from the last reply that carried it, so it lags by that reply's
 * transit: the deadline errs early, never late. The first call on a connection asks Redis for TIME.
 */
export async function callDeadline(redis: RedisClient, clock: Clock | undefined): Promise<string> {
  const timeout = commandTimeoutOf(redis);
  if (timeout === undefined) return '';
  const budget = timeout - Math.min(REPLY_MARGIN_MAX_MS, timeout / 10);
  if (clock) return String(Math.floor(clock.now() + budget));
  let offset = offsets.get(redis);
  if (offset === undefined) {
    const [seconds, micros] = await redis.time();
    observeRedisTime(redis, Number(seconds) * 1000 + Math.floor(Number(micros) / 1000));
    offset = offsets.get(redis)!;
  }
  return String(Math.floor(performance.now() + offset + budget));
}
