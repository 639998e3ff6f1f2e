/** Exponential backoff settings, ms. */
export interface BackoffPolicy {
  /** Ceiling of the first retry's delay, ms. Default 1000. */
  baseMs: number;
  /** No delay exceeds this, ms. Default 3,600,000 (1 h). */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 3_600_000 };

/**
 * The delay before the next attempt after attempt `attempt` (1-based) failed: exponential with full
 * jitter, uniform in [0, min(capMs, baseMs * 2^(attempt-1))], so retries of many failed tasks spread
 * out instead of arriving together. `random` returns a number in [0, 1).
 */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
