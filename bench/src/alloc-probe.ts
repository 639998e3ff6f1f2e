/**
 * Preloaded (`node -r`) into a worker by `drain-cost`: the first SIGUSR2 starts measuring, the second stops
 * and writes to ALLOC_PROBE_OUT the bytes the process allocated meanwhile (V8's sampling heap profiler with
 * the objects minor and major GCs collected kept, so it counts garbage too), the top allocating functions,
 * and the process's CPU time.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

const out = process.env.ALLOC_PROBE_OUT ?? 'alloc-probe.json';
/** ALLOC_PROBE_SAMPLE=0: CPU time only (the sampling profiler costs CPU of its own). */
const sample = process.env.ALLOC_PROBE_SAMPLE !== '0';
const session = new Session();
session.connect();
let startedCpu: NodeJS.CpuUsage | undefined;

function post(method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

async function toggle(): Promise<void> {
  if (!startedCpu) {
    if (sample)
      await post('HeapProfiler.startSampling', {
        samplingInterval: 1024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: process.env.ALLOC_PROBE_SAMPLE !== 'promoted',
      });
    startedCpu = process.cpuUsage();
    return;
  }
  const cpu = process.cpuUsage(startedCpu);
  if (!sample) {
    writeFileSync(out, JSON.stringify({ bytes: NaN, cpuUs: cpu.user + cpu.system, top: [] }));
    return;
  }
  const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: { head: SamplingNode } };
  const bySite = new Map<string, number>();
  let total = 0;
  const name = (node: SamplingNode): string => {
    const { functionName, url, lineNumber } = node.callFrame;
    return `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|apps|packages)\//, '$1/')}:${lineNumber + 1}`;
  };
  const walk = (node: SamplingNode, parent = ''): void => {
    total += node.selfSize;
    // A builtin (no url) is named with its caller: Array push of which function.
    const site = node.callFrame.url ? name(node) : `${name(node)} < ${parent}`;
    if (node.selfSize > 0) bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child, name(node));
  };
  walk(profile.head);
  const top = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 40);
  writeFileSync(out, JSON.stringify({ bytes: total, cpuUs: cpu.user + cpu.system, top }, null, 1));
}

process.on('SIGUSR2', () => {
  toggle().catch((error: unknown) => process.stderr.write(`alloc probe: ${String(error)}\n`));
});
