import { readFileSync } from 'node:fs';
import type { Column } from './context';
import type { Profile } from './profile-sizes';
import type { Results } from './report';
import { FEATURE_VARIANTS } from './scenarios/features';

/** Metric ids (and the columns each must have) that a complete run produces. */
function expectedMetrics(sizes: Profile): [string, Column[]][] {
  const systems: Column[] = ['tq', 'bullmq', 'bee'];
  return [
    ['enqueue.one', ['tq', 'tq-core', 'bullmq', 'bee']],
    ['enqueue.one.producerCpu', ['tq', 'tq-core', 'bullmq', 'bee']],
    ['enqueue.bulk', ['tq', 'tq-core', 'bullmq', 'bee']],
    ['http.one', ['tq', 'ref']],
    ...sizes.httpBatchSizes.map((b): [string, Column[]] => [`http.batch${b}`, ['tq']]),
    ...sizes.drain.map((d): [string, Column[]] => [`process.${d.processes}x${d.concurrency}`, systems]),
    ['cpu.redis', systems],
    ['cpu.worker', systems],
    ['latency.p99', systems],
    ['latency.ack.p99', systems],
    ['memory.pending', systems],
    ['memory.finished', systems],
    ['idle.sent', systems],
    ...['memory', 'enqueue', 'cpu.producer', 'cpu.redis']
      .flatMap((what) => [`idem.${what}.without`, `idem.${what}.generated`])
      .map((id): [string, Column[]] => [id, ['tq']]),
    ['enqueue.bulk', ['ceiling']],
    ['memory.pending', ['ceiling']],
    ...['enqueue', 'process'].flatMap((what) =>
      ['auto', 'on'].map((mode): [string, Column[]] => [`events.${what}.${mode}`, ['tq']]),
    ),
    ...['process', 'redisCpu', 'workerCpu'].flatMap((what) =>
      FEATURE_VARIANTS.map((variant): [string, Column[]] => [`features.${what}.${variant}`, ['tq']]),
    ),
  ];
}

/**
 * Checks that the written files are well formed: the JSON parses, every expected metric has a finite,
 * non-negative value for every expected column (positive for rates), the targets are judged, and the
 * markdown has its tables. Says nothing about speed. Returns the problems found (empty = valid).
 */
export function validateResults(jsonPath: string, mdPath: string, sizes?: Profile): string[] {
  const problems: string[] = [];
  let results: Results;
  try {
    results = JSON.parse(readFileSync(jsonPath, 'utf8')) as Results;
  } catch (error) {
    return [`${jsonPath} is not valid JSON: ${String(error)}`];
  }
  if (!Array.isArray(results.metrics) || results.metrics.length === 0) problems.push('no metrics');
  for (const [id, columns] of sizes ? expectedMetrics(sizes) : []) {
    const m = results.metrics.find((x) => x.id === id);
    if (!m) {
      problems.push(`metric ${id} missing`);
      continue;
    }
    for (const c of columns) {
      const values = m.values[c] ?? [];
      if (values.length === 0) problems.push(`metric ${id} has no value for ${c}`);
      for (const v of values) {
        // Memory deltas of systems that delete finished jobs hover around 0 and may dip below it.
        const bad =
          typeof v !== 'number' ||
          !Number.isFinite(v) ||
          (v < 0 && !m.unit.startsWith('bytes')) ||
          (m.better === 'higher' && v <= 0);
        if (bad) problems.push(`metric ${id} has a bad value for ${c}: ${String(v)}`);
      }
    }
  }
  if (!Array.isArray(results.targets) || results.targets.length < 9) problems.push('targets missing');
  const md = readFileSync(mdPath, 'utf8');
  for (const heading of ['## Results', '## DESIGN.md §6 targets', '| scenario | metric |']) {
    if (!md.includes(heading)) problems.push(`markdown lacks "${heading}"`);
  }
  return problems;
}
