/**
 * Sums the samples of one metric in a Prometheus text exposition, optionally only those whose labels
 * include every given label pair. 0 when the metric is absent.
 */
export function sumMetric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}

/** GET a service's /metrics text; '' when it does not answer (it may be dead or paused). */
export async function scrape(url: string, timeoutMs = 2000): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return response.ok ? await response.text() : '';
  } catch {
    return '';
  }
}
