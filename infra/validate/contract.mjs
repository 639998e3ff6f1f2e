// Checks that the services register exactly the metrics of the contract (infra/prometheus/metrics.json):
// every `name: 'tq_...'` in the non-test sources of apps/ and packages/ is in the contract, and every
// metric of the contract is registered somewhere. A renamed metric would otherwise silently empty a
// dashboard panel or, worse, turn an alert into one that can never fire.
//
//   node infra/validate/contract.mjs
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Report, metricContract, rel, repoRoot } from './lib.mjs';

const report = new Report('metric contract');
const sources = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !['node_modules', 'dist', 'test-support'].includes(entry.name)) walk(path);
    else if (entry.isFile() && /\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name))
      sources.push(path);
  }
};
for (const top of ['apps', 'packages']) {
  for (const pkg of readdirSync(join(repoRoot, top), { withFileTypes: true })) {
    if (pkg.isDirectory()) {
      try {
        walk(join(repoRoot, top, pkg.name, 'src'));
      } catch {
        // a package without src/ yet
      }
    }
  }
}

const registered = new Map();
for (const file of sources) {
  for (const [, name] of readFileSync(file, 'utf8').matchAll(/\bname:\s*['"](tq_[a-z0-9_]+)['"]/g)) {
    registered.set(name, rel(file));
  }
}
for (const [name, file] of registered) {
  report.expect(
    name in metricContract,
    file,
    `registers ${name}, which infra/prometheus/metrics.json does not list`,
  );
}
for (const name of Object.keys(metricContract)) {
  report.expect(
    registered.has(name),
    'infra/prometheus/metrics.json',
    `${name} is registered by no service source`,
  );
}
report.finish(`${registered.size} metrics registered in ${sources.length} source files`);
