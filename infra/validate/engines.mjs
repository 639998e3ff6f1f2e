// Checks the Node.js versions tq claims against every locked dependency's `engines.node` (pnpm-lock.yaml):
// - what the services install in production (the `dependencies` of apps/api, apps/worker, apps/reaper and the
//   workspace packages they link, transitively) must run on the floor of the root package.json's `engines`
//   (the oldest Node the README promises) and on the Node of the images (NODE_IMAGE in the Dockerfile);
// - every other locked package (build, lint and test tools) must run on the development floor the README
//   states (DEV_FLOOR below) and on the images' Node.
// pnpm's engineStrict only checks the Node that runs the install; this checks the promised range.
//
//   node infra/validate/engines.mjs
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import YAML from 'yaml';
import { Report, repoRoot } from './lib.mjs';

/** The oldest Node that runs the test command (lint and test tools): README, "Requirements". */
const DEV_FLOOR = '20.19.0';
const SERVICES = ['apps/api', 'apps/worker', 'apps/reaper'];

const report = new Report('engines');
const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const floor = semver.minVersion(root.engines.node).version;
const imageTag = /^ARG NODE_IMAGE=node:(\d+)[-\w.]*$/m.exec(
  readFileSync(join(repoRoot, 'infra/docker/Dockerfile'), 'utf8'),
)?.[1];
report.expect(imageTag, 'infra/docker/Dockerfile', 'ARG NODE_IMAGE=node:<major>-… not found');
const imageNode = `${imageTag}.0.0`;
report.expect(
  semver.satisfies(imageNode, root.engines.node),
  'package.json',
  `engines.node ${root.engines.node} does not include the images' Node ${imageNode}`,
);

// The lockfile holds two YAML documents (pnpm 12): the package manager's, then the project's.
const docs = YAML.parseAllDocuments(readFileSync(join(repoRoot, 'pnpm-lock.yaml'), 'utf8')).map((d) =>
  d.toJS(),
);
const lock = docs.find((d) => d.importers && Object.keys(d.importers).some((k) => k.startsWith('apps/')));
const packageKey = (snapshotKey) => snapshotKey.replace(/\(.*$/, ''); // name@version(peer…) -> name@version

// Production closure of the services: importer dependencies, workspace links followed, then snapshots.
const production = new Set();
const seenImporters = new Set();
const queue = [];
const addImporter = (path) => {
  if (seenImporters.has(path)) return;
  seenImporters.add(path);
  for (const [name, { version }] of Object.entries(lock.importers[path]?.dependencies ?? {})) {
    if (version.startsWith('link:')) addImporter(join(path, version.slice('link:'.length)));
    else queue.push(`${name}@${version}`);
  }
};
SERVICES.forEach(addImporter);
while (queue.length > 0) {
  const key = queue.pop();
  if (production.has(key)) continue;
  production.add(key);
  const snapshot = lock.snapshots?.[key] ?? {};
  for (const deps of [snapshot.dependencies, snapshot.optionalDependencies])
    for (const [name, version] of Object.entries(deps ?? {})) queue.push(`${name}@${version}`);
}
const productionPackages = new Set([...production].map(packageKey));

let checked = 0;
for (const [key, meta] of Object.entries(lock.packages ?? {})) {
  const range = meta.engines?.node;
  if (!range) continue;
  checked++;
  const inProduction = productionPackages.has(key);
  const needs = inProduction ? [floor, imageNode] : [DEV_FLOOR, imageNode];
  for (const version of needs) {
    report.expect(
      semver.satisfies(version, range, { includePrerelease: true }),
      'pnpm-lock.yaml',
      `${key} (${inProduction ? 'in a service image' : 'a development tool'}) needs Node ${range}, ` +
        `not ${version}: pick a major that supports it, or raise the floor (docs/adr/0010-node-versions.md)`,
    );
  }
}

report.finish(
  `${checked} locked packages declare engines.node; ${productionPackages.size} in the service images run on ` +
    `Node ${floor}+ and ${imageNode}, the rest on ${DEV_FLOOR}+ and ${imageNode}`,
);
