// Validates rendered Kubernetes manifests (the output of `kustomize build`) offline:
//  1. schema: each object against the JSON schema of its apiVersion/kind (kubernetes-models for the core API,
//     @kubernetes-models/keda and /prometheus-operator for the CRDs), through the model's .validate();
//  2. fields: the same objects as TypeScript literals of the models' types, so a misspelt field
//     (`readinesProbe`) is an excess-property error; the JSON schemas allow unknown fields;
//  3. rules tq relies on: probes, resources, security context, grace period vs SHUTDOWN_TIMEOUT_MS,
//     selectors and references that resolve, autoscaler targets, scrape annotations; worker pools whose
//     selectors never overlap, whose tq.dev/pool label is their WORKER_POOL, and whose KEDA queries see
//     only their own queues (backlog) and their own pool's workers (busy slots).
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

  const policies = inRender.filter((o) => o.kind === 'NetworkPolicy');
  const matchesSelector = (selector, labels = {}) =>
    Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
    (selector?.matchExpressions ?? []).every((e) =>
      e.operator === 'In'
        ? e.values.includes(labels[e.key])
        : e.operator === 'NotIn'
          ? !e.values.includes(labels[e.key])
          : e.operator === 'Exists'
            ? e.key in labels
            : !(e.key in labels),
    );

  // Worker pools: Deployments of the worker image, one per set of queues (worker-pool/, overlays/two-pools).
  const isWorker = (w) => w.spec.template.metadata?.labels?.['app.kubernetes.io/name'] === 'tq-worker';
  for (const a of workloads) {
    for (const b of workloads)
      report.expect(
        a === b || !selects(a.spec.selector.matchLabels, b),
        at(a),
        `its selector also selects the pods of ${at(b)} (give each worker pool its own tq.dev/pool label)`,
      );
    if (!isWorker(a) || render.unrendered) continue;
    const pool = envValue(a.spec.template.spec.containers[0], 'WORKER_POOL');
    report.expect(
      pool !== undefined && a.spec.template.metadata.labels['tq.dev/pool'] === pool,
      at(a),
      `pod label tq.dev/pool (${a.spec.template.metadata.labels['tq.dev/pool']}) must equal WORKER_POOL (${pool})`,
    );
  }

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
      const portVars = w.metadata.name === 'tq-api' ? ['PORT', 'METRICS_PORT'] : ['METRICS_PORT'];
      const declared = c.ports?.map((p) => String(p.containerPort)) ?? [];
      for (const portVar of portVars) {
        const port = envValue(c, portVar);
        if (port !== undefined)
          report.expect(
            declared.includes(port),
            where,
            `${portVar}=${port} is not a containerPort (${declared})`,
          );
      }
      // Where /metrics is served: METRICS_PORT when set (the API's is optional), else the API's PORT.
      const served = envValue(c, 'METRICS_PORT') ?? envValue(c, 'PORT');
      if (policies.length > 0 && !render.unrendered) {
        // With NetworkPolicies in the render, /metrics must be open to chosen peers only.
        const metricsPort = c.ports?.find((p) => String(p.containerPort) === served);
        const rules = policies
          .filter((np) => matchesSelector(np.spec.podSelector, w.spec.template.metadata.labels))
          .flatMap((np) => np.spec.ingress ?? []);
        const covering = rules.filter(
          (r) => !r.ports || r.ports.some((p) => p.port === metricsPort?.name || String(p.port) === served),
        );
        report.expect(
          covering.length > 0 && covering.every((r) => (r.from ?? []).length > 0),
          where,
          `/metrics (port ${served}) must be reachable only from listed peers (Prometheus) by a NetworkPolicy` +
            (w.metadata.name === 'tq-api' && envValue(c, 'METRICS_PORT') === undefined
              ? ': set METRICS_PORT so it is not the client port'
              : ''),
        );
      }
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
      if (isWorker(w) && !render.unrendered) {
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
      const target = named('Deployment', o.spec.scaleTargetRef.name);
      const container = target?.spec.template.spec.containers[0];
      const pool = container && !render.unrendered ? envValue(container, 'WORKER_POOL') : undefined;
      const queues = container && !render.unrendered ? envValue(container, 'QUEUES') : undefined;
      for (const trigger of o.spec.triggers.filter((t) => t.type === 'prometheus')) {
        const where = `${at(o)} trigger ${trigger.name}`;
        const query = trigger.metadata.query;
        checkMetricNames(report, where, query);
        queries.push({ where, expr: query });
        if (pool === undefined || queues === undefined) continue;
        // Each pool's autoscaler must see only its own work: slots of its pool, depth of its queues.
        for (const selector of matchersOf(query, /tq_worker_(busy_)?slots/))
          report.expect(
            selector.pool?.op === '=' && selector.pool.value === pool,
            where,
            `the slot metric must select pool="${pool}" (WORKER_POOL of ${target.metadata.name}), or it counts every pool's workers: ${query}`,
          );
        for (const selector of matchersOf(query, /tq_queue_depth/)) {
          const selected = queueSet(selector.queue);
          const wanted = [...new Set(queues.split(',').map((q) => q.trim()))].sort().join(',');
          report.expect(
            selected === wanted,
            where,
            `the backlog must select exactly the queues of ${target.metadata.name} (QUEUES=${queues}), not ${selected ?? 'every queue'}: ${query}`,
          );
        }
      }
    }
  }
}

/** The label matchers of every selector of a metric matching `metric` in a PromQL expression. */
function matchersOf(expr, metric) {
  const found = [];
  for (const m of expr.matchAll(/\b(tq_[a-z0-9_]+)(\{([^}]*)\})?/g)) {
    if (!metric.test(m[1])) continue;
    const matchers = {};
    for (const [, label, op, value] of (m[3] ?? '').matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"([^"]*)"/g))
      matchers[label] = { op, value };
    found.push(matchers);
  }
  return found;
}

/** The queues a `queue` matcher selects, sorted and comma-joined, when it is `=` or a plain `=~` list. */
function queueSet(matcher) {
  if (!matcher) return undefined;
  if (matcher.op === '=') return matcher.value;
  if (matcher.op !== '=~' || !/^[\w-]+(\|[\w-]+)*$/.test(matcher.value)) return undefined;
  return [...new Set(matcher.value.split('|'))].sort().join(',');
}

if (promqlOut) writePromqlAsRules(promqlOut, queries);
report.finish(`${objects.length} objects in ${renders.length} render(s)`);
