import { delay } from './delay.js';
import { TqNetworkError, TqUnavailableError } from './errors.js';

/** How submits retry when the outcome is unknown (no answer, or 503). */
export interface RetryPolicy {
  /** Retries after the first attempt. Default 4; 0 turns retrying off. */
  retries: number;
  /** The first retry waits up to this long (full jitter), ms. Default 200. */
  baseDelayMs: number;
  /** No wait is longer than this, ms, except a longer Retry-After from the API. Default 5000. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseDelayMs: 200, maxDelayMs: 5000 };

/**
 * Runs `attempt` again while it fails with an unknown outcome (TqNetworkError, TqUnavailableError),
 * waiting exponentially longer with full jitter, and at least the API's Retry-After. Safe only for
 * calls that are idempotent: submits carry one Idempotency-Key through every attempt.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      const unknownOutcome = error instanceof TqNetworkError || error instanceof TqUnavailableError;
      if (!unknownOutcome || retry >= policy.retries || signal?.aborted) throw error;
      const backoff = Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
      const asked = error instanceof TqUnavailableError ? (error.retryAfterMs ?? 0) : 0;
      await delay(Math.max(backoff, asked), signal);
    }
  }
}
