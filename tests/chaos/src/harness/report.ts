import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * tests/chaos/results: per-scenario JSON, the combined report, service logs (gitignored but report.md).
 * CHAOS_RESULTS_DIR moves it (the harness's own tests write elsewhere).
 */
export const RESULTS_DIR = process.env.CHAOS_RESULTS_DIR ?? join(__dirname, '..', '..', 'results');
/** Written by the global setup: which selection ran and when it started. */
const RUN_FILE = join(RESULTS_DIR, 'run.json');

/** The checker's numbers as they go into a summary. */
export interface CheckSummary {
  attempted: number;
  acknowledged: number;
  performed: number;
  deadLettered: number;
  lost: number;
  unexpected: number;
  duplicated: number;
  recovered: number;
  /** The first few lost values, for a look in the logs. */
  lostValues: number[];
  valid: boolean;
}

/** One scenario's summary: results/<id>.json. */
export interface ScenarioResult {
  id: string;
  title: string;
  /** Which DESIGN §2 guarantees it proves. */
  guarantees: string[];
  passed: boolean;
  /** Why the scenario could not run here (a missing tool); never silent. */
  skipped?: string;
  error?: string;
  startedAt: string;
  wallMs: number;
  /** Whether DESIGN §2 promises no loss here (lost must be 0); false for the documented-loss scenarios. */
  noLossPromised: boolean;
  check?: CheckSummary;
  invariants?: { tasks: number; violations: number; byState: Record<string, number>; sample: string[] };
  /** Scenario-specific measurements: recovery and failover times, counters, statuses. */
  measured: Record<string, unknown>;
  notes: string[];
}

export interface RunInfo {
  selection: string;
  startedAt: string;
  endedAt?: string;
  wallMs?: number;
}

/** Called by the global setup: forgets the previous run's summaries. */
export function beginRun(selection: string): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  for (const file of readdirSync(RESULTS_DIR)) if (file.endsWith('.json')) rmSync(join(RESULTS_DIR, file));
  rmSync(join(RESULTS_DIR, 'logs'), { recursive: true, force: true });
  const info: RunInfo = { selection, startedAt: new Date().toISOString() };
  writeFileSync(RUN_FILE, JSON.stringify(info, null, 2));
}

/** Writes one scenario's summary, then the combined report of everything this run has so far. */
export function writeScenarioResult(result: ScenarioResult): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${result.id}.json`), JSON.stringify(result, null, 2) + '\n');
  writeReport();
}

function readRunInfo(): RunInfo {
  const text = existsSync(RUN_FILE) ? readFileSync(RUN_FILE, 'utf8') : '';
  return text
    ? (JSON.parse(text) as RunInfo)
    : { selection: process.env.TQ_CHAOS ?? '?', startedAt: new Date().toISOString() };
}

/** The summaries written so far in this run, by id. */
export function readResults(dir = RESULTS_DIR): ScenarioResult[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'report.json' && f !== 'run.json')
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ScenarioResult)
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** results/report.json and results/report.md from the summaries; `final` stamps the run's wall time. */
export function writeReport(final = false): void {
  const run = readRunInfo();
  if (final) {
    run.endedAt = new Date().toISOString();
    run.wallMs = Date.parse(run.endedAt) - Date.parse(run.startedAt);
    writeFileSync(RUN_FILE, JSON.stringify(run, null, 2));
  }
  const results = readResults();
  writeFileSync(join(RESULTS_DIR, 'report.json'), JSON.stringify({ run, results }, null, 2) + '\n');
  writeFileSync(join(RESULTS_DIR, 'report.md'), renderMarkdown(run, results));
}

const fmt = (v: unknown): string => {
  if (v === undefined || v === null) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(1);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
};

/** The human report: one table row per scenario, then each scenario's measurements and notes. */
export function renderMarkdown(run: RunInfo, results: ScenarioResult[]): string {
  const lines = [
    '# tq chaos suite: report',
    '',
    `Selection \`TQ_CHAOS=${run.selection}\`, started ${run.startedAt}` +
      (run.wallMs !== undefined ? `, wall time ${(run.wallMs / 1000).toFixed(0)} s.` : ' (run in progress).'),
    `${results.filter((r) => r.passed && !r.skipped).length} of ${results.length} scenarios passed` +
      `, ${results.filter((r) => r.skipped).length} skipped.`,
    '',
    'lost = acknowledged (2xx) values neither performed nor dead-lettered; unexpected = performed values never',
    'submitted; duplicated = values performed more than once (allowed: at-least-once); recovered = values whose',
    'enqueue outcome was unknown (5xx, timeout, reset) that were performed anyway. "no loss promised" marks the',
    'scenarios where DESIGN §2 promises lost = 0; elsewhere the loss is measured and reported, not judged.',
    '',
    '| scenario | result | no loss promised | attempted | 2xx | lost | unexpected | duplicated | recovered | dead | invariant violations | wall s |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    const c = r.check;
    lines.push(
      `| ${r.id} ${r.title} | ${r.skipped ? 'SKIPPED' : r.passed ? 'pass' : 'FAIL'} | ${r.noLossPromised ? 'yes' : 'no'} | ${fmt(c?.attempted)} | ${fmt(c?.acknowledged)} | ${fmt(c?.lost)} | ${fmt(c?.unexpected)} | ${fmt(c?.duplicated)} | ${fmt(c?.recovered)} | ${fmt(c?.deadLettered)} | ${fmt(r.invariants?.violations)} | ${(r.wallMs / 1000).toFixed(0)} |`,
    );
  }
  for (const r of results) {
    lines.push('', `## ${r.id} ${r.title}`, '', `Guarantees: ${r.guarantees.join('; ')}.`, '');
    if (r.skipped) lines.push(`**Skipped:** ${r.skipped}`, '');
    if (r.error) lines.push('**Failed:** `' + r.error.split('\n')[0]!.slice(0, 400) + '`', '');
    for (const [key, value] of Object.entries(r.measured)) lines.push(`- ${key}: ${fmt(value)}`);
    for (const note of r.notes) lines.push(`- note: ${note}`);
  }
  return lines.join('\n') + '\n';
}
