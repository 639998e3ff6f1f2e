// Validates rendered Kubernetes manifests (the output of `kustomize build`) offline:
//  1. schema: each object against the JSON schema of its apiVersion/kind (kubernetes-models for the core API,
//     @kubernetes-models/keda and /prometheus-operator for the CRDs), through the model's .validate();
//  2. fields: the same objects as TypeScript literals of the models' types, so a misspelt field
//     (`readinesProbe`) is an excess-property error; the JSON schemas allow unknown fields;
//  3. rules tq relies on: probes, resources, security context, grace period vs SHUTDOWN_TIMEOUT_MS,
//     selectors and references that resolve, autoscaler targets, scrape annotations.
//
//   node infra/validate/k8s.mjs [--promql-out FILE] [--complete | --unrendered] RENDERED.yaml [...]
//
// --complete marks the render that follows as deployable: Secrets must resolve and images carry a tag.
// --unrendered marks a file that is not kustomize output (the fallback without kustomize: every manifest
// file concatenated): what only kustomize makes (generated ConfigMaps, patches) is not asked for.
// --promql-out writes the autoscalers' PromQL queries as rules for `promtool check rules`.
import { basename, join } from 'node:path';
import ts from 'typescript';
import { Report, checkMetricNames, readYamlDocs, repoRoot, writePromqlAsRules } from './lib.mjs';

// apiVersion group -> the module holding its models (the version is appended: "<module>/<version>").
const modelModules = {
  '': 'kubernetes-models',
  'keda.sh': '@kubernetes-models/keda/keda.sh',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator/monitoring.coreos.com',
};
const moduleOf = (apiVersion) => {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return `${modelModules[group] ?? `kubernetes-models/${group}`}/${version}`;
};

const args = process.argv.slice(2);
let promqlOut;
const renders = [];
for (let i = 0, mode = {}; i < args.length; i += 1) {
  if (args[i] === '--promql-out') promqlOut = args[++i];
  else if (args[i] === '--complete') mode = { complete: true };
  else if (args[i] === '--unrendered') mode = { unrendered: true };
  else {
    renders.push({ file: args[i], label: basename(args[i]), complete: false, unrendered: false, ...mode });
    mode = {};
  }
}

const report = new Report('kubernetes');
const objects = [];
for (const render of renders) {
  for (const object of readYamlDocs(render.file)) objects.push({ ...render, object });
}

// 1. JSON schema of each object.
for (const { label, object } of objects) {
  const where = `${label} ${object.kind}/${object.metadata?.name}`;
  let model;
  try {
    model = (await import(moduleOf(object.apiVersion)))[object.kind];
  } catch {
    model = undefined;
  }
  if (!report.expect(model !== undefined, where, `no schema for ${object.apiVersion} ${object.kind}`))
    continue;
  try {
    new model(object).validate();
    report.passed += 1;
  } catch (error) {
    for (const e of error.errors ?? [error]) report.fail(where, `${e.instancePath ?? ''} ${e.message}`);
  }
}

// 2. Unknown fields, through TypeScript's excess-property check on the models' own types.
{
  const virtualFile = join(repoRoot, 'infra', 'validate', '__rendered_objects__.ts');
  const lines = objects.map(({ object }, index) => {
    const type = `T${index}`;
    return (
      `import type { I${object.kind} as ${type} } from '${moduleOf(object.apiVersion)}';\n` +
      `export const o${index}: ${type} = ${JSON.stringify(object)};\n`
    );
  });
  const source = lines.join('');
  const options = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === virtualFile
      ? ts.createSourceFile(name, source, language)
      : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === virtualFile || fileExists.call(host, name);
  host.readFile = (name) => (name === virtualFile ? source : readFile.call(host, name));
  const program = ts.createProgram([virtualFile], options, host);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  for (const d of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n').at(-1);
    const line = d.file ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const entry = objects[Math.floor(line / 2)];
    const where = entry ? `${entry.label} ${entry.object.kind}/${entry.object.metadata?.name}` : 'typescript';
    report.fail(where, message);
  }
  if (diagnostics.length === 0) report.passed += objects.length;
}

