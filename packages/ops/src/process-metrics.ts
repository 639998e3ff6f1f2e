import { collectDefaultMetrics, type Registry } from 'prom-client';

// prom-client's defaults include three gauges named *_total, which `promtool check metrics` rejects
// (a _total suffix means a counter). Each equals the sum of the labeled gauge without the suffix
// (e.g. sum(nodejs_active_handles)), so dropping them loses nothing.
const GAUGES_NAMED_TOTAL = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** Registers prom-client's process and Node.js metrics (CPU, memory, event loop lag, GC) on `registry`. */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of GAUGES_NAMED_TOTAL) registry.removeSingleMetric(name);
}
