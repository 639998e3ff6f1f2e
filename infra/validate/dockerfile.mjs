// Checks infra/docker/Dockerfile and the root .dockerignore offline (no Docker engine or hadolint here):
// parsed with dockerfile-ast, then the rules the images rely on: multi-stage turbo prune -> pnpm install ->
// pnpm deploy, pnpm and turbo installed once in the base stage at the versions of the root package.json, a
// slim Node 24 (Active LTS) runtime without npm/corepack/yarn as a non-root user, under tini so that SIGTERM
// reaches node and zombies are reaped, STOPSIGNAL, EXPOSE, OCI labels, and a .dockerignore that keeps
// build outputs and local .env files out of the context.
//
//   node infra/validate/dockerfile.mjs infra/docker/Dockerfile .dockerignore
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { Report, rel, repoRoot } from './lib.mjs';

const [dockerfilePath, dockerignorePath] = process.argv.slice(2).map((p) => resolve(p));
const report = new Report('dockerfile');
const where = rel(dockerfilePath);
const dockerfile = DockerfileParser.parse(readFileSync(dockerfilePath, 'utf8'));
const rootPackage = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));

const known = new Set(
  'ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN SHELL STOPSIGNAL USER VOLUME WORKDIR'.split(
    ' ',
  ),
);
const instructions = dockerfile.getInstructions();
for (const i of instructions) {
  report.expect(
    known.has(i.getKeyword()),
    `${where}:${i.getRange().start.line + 1}`,
    `unknown instruction ${i.getKeyword()}`,
  );
}

// Stages, each with the ARG defaults in scope: global ARGs (before the first FROM) are visible to FROM lines
// and to stages that redeclare them; a stage's own ARG NAME=default applies after it.
const globalArgs = Object.fromEntries(
  dockerfile.getInitialARGs().map((a) => [a.getProperty().getName(), a.getProperty().getValue() ?? '']),
);
const expand = (text, vars) =>
  text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (m, name) => vars[name] ?? m);
const stages = [];
for (const i of instructions) {
  if (i.getKeyword() === 'FROM') {
    stages.push({ from: i, vars: {}, instructions: [], name: i.getBuildStage() });
  } else if (stages.length > 0) {
    const stage = stages.at(-1);
    stage.instructions.push(i);
    if (i.getKeyword() === 'ARG') {
      const p = i.getProperty();
      stage.vars[p.getName()] = p.getValue() ?? globalArgs[p.getName()] ?? stage.vars[p.getName()];
    }
  }
}
const text = (i, stage) => expand(i.getArgumentsContent() ?? '', stage.vars);
const all = (keyword) =>
  stages.flatMap((s) => s.instructions.filter((i) => i.getKeyword() === keyword).map((i) => [i, s]));

report.expect(
  stages.length >= 3,
  where,
  `multi-stage build expected (prune, build, runtime); found ${stages.length} stage(s)`,
);
for (const stage of stages) {
  const image = expand(
    stage.from
      .getArgumentsContent()
      .split(/\s+/)
      .find((w) => !w.startsWith('--')),
    globalArgs,
  );
  const internal = stages.some((s) => s.name === image);
  report.expect(internal || /:[\w.-]+$|@sha256:/.test(image), where, `FROM ${image} needs a tag`);
  report.expect(!image.endsWith(':latest'), where, `FROM ${image}: no :latest`);
}