// 3. Rules, per render (references resolve within one render).
const queries = [];
for (const render of renders) {
  const inRender = objects.filter((o) => o.file === render.file).map((o) => o.object);
  const named = (kind, name) => inRender.find((o) => o.kind === kind && o.metadata?.name === name);
  const at = (o) => `${render.label} ${o.kind}/${o.metadata?.name}`;
  const workloads = inRender.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind));
  const selects = (selector, workload) =>
    Object.entries(selector ?? {}).every(([k, v]) => workload.spec.template.metadata?.labels?.[k] === v);

  // The value of an env var of a container: env first (it wins), then envFrom ConfigMaps of this render.
  const envValue = (container, name) => {
    const direct = container.env?.find((e) => e.name === name);
    if (direct) return direct.value;
    for (const source of container.envFrom ?? []) {
      const value = named('ConfigMap', source.configMapRef?.name)?.data?.[name];
      if (value !== undefined) return value;
    }
    return undefined;
  };

  for (const w of workloads) {
    const pod = w.spec.template.spec;
    const tq = /^tq-/.test(w.spec.template.metadata?.labels?.['app.kubernetes.io/name'] ?? '');
    report.expect(
      selects(w.spec.selector.matchLabels, w),
      at(w),
      'selector does not match the pod template labels',
    );
    report.expect(
      pod.automountServiceAccountToken === false,
      at(w),
      'automountServiceAccountToken must be false',
    );
    for (const c of pod.containers) {
      const where = `${at(w)} container ${c.name}`;
      const sc = { ...pod.securityContext, ...c.securityContext };
      report.expect(sc.runAsNonRoot === true, where, 'runAsNonRoot must be true');
      report.expect(
        Number.isInteger(sc.runAsUser) && sc.runAsUser !== 0,
        where,
        'runAsUser must be a non-zero uid',
      );
      report.expect(
        c.securityContext?.readOnlyRootFilesystem === true,
        where,
        'readOnlyRootFilesystem must be true',
      );
      report.expect(
        c.securityContext?.allowPrivilegeEscalation === false,
        where,
        'allowPrivilegeEscalation: false',
      );
      report.expect(
        c.securityContext?.capabilities?.drop?.includes('ALL'),
        where,
        'capabilities must drop ALL',
      );
      for (const key of ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']) {
        const [kind, resource] = key.split('.');
        report.expect(c.resources?.[kind]?.[resource] !== undefined, where, `resources.${key} is missing`);
      }
      report.expect(
        c.resources?.requests?.memory === c.resources?.limits?.memory,
        where,
        'memory request must equal the limit (an OOM kill is a crash)',
      );
      report.expect(
        c.readinessProbe !== undefined && c.livenessProbe !== undefined,
        where,
        'needs both probes',
      );
      const portNames = new Set((c.ports ?? []).flatMap((p) => [p.name, p.containerPort]));
      for (const probe of ['readinessProbe', 'livenessProbe']) {
        const port = c[probe]?.httpGet?.port ?? c[probe]?.tcpSocket?.port;
        if (port !== undefined)
          report.expect(portNames.has(port), where, `${probe} port ${port} is not a container port`);
      }
      for (const source of c.envFrom ?? []) {
        const name = source.configMapRef?.name ?? source.secretRef?.name;
        const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
        const resolvable = kind === 'ConfigMap' ? !render.unrendered : render.complete;
        if (resolvable) report.expect(named(kind, name), where, `${kind} ${name} not found`);
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
        if (!ref || (e.valueFrom.secretKeyRef ? !render.complete : render.unrendered)) continue;
        const kind = e.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap';
        const target = named(kind, ref.name);
        const keys = { ...target?.data, ...target?.stringData };
        report.expect(
          target && ref.key in keys,
          where,
          `${e.name}: ${kind} ${ref.name} has no key ${ref.key}`,
        );
      }
      if (render.complete) {
        report.expect(
          /:[\w][\w.-]*$|@sha256:/.test(c.image) && !c.image.endsWith(':latest'),
          where,
          `image ${c.image} needs a pinned tag`,
        );
      }
      if (!tq) continue;
      // tq services: health endpoints of packages/ops, scrape annotations matching the served port.
      report.expect(c.readinessProbe?.httpGet?.path === '/readyz', where, 'readinessProbe must GET /readyz');
      report.expect(
        c.livenessProbe?.httpGet?.path === '/healthz',
        where,
        'livenessProbe must GET /healthz (not Redis)',
      );
      const portVar = w.metadata.name === 'tq-api' ? 'PORT' : 'METRICS_PORT';
      const served = envValue(c, portVar);
      const declared = c.ports?.map((p) => String(p.containerPort)) ?? [];
      report.expect(
        declared.includes(served),
        where,
        `${portVar}=${served} is not a containerPort (${declared})`,
      );
      const annotations = w.spec.template.metadata?.annotations ?? {};
      report.expect(
        annotations['prometheus.io/scrape'] === 'true',
        where,
        'prometheus.io/scrape must be "true"',
      );
      report.expect(
        annotations['prometheus.io/port'] === served,
        where,
        `prometheus.io/port must be ${served}`,
      );
      report.expect(
        annotations['prometheus.io/path'] === '/metrics',
        where,
        'prometheus.io/path must be /metrics',
      );
      if (w.metadata.name === 'tq-worker' && !render.unrendered) {
        const shutdownMs = Number(envValue(c, 'SHUTDOWN_TIMEOUT_MS'));
        const graceMs = (pod.terminationGracePeriodSeconds ?? 30) * 1000;
        report.expect(
          Number.isFinite(shutdownMs) && graceMs >= shutdownMs + 5000,
          where,
          `terminationGracePeriodSeconds (${graceMs} ms) must exceed SHUTDOWN_TIMEOUT_MS (${shutdownMs}) by 5 s or more`,
        );
      }
    }
  }

  for (const o of inRender) {
    if (o.kind === 'Service' && o.spec.selector) {
      const targets = workloads.filter((w) => selects(o.spec.selector, w));
      if (!report.expect(targets.length > 0, at(o), 'selects no workload')) continue;
      for (const port of o.spec.ports) {
        const found = targets.some((w) =>
          w.spec.template.spec.containers.some((c) =>
            (c.ports ?? []).some((p) => p.name === port.targetPort || p.containerPort === port.targetPort),
          ),
        );
        report.expect(found, at(o), `targetPort ${port.targetPort} is not a port of the selected pods`);
      }
    }
    if (o.kind === 'PodDisruptionBudget') {
      report.expect(
        workloads.some((w) => selects(o.spec.selector.matchLabels, w)),
        at(o),
        'selects no workload',
      );
    }
    if (o.kind === 'ScaledObject' || o.kind === 'HorizontalPodAutoscaler') {
      const target = named(o.spec.scaleTargetRef.kind ?? 'Deployment', o.spec.scaleTargetRef.name);
      if (!report.expect(target, at(o), `scale target ${o.spec.scaleTargetRef.name} not found`)) continue;
      // Unrendered, the components' patches are not applied and both autoscalers are present.
      if (render.unrendered) continue;
      report.expect(
        target.spec.replicas === undefined,
        at(o),
        `${at(target)} sets replicas, which an apply would reset`,
      );
      const scalers = inRender.filter(
        (x) =>
          ['ScaledObject', 'HorizontalPodAutoscaler'].includes(x.kind) &&
          x.spec.scaleTargetRef.name === target.metadata.name,
      );
      report.expect(scalers.length === 1, at(o), `${target.metadata.name} has ${scalers.length} autoscalers`);
    }
    if (o.kind === 'ScaledObject') {
      for (const trigger of o.spec.triggers.filter((t) => t.type === 'prometheus')) {
        const where = `${at(o)} trigger ${trigger.name}`;
        checkMetricNames(report, where, trigger.metadata.query);
        queries.push({ where, expr: trigger.metadata.query });
      }
    }
  }
}

if (promqlOut) writePromqlAsRules(promqlOut, queries);
report.finish(`${objects.length} objects in ${renders.length} render(s)`);
