import { setTimeout as sleep } from 'node:timers/promises';
import { WAIT_FOR_TIMEOUT_MS } from './deadlines';

/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many milliseconds; default {@link WAIT_FOR_TIMEOUT_MS} (15000). */
  timeoutMs?: number;
  /** Pause between polls in milliseconds; default 10. */
  intervalMs?: number;
  /** Says what was awaited; starts the timeout error's message. Default "condition". */
  message?: string;
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Polls `predicate` (sync or async) until it returns a truthy value and returns that value, so tests wait for a
 * condition with a deadline instead of sleeping. Throws `Error("<message>: not met within <timeoutMs> ms")` when
 * the deadline passes; an error thrown by the predicate propagates at once.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = WAIT_FOR_TIMEOUT_MS, intervalMs = 10, message = 'condition' }: WaitForOptions = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value as Truthy<T>;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`${message}: not met within ${timeoutMs} ms`);
    await sleep(Math.min(intervalMs, left));
  }
}