// Tool versions follow the root package.json, so a bump there cannot leave the images behind.
const pnpmVersion = rootPackage.packageManager.replace(/^pnpm@/, '');
const turboVersion = rootPackage.devDependencies.turbo;
const runs = all('RUN').map(([i, s]) => text(i, s));
const base = stages[0];
const baseRuns = base.instructions.filter((i) => i.getKeyword() === 'RUN').map((i) => text(i, base));
const globalInstall = baseRuns.find((r) => /npm (i|install) -g /.test(r)) ?? '';
report.expect(
  globalInstall.includes(`pnpm@${pnpmVersion}`),
  where,
  `the base stage must install pnpm@${pnpmVersion} with npm (packageManager of package.json)`,
);
report.expect(
  globalInstall.includes(`turbo@${turboVersion}`),
  where,
  `the base stage must install turbo@${turboVersion} with npm, once (devDependencies.turbo of package.json)`,
);
report.expect(
  !runs.some((r) => /(dlx|npx|pnpm exec) turbo/.test(r)),
  where,
  'turbo is installed once in the base stage: no pnpm dlx / npx turbo in later stages',
);
report.expect(
  !instructions.some((i) =>
    /corepack +(enable|prepare|use|install|pnpm)/.test(i.getArgumentsContent() ?? ''),
  ),
  where,
  'corepack must not be used',
);
report.expect(
  runs.some((r) => /(^|&& )turbo prune @tq\//.test(r) && r.includes('--docker')),
  where,
  'the prune stage must run turbo prune @tq/<app> --docker',
);
report.expect(
  runs.some((r) => /pnpm install --frozen-lockfile/.test(r)),
  where,
  'pnpm install --frozen-lockfile',
);
report.expect(
  runs.some((r) => /turbo run build --filter=@tq\//.test(r)),
  where,
  'builds with turbo',
);
report.expect(
  runs.some((r) => /deploy --prod/.test(r)),
  where,
  'pnpm deploy --prod',
);
for (const [i] of all('ADD'))
  report.expect(false, where, `ADD ${i.getArgumentsContent()}: use COPY (or a checked download)`);

// Files copied from the build context must exist and must not be excluded by .dockerignore.
const ignorePatterns = readFileSync(dockerignorePath, 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const globToRegExp = (glob) =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*\//g, '\0')
      .replace(/\*\*/g, '\u0001')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')
      .replace(/\0/g, '(.*/)?')
      .replace(/\u0001/g, '.*')}(/.*)?$`,
  );
const ignored = (path) => ignorePatterns.some((p) => !p.startsWith('!') && globToRegExp(p).test(path));
for (const [i, s] of all('COPY')) {
  if (i.getFlags().some((f) => f.getName() === 'from')) continue;
  const sources = text(i, s)
    .split(/\s+/)
    .filter((w) => !w.startsWith('--'))
    .slice(0, -1);
  for (const source of sources.filter((p) => p !== '.')) {
    report.expect(existsSync(join(repoRoot, source)), where, `COPY source ${source} does not exist`);
    report.expect(!ignored(source), where, `COPY source ${source} is excluded by .dockerignore`);
  }
}
const needed = [
  'package.json',
  'pnpm-lock.yaml',
  'pnpm-workspace.yaml',
  'turbo.json',
  'packages/tsconfig/base.json',
];
for (const path of needed) report.expect(!ignored(path), rel(dockerignorePath), `must not exclude ${path}`);
const mustIgnore = [
  '.env',
  '.env.local',
  'infra/.env',
  'node_modules',
  'apps/api/node_modules',
  'packages/core/dist',
  'apps/worker/.turbo',
  '.git',
  'x.log',
];
for (const path of mustIgnore) report.expect(ignored(path), rel(dockerignorePath), `must exclude ${path}`);

// The runtime stage.
const runtime = stages.at(-1);
const last = (keyword) => runtime.instructions.filter((i) => i.getKeyword() === keyword).at(-1);
const runtimeImage = expand(runtime.from.getArgumentsContent(), globalArgs).split(/\s+/)[0];
report.expect(
  /^node:24-[a-z]+-slim$/.test(runtimeImage),
  where,
  `runtime must be a slim Node 24 (Active LTS) image such as node:24-bookworm-slim, not ${runtimeImage}`,
);
const runtimeRuns = runtime.instructions.filter((i) => i.getKeyword() === 'RUN').map((i) => text(i, runtime));
report.expect(
  runtimeRuns.some((r) => /apt-get install [^&]*\btini\b/.test(r)),
  where,
  'the runtime stage must install tini (PID 1: signals and zombie reaping)',
);
for (const tool of ['npm', 'corepack', 'npx'])
  report.expect(
    runtimeRuns.some((r) => new RegExp(`rm -rf [^&]*/usr/local/bin/${tool}\\b`).test(r)),
    where,
    `the runtime stage must remove ${tool} (a service does not need it)`,
  );
const user = last('USER') ? text(last('USER'), runtime).split(':')[0] : 'root';
report.expect(!['root', '0', ''].includes(user), where, `runtime must run as a non-root USER (is ${user})`);
const cmd = last('CMD');
const cmdJson = cmd?.getJSONStrings?.().map((s) => s.getJSONValue());
report.expect(
  JSON.stringify(cmdJson) === JSON.stringify(['node', 'dist/main.js']),
  where,
  'CMD must be the exec form ["node", "dist/main.js"] (a shell would swallow SIGTERM)',
);
const entrypoint = last('ENTRYPOINT')
  ?.getJSONStrings?.()
  .map((s) => s.getJSONValue());
report.expect(
  JSON.stringify(entrypoint) === JSON.stringify(['/usr/bin/tini', '--']),
  where,
  'ENTRYPOINT must be the exec form ["/usr/bin/tini", "--"]: an init forwards SIGTERM to node and reaps zombies',
);
report.expect(
  last('STOPSIGNAL') && text(last('STOPSIGNAL'), runtime) === 'SIGTERM',
  where,
  'STOPSIGNAL SIGTERM',
);
report.expect(last('EXPOSE'), where, 'EXPOSE the served port');
const healthcheck = last('HEALTHCHECK');
if (healthcheck)
  report.expect(/CMD \[/.test(healthcheck.getArgumentsContent()), where, 'HEALTHCHECK in exec form');
const labels = new Set(
  runtime.instructions
    .filter((i) => i.getKeyword() === 'LABEL')
    .flatMap((i) => i.getProperties().map((p) => p.getName())),
);
for (const key of ['title', 'description', 'version', 'revision', 'created', 'source', 'licenses']) {
  report.expect(
    labels.has(`org.opencontainers.image.${key}`),
    where,
    `LABEL org.opencontainers.image.${key} is missing`,
  );
}

report.finish(`${stages.length} stages (${stages.map((s) => s.name).join(' -> ')})`);
