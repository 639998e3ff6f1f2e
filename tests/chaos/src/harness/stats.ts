/** Percentiles and extremes of a sample, rounded to whole ms; undefined fields when it is empty. */
export function summarize(values: number[]): {
  n: number;
  min?: number;
  p50?: number;
  p95?: number;
  max?: number;
} {
  if (values.length === 0) return { n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  return {
    n: sorted.length,
    min: Math.round(sorted[0]!),
    p50: at(0.5),
    p95: at(0.95),
    max: Math.round(sorted[sorted.length - 1]!),
  };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A random integer in [min, max]. */
export function between(min: number, max: number): number {
  return Math.round(min + Math.random() * (max - min));
}
