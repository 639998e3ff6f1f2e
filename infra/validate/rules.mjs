// Checks alerting rules beyond what promtool does: every alert has a severity, a summary, a description
// and a runbook_url whose anchor is a heading of docs/operations.md; expressions use tq metrics and labels
// of the contract (infra/prometheus/metrics.json).
//
//   node infra/validate/rules.mjs infra/prometheus/rules/tq-alerts.yml docs/operations.md
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Report, checkMetricNames, readYaml, rel } from './lib.mjs';

const [rulesFile, docFile] = process.argv.slice(2).map((p) => resolve(p));
const report = new Report('alert rules');

// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
const slug = (heading) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
const anchors = new Set(
  readFileSync(docFile, 'utf8')
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) => slug(line.replace(/^#+ /, ''))),
);
const docPath = rel(docFile);

let alerts = 0;
for (const group of readYaml(rulesFile).groups) {
  for (const rule of group.rules) {
    const where = `${rel(rulesFile)} ${rule.alert ?? rule.record}`;
    checkMetricNames(report, where, rule.expr);
    if (!rule.alert) continue;
    alerts += 1;
    report.expect(/^Tq[A-Za-z]+$/.test(rule.alert), where, 'alert names are TqCamelCase');
    report.expect(
      ['warning', 'critical'].includes(rule.labels?.severity),
      where,
      'severity must be warning or critical',
    );
    for (const key of ['summary', 'description', 'runbook_url']) {
      report.expect(rule.annotations?.[key], where, `annotation ${key} is missing`);
    }
    const [path, anchor] = String(rule.annotations?.runbook_url).split('#');
    report.expect(path === docPath, where, `runbook_url must point into ${docPath}`);
    report.expect(
      anchor === slug(rule.alert) && anchors.has(anchor),
      where,
      `${docPath} has no heading "${rule.alert}"`,
    );
  }
}
report.finish(`${alerts} alerts`);
