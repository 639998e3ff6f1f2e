import type { Column, Metric } from './context';
import { median, round } from './stats';

/** Everything one run produced; written as bench/results/<date>.json. */
export interface Results {
  meta: Record<string, unknown>;
  metrics: Metric[];
  details: Record<string, unknown>;
  failures: { where: string; error: string }[];
  targets: Target[];
}

export interface Target {
  target: string;
  tq: number;
  peer: number;
  peerLabel: string;
  /** tq ÷ peer. */
  ratio: number;
  met: boolean | null;
  note?: string;
}

const COLUMNS: { column: Column; title: string }[] = [
  { column: 'tq', title: 'tq' },
  { column: 'tq-core', title: 'tq core Queue' },
  { column: 'bullmq', title: 'BullMQ' },
  { column: 'bee', title: 'bee-queue' },
  { column: 'ref', title: 'bare express+EVALSHA' },
  { column: 'ceiling', title: 'ceiling loop' },
];

/** The median of a metric's column, NaN when absent. */
export function med(metrics: Metric[], id: string, column: Column): number {
  return median(metrics.find((m) => m.id === id)?.values[column] ?? []);
}

/** The DESIGN.md §6 targets, judged on medians. */
export function judgeTargets(metrics: Metric[]): Target[] {
  const targets: Target[] = [];
  const add = (
    target: string,
    tq: number,
    peer: number,
    peerLabel: string,
    met: (ratio: number) => boolean,
    note?: string,
  ) => {
    const ratio = tq / peer;
    targets.push({
      target,
      tq: round(tq),
      peer: round(peer),
      peerLabel,
      ratio: round(ratio, 3),
      met: Number.isFinite(ratio) ? met(ratio) : null,
      note,
    });
  };
  const single = metrics.filter((m) => /^process\.1x\d+$/.test(m.id));
  const best = (c: Column) =>
    Math.max(...single.map((m) => median(m.values[c] ?? [])).filter(Number.isFinite));
  const bestAt = (c: Column) =>
    single.reduce((a, m) => (median(m.values[c] ?? []) > median(a?.values[c] ?? []) || !a ? m : a), single[0])
      ?.id ?? '';
  const note = `best over concurrency levels: tq ${bestAt('tq')}, BullMQ ${bestAt('bullmq')}, bee-queue ${bestAt('bee')}`;
  add(
    'noop tasks/s, one worker process ≥ 3× BullMQ',
    best('tq'),
    best('bullmq'),
    'BullMQ',
    (r) => r >= 3,
    note,
  );
  add(
    'noop tasks/s, one worker process ≥ 1.5× bee-queue',
    best('tq'),
    best('bee'),
    'bee-queue',
    (r) => r >= 1.5,
    note,
  );
  add(
    'tasks/s enqueued, library bulk ≥ bee-queue saveAll',
    med(metrics, 'enqueue.bulk', 'tq'),
    med(metrics, 'enqueue.bulk', 'bee'),
    'bee-queue saveAll',
    (r) => r >= 1,
    'tq = TaskService.submitBatch (validation included)',
  );
  add(
    'tasks/s enqueued one at a time ≥ bee-queue createJob().save()',
    med(metrics, 'enqueue.one', 'tq'),
    med(metrics, 'enqueue.one', 'bee'),
    'bee-queue save()',
    (r) => r >= 1,
    'tq = TaskService.submit (validation included), 100 in flight (issue 18 target 2)',
  );
  const batchIds = metrics.filter((m) => m.id.startsWith('http.batch')).map((m) => m.id);
  const bestBatch = Math.max(...batchIds.map((id) => med(metrics, id, 'tq')));
  add(
    'tasks/s over HTTP batch endpoint ≥ BullMQ in-process addBulk',
    bestBatch,
    med(metrics, 'enqueue.bulk', 'bullmq'),
    'BullMQ addBulk',
    (r) => r >= 1,
    `best of ${batchIds.join(', ')}`,
  );
  add(
    'POST /tasks requests/s ≥ 80% of bare express + EVALSHA',
    med(metrics, 'http.one', 'tq'),
    med(metrics, 'http.one', 'ref'),
    'bare express 5 + EVALSHA',
    (r) => r >= 0.8,
  );
  const p99 = med(metrics, 'latency.p99', 'tq');
  add('enqueue → handler start p99 ≤ 5 ms', p99, 5, '5 ms', (r) => r <= 1);
  add(
    'enqueue → handler start p99 ≤ bee-queue p99',
    p99,
    med(metrics, 'latency.p99', 'bee'),
    'bee-queue p99',
    (r) => r <= 1,
  );
  add(
    'enqueue → acknowledged completion p99 ≤ bee-queue p99',
    med(metrics, 'latency.ack.p99', 'tq'),
    med(metrics, 'latency.ack.p99', 'bee'),
    'bee-queue p99',
    (r) => r <= 1,
    'issue 18 target 3',
  );
  add(
    'Redis memory per pending task ≤ BullMQ waiting job',
    med(metrics, 'memory.pending', 'tq'),
    med(metrics, 'memory.pending', 'bullmq'),
    'BullMQ waiting job',
    (r) => r <= 1,
  );
  add(
    'Redis commands/s of an idle worker ≤ 1',
    med(metrics, 'idle.sent', 'tq'),
    1,
    '1 command/s',
    (r) => r <= 1,
    'commands the worker sends (a script call counts once)',
  );
  const ceiling = metrics.find((m) => m.id.startsWith('process.1x') && (m.values.ceiling?.length ?? 0) > 0);
  if (ceiling)
    add(
      'noop tasks/s, stock worker ≥ ½ of the ceiling loop (issue 18)',
      median(ceiling.values.tq ?? []),
      median(ceiling.values.ceiling ?? []),
      'ceiling loop',
      (r) => r >= 0.5,
      `${ceiling.id}: one process, batched Lua ack+claim, no validation or metrics`,
    );
  const keep = metrics.find((m) => m.id.endsWith('.bullmqKeep'));
  if (keep) {
    const c = keep.id.slice('process.'.length, -'.bullmqKeep'.length);
    const tq = med(metrics, `process.${c}`, 'tq');
    const peer = median(keep.values.bullmq ?? []);
    targets.push({
      target: `(context, not a target) noop tasks/s ${c}: tq ÷ BullMQ keeping completed jobs, like tq`,
      tq: round(tq),
      peer: round(peer),
      peerLabel: 'BullMQ, default removeOnComplete',
      ratio: round(tq / peer, 3),
      met: null,
    });
  }
  targets.push({
    target: 'recovery of a killed worker’s task ≤ visibility timeout + reaper interval',
    tq: NaN,
    peer: NaN,
    peerLabel: '',
    ratio: NaN,
    met: null,
    note: 'not a throughput figure: proven by the recovery tests, not measured here',
  });
  return targets;
}

