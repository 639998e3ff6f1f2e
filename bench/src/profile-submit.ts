/**
 * `pnpm --filter @tq/bench profile:submit`: where the Node CPU of one `TaskService.submit` goes (validation,
 * id generation, fingerprinting, script arguments, ioredis). A private redis-server; 2,000 submits to warm
 * up, then N submits (default 20,000) with 100 in flight under the V8 CPU profiler (node:inspector, in this
 * process). Prints process CPU per submit, Redis CPU per task (INFO cpu), the share of the run each of them
 * was busy, self time by area, and inclusive time of the functions on the path; writes the .cpuprofile under
 * results/tmp/profile-submit/ (open it in Chrome DevTools). `--batch B`: `submitBatch` calls of B tasks one
 * after another instead (scenario 1's bulk producer); `--no-profile`: CPU figures only, without the
 * profiler's overhead.
 *
 *   node dist/profile-submit.js [--tasks N] [--batch B] [--no-profile]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from '@tq/testing';
import { Redis } from 'ioredis';
import { areaOf, summarizeCpuProfile, type CpuProfile } from './cpuprofile-summary';
import { redisCpuSeconds } from './probe';
import { createProducer, type Producer } from './producers';

const IN_FLIGHT = 100;

function post<T>(session: Session, method: string): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, (error, result) => (error ? reject(error) : resolve(result as T))),
  );
}

async function submitMany(producer: Producer, n: number, batch: number): Promise<void> {
  if (batch > 0) {
    const tasks = Array.from({ length: batch }, () => 'hello world');
    for (let sent = 0; sent < n; sent += batch) await producer.addBulk(tasks);
    return;
  }
  let next = 0;
  const lane = async () => {
    while (next < n) {
      next++;
      await producer.addOne('hello world');
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

/**
 * Inclusive time (self + callees, each stack counted once per function) of the functions in the workspace
 * packages and in the libraries they call, as a share of busy time and µs per submit.
 */
export function inclusiveTable(profile: CpuProfile, n: number, top = 30): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const inclusive = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    let id: number | undefined = profile.samples[i];
    const leaf = byId.get(id ?? -1);
    if (!leaf || leaf.callFrame.functionName === '(idle)') continue;
    busy += dt;
    const seen = new Set<string>();
    for (; id !== undefined; id = parent.get(id)) {
      const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
      if (!url || url.startsWith('node:')) continue;
      const key = `${functionName || '(anonymous)'} — ${areaOf(url, functionName)}:${lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  }
  return [
    '| function (inclusive time) | share of busy | µs per task (profiler wall time) |',
    '| --- | ---: | ---: |',
    ...[...inclusive]
      .filter(([key]) => !key.includes(' — bench'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([f, us]) =>
          `| ${f.replace(/\|/g, '\\|')} | ${((100 * us) / busy).toFixed(1)}% | ${(us / n).toFixed(2)} |`,
      ),
  ].join('\n');
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!(Number.isInteger(value) && value >= 0)) throw new Error(`${name} takes a whole number`);
  return value;
}

async function main(): Promise<void> {
  const n = option('--tasks', 20_000);
  const batch = option('--batch', 0);
  const profiled = !process.argv.includes('--no-profile');
  if (n === 0) throw new Error('--tasks takes a positive whole number');
  const dir = join(__dirname, '..', 'results', 'tmp', 'profile-submit');
  mkdirSync(dir, { recursive: true });
  const server = await startRedisServer();
  const redis = new Redis(server.url);
  const producer = await createProducer('tq', server.url, 'bench-submit');
  const session = new Session();
  const what =
    batch > 0
      ? `TaskService.submitBatch, ${n} tasks in calls of ${batch} one after another`
      : `TaskService.submit, ${n} submits, ${IN_FLIGHT} in flight`;
  try {
    await submitMany(producer, 2000, batch);
    await redis.flushall();
    if (profiled) {
      session.connect();
      await post(session, 'Profiler.enable');
      await post(session, 'Profiler.start');
    }
    const redis0 = await redisCpuSeconds(redis);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await submitMany(producer, n, batch);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const redisCpu = (await redisCpuSeconds(redis)) - redis0;
    const producerUs = (cpu.user + cpu.system) / n;
    console.log(
      `# ${what}${profiled ? ' (profiler on)' : ''}\n\n` +
        `${Math.round(n / seconds)} tasks/s (load average ${loadavg()[0]!.toFixed(1)}); ` +
        `process CPU ${producerUs.toFixed(2)} µs per task (user ${(cpu.user / n).toFixed(2)}, ` +
        `system ${(cpu.system / n).toFixed(2)}); Redis CPU ${((redisCpu * 1e6) / n).toFixed(2)} µs per task; ` +
        `busy share of the run: producer ${((producerUs * n) / 1e4 / seconds).toFixed(0)}%, ` +
        `Redis ${((100 * redisCpu) / seconds).toFixed(0)}%\n`,
    );
    if (!profiled) return;
    const { profile } = await post<{ profile: CpuProfile }>(session, 'Profiler.stop');
    const path = join(dir, batch > 0 ? 'submit-batch.cpuprofile' : 'submit.cpuprofile');
    writeFileSync(path, JSON.stringify(profile));
    console.log(`profile: ${path}\n`);
    console.log(inclusiveTable(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, n));
    console.log(`\n${summarizeCpuProfile(path, 20)}`);
  } finally {
    if (profiled) session.disconnect();
    await producer.close();
    await redis.quit();
    await server.stop();
  }
}

if (require.main === module)
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
