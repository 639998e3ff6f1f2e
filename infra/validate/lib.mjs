// Shared by the infra checks: a problem report, YAML loading, and the metric contract.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse } from 'yaml';

/** The repository root (infra/validate/../..). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A path relative to the repository root, for messages. */
export const rel = (path) => relative(repoRoot, path) || path;

/**
 * Collects problems of one check and prints them all at the end, so one run shows every problem;
 * `finish()` sets a non-zero exit code when there was any.
 */
export class Report {
  constructor(name) {
    this.name = name;
    this.problems = [];
    this.passed = 0;
  }

  /** Records a problem found at `where` (a file, an object, a panel). */
  fail(where, message) {
    this.problems.push(`${where}: ${message}`);
  }

  /** Records that `condition` must hold; returns it. */
  expect(condition, where, message) {
    if (condition) this.passed += 1;
    else this.fail(where, message);
    return condition;
  }

  finish(summary) {
    for (const problem of this.problems) console.error(`  FAIL ${problem}`);
    const verdict = this.problems.length === 0 ? 'ok' : `${this.problems.length} problem(s)`;
    console.log(`  ${this.name}: ${summary}; ${this.passed} rule checks passed; ${verdict}`);
    if (this.problems.length > 0) process.exitCode = 1;
  }
}

/** Every YAML document of a file (a multi-document stream), as plain values; throws on a syntax error. */
export function readYamlDocs(file) {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { merge: true });
  return docs.flatMap((doc, index) => {
    if (doc.errors.length > 0)
      throw new Error(`${rel(file)} document ${index + 1}: ${doc.errors[0].message}`);
    const value = doc.toJS({ maxAliasCount: 100 });
    return value == null ? [] : [value];
  });
}

/** One YAML document (YAML 1.1 merge keys allowed, as Docker Compose reads them). */
export function readYaml(file) {
  return parse(readFileSync(file, 'utf8'), { merge: true, maxAliasCount: 100 });
}

/** The tq_* metric contract: name -> { type, jobs, labels } (infra/prometheus/metrics.json). */
export const metricContract = JSON.parse(
  readFileSync(join(repoRoot, 'infra', 'prometheus', 'metrics.json'), 'utf8'),
).metrics;

// Labels Prometheus adds to every scraped series, whatever the metric (target labels and the histogram's le).
const targetLabels = new Set(['job', 'instance', 'namespace', 'pod', 'le']);

/**
 * Checks that every tq_* name in a PromQL expression is in the metric contract (a histogram's _bucket,
 * _sum and _count included) and that label matchers directly on it use its labels.
 */
export function checkMetricNames(report, where, expr) {
  for (const match of expr.matchAll(/\b(tq_[a-z0-9_]+)(\{([^}]*)\})?/g)) {
    const [, name, , matchers] = match;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    const spec =
      metricContract[name] ?? (metricContract[base]?.type === 'histogram' ? metricContract[base] : undefined);
    if (
      !report.expect(spec !== undefined, where, `${name} is not a tq metric (infra/prometheus/metrics.json)`)
    )
      continue;
    for (const [, label] of (matchers ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)) {
      report.expect(
        spec.labels.includes(label) || targetLabels.has(label),
        where,
        `${name} has no label "${label}" (it has: ${spec.labels.join(', ') || 'none'})`,
      );
    }
  }
}

/**
 * Writes PromQL expressions as recording rules, so that `promtool check rules` parses them: the only
 * offline PromQL parser at hand. Names are `check:<index>`, each preceded by a comment saying where the
 * expression comes from; returns the number written.
 */
export function writePromqlAsRules(file, exprs) {
  const rules = exprs.map(
    ({ where, expr }, index) =>
      `      # ${where.replace(/\n/g, ' ')}\n      - record: check:${index}\n        expr: ${JSON.stringify(expr)}\n`,
  );
  writeFileSync(file, `groups:\n  - name: extracted\n    rules:\n${rules.join('')}`);
  return exprs.length;
}