const fmt = (x: number): string => {
  if (!Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
};
// A peer at (or, by measurement noise, just below) zero has no meaningful ratio.
const ratioCell = (a: number, b: number): string =>
  Number.isFinite(a / b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–';

/** The widest (max − min) ÷ |median| among a metric's columns, as a percentage ('–' for one run). */
function spread(m: Metric): string {
  let widest = NaN;
  for (const values of Object.values(m.values)) {
    if (!values || values.length < 2) continue;
    const mid = Math.abs(median(values));
    if (mid === 0) continue;
    const s = (Math.max(...values) - Math.min(...values)) / mid;
    if (!(s <= widest)) widest = s;
  }
  return Number.isFinite(widest) ? `${Math.round(widest * 100)}%` : '–';
}

/** The markdown report: the medians, tq ÷ each peer, and the targets. */
export function renderMarkdown(results: Results): string {
  const { meta, metrics, targets, failures } = results;
  const used = COLUMNS.filter(({ column }) => metrics.some((m) => (m.values[column]?.length ?? 0) > 0));
  const lines: string[] = [];
  lines.push(`# tq benchmark, ${String(meta.date)} (${String(meta.profile)})`, '');
  lines.push(`Medians of ${String(meta.repeat)} run(s). Machine: ${String(meta.machineSummary)}.`, '');
  lines.push(`- tq worker: ${String(meta.tqWorker)}`, `- tq API: ${String(meta.tqApi)}`);
  if (typeof meta.concurrentLoad === 'string') lines.push(`- load before the run: ${meta.concurrentLoad}`);
  if (meta.otherProcessesCores) {
    const cores = Object.entries(meta.otherProcessesCores as Record<string, number>).map(
      ([k, v]) => `${k} ${v}`,
    );
    lines.push(
      `- cores kept busy by processes outside the bench (average; 0 = a quiet machine): ${cores.join(', ')}`,
    );
  }
  lines.push('');
  lines.push('## Results', '');
  const header = [
    'scenario',
    'metric',
    'unit',
    ...used.map((c) => c.title),
    'tq ÷ BullMQ',
    'tq ÷ bee-queue',
    'tq ÷ bare express',
    'tq ÷ ceiling',
    'spread',
  ];
  lines.push(
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i < 3 ? '---' : '---:')).join(' | ')} |`,
  );
  for (const m of metrics) {
    const tq = median(m.values.tq ?? []);
    const cells = used.map(({ column }) => fmt(median(m.values[column] ?? [])));
    const arrow = m.better === 'higher' ? '↑' : '↓';
    lines.push(
      `| ${m.scenario} | ${m.label} | ${m.unit} ${arrow} | ${cells.join(' | ')} | ${ratioCell(tq, median(m.values.bullmq ?? []))} | ${ratioCell(tq, median(m.values.bee ?? []))} | ${ratioCell(tq, median(m.values.ref ?? []))} | ${ratioCell(tq, median(m.values.ceiling ?? []))} | ${spread(m)} |`,
    );
  }
  lines.push(
    '',
    '↑ higher is better, ↓ lower is better. Ratios are tq ÷ peer of the medians. Spread: the widest (max − min) ÷ median',
    'of the row’s columns over the repetitions, a measure of how much to trust the row (every run is in the JSON).',
    '',
  );
  lines.push('## DESIGN.md §6 targets', '');
  lines.push('| target | tq | compared with | ratio (tq ÷ it) | met |', '| --- | ---: | --- | ---: | --- |');
  for (const t of targets) {
    const met = t.met === null ? 'n/a' : t.met ? '**yes**' : '**no**';
    lines.push(
      `| ${t.target} | ${fmt(t.tq)} | ${t.peerLabel} ${fmt(t.peer)} | ${Number.isFinite(t.ratio) ? `${t.ratio}×` : '–'} | ${met}${t.note ? ` (${t.note})` : ''} |`,
    );
  }
  lines.push('');
  if (failures.length > 0) {
    lines.push('## Failures', '');
    for (const f of failures) lines.push(`- ${f.where}: ${f.error.split('\n')[0]}`);
    lines.push('');
  }
  return lines.join('\n');
}
