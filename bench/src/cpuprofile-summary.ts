import { readFileSync } from 'node:fs';

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Which part of the code a frame belongs to: a workspace package, an npm package, Node, or V8. */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const ws = /\/(packages|apps)\/([^/]+)\//.exec(url);
  if (ws && !url.includes('node_modules/.pnpm')) return `${ws[1]}/${ws[2]}`;
  if (url.includes('/bench/')) return 'bench';
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  return pkg ? pkg[1]! : url;
}

/** Self time by area and the top functions by self time, as markdown. Idle time is left out of the shares. */
export function summarizeCpuProfile(path: string, top = 25): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + dt);
  }
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} — ${area}${url ? `:${lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1)}%`;
  const lines = [
    `busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`,
    '',
    '| area (self time) | share of busy |',
    '| --- | ---: |',
    ...[...areas]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([a, us]) => `| ${a} | ${pct(us)} |`),
    '',
    '| function (self time) | share of busy |',
    '| --- | ---: |',
    ...[...fns]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([f, us]) => `| ${f.replace(/\|/g, '\\|')} | ${pct(us)} |`),
  ];
  return lines.join('\n');
}
