// Checks the Grafana dashboard and its provisioning offline: the panels' layout and datasource, that the
// dashboard shows what operators need (the metrics listed below), that every query uses tq metrics and
// labels of the contract, and writes the queries (Grafana variables replaced) as rules for
// `promtool check rules`, which parses them.
//
//   node infra/validate/grafana.mjs --promql-out FILE infra/grafana
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Report, checkMetricNames, readYaml, rel, writePromqlAsRules } from './lib.mjs';

const args = process.argv.slice(2);
const promqlOut = args[args.indexOf('--promql-out') + 1];
const dir = resolve(args.at(-1));
const report = new Report('grafana');

// What the dashboard must show (issue 7): throughput, latency histograms, depth, age, dead letters,
// recoveries, slots, stale acks and the API.
const required = [
  'tq_tasks_enqueued_total',
  'tq_tasks_completed_total',
  'tq_tasks_failed_total',
  'tq_tasks_dead_lettered_total',
  'tq_task_wait_seconds_bucket',
  'tq_task_run_seconds_bucket',
  'tq_task_end_to_end_seconds_bucket',
  'tq_queue_depth',
  'tq_queue_oldest_pending_age_seconds',
  'tq_tasks_recovered_total',
  'tq_worker_busy_slots',
  'tq_worker_slots',
  'tq_stale_acks_total',
  'tq_http_requests_total',
  'tq_http_request_duration_seconds_bucket',
];

// Grafana's variables, replaced by values that keep the query valid PromQL.
const substitute = (expr) =>
  expr.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m').replaceAll('$queue', '.*');

const datasource = readYaml(join(dir, 'provisioning', 'datasources', 'prometheus.yml')).datasources;
report.expect(
  datasource?.some((d) => d.type === 'prometheus' && d.url),
  'provisioning/datasources',
  'needs a Prometheus datasource',
);
const providers = readYaml(join(dir, 'provisioning', 'dashboards', 'tq.yml')).providers;
report.expect(
  providers?.[0]?.type === 'file' && providers[0].options?.path,
  'provisioning/dashboards',
  'needs a file provider with a path',
);

const exprs = [];
const dashboardsDir = join(dir, 'dashboards');
for (const name of readdirSync(dashboardsDir).filter((f) => f.endsWith('.json'))) {
  const file = join(dashboardsDir, name);
  const where = rel(file);
  const dashboard = JSON.parse(readFileSync(file, 'utf8'));
  report.expect(dashboard.uid && dashboard.title, where, 'needs uid and title');
  const variables = new Map((dashboard.templating?.list ?? []).map((v) => [v.name, v]));
  report.expect(variables.get('datasource')?.type === 'datasource', where, 'needs a datasource variable');
  const ids = new Set();
  const cells = new Set();
  const used = new Set();
  for (const panel of dashboard.panels ?? []) {
    const at = `${where} panel ${panel.id} "${panel.title}"`;
    report.expect(!ids.has(panel.id), at, 'duplicate panel id');
    ids.add(panel.id);
    const { x, y, w, h } = panel.gridPos ?? {};
    report.expect(x >= 0 && w > 0 && x + w <= 24 && h > 0, at, 'gridPos must lie within 24 columns');
    const area = [];
    for (let cx = x; cx < x + w; cx += 1) for (let cy = y; cy < y + h; cy += 1) area.push(`${cx},${cy}`);
    const overlap = area.find((cell) => cells.has(cell));
    report.expect(!overlap, at, `overlaps another panel at ${overlap}`);
    for (const cell of area) cells.add(cell);
    if (panel.type === 'row') continue;
    report.expect(panel.datasource?.uid === '${datasource}', at, 'must use the ${datasource} variable');
    report.expect((panel.targets ?? []).length > 0, at, 'has no queries');
    const refIds = new Set();
    for (const target of panel.targets ?? []) {
      report.expect(!refIds.has(target.refId), at, `duplicate refId ${target.refId}`);
      refIds.add(target.refId);
      const expr = substitute(target.expr ?? '');
      checkMetricNames(report, at, expr);
      for (const [metric] of expr.matchAll(/\btq_[a-z0-9_]+/g)) used.add(metric);
      exprs.push({ where: at, expr });
    }
  }
  for (const metric of required) report.expect(used.has(metric), where, `no panel shows ${metric}`);
}

if (promqlOut) writePromqlAsRules(promqlOut, exprs);
report.finish(`${exprs.length} queries`);
