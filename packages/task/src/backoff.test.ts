import { DEFAULT_BACKOFF, backoffDelayMs } from './backoff';

describe('backoffDelayMs (exponential, full jitter)', () => {
  const policy = { baseMs: 100, capMs: 1000 };

  it('doubles the ceiling per attempt: [0, base * 2^(attempt-1))', () => {
    const justBelowOne = () => 0.999999;
    expect([1, 2, 3, 4].map((a) => backoffDelayMs(a, policy, justBelowOne))).toEqual([99, 199, 399, 799]);
  });

  it('never exceeds the cap, however many attempts', () => {
    expect(backoffDelayMs(50, policy, () => 0.999999)).toBe(999);
    expect(backoffDelayMs(5000, policy, () => 0.999999)).toBe(999);
  });

  it('can be as short as zero (full jitter spreads retries out)', () => {
    expect(backoffDelayMs(7, policy, () => 0)).toBe(0);
  });

  it('stays within its bounds for random draws', () => {
    for (let attempt = 1; attempt <= 30; attempt++) {
      const delay = backoffDelayMs(attempt);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(
        Math.min(DEFAULT_BACKOFF.capMs, DEFAULT_BACKOFF.baseMs * 2 ** (attempt - 1)),
      );
    }
  });
});
