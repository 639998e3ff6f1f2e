import type { Metric } from './context';
import { judgeTargets, renderMarkdown, type Results } from './report';

const metric = (id: string, values: Metric['values'], better: Metric['better'] = 'higher'): Metric => ({
  id,
  scenario: 's',
  label: id,
  unit: better === 'higher' ? 'tasks/s' : 'ms',
  better,
  values,
});

describe('judgeTargets', () => {
  const metrics = [
    metric('process.1x10', { tq: [30_000], bullmq: [9_000], bee: [20_000] }),
    metric('process.1x100', { tq: [40_000, 38_000, 39_000], bullmq: [12_000], bee: [30_000] }),
    metric('latency.p99', { tq: [6], bee: [4] }, 'lower'),
  ];
  const targets = judgeTargets(metrics);

  it('compares the best concurrency of each system, on medians', () => {
    const vsBull = targets.find((t) => t.target.includes('3× BullMQ'))!;
    expect(vsBull.tq).toBe(39_000);
    expect(vsBull.peer).toBe(12_000);
    expect(vsBull.met).toBe(true);
    expect(targets.find((t) => t.target.includes('1.5× bee-queue'))!.met).toBe(false); // 39000 / 30000 = 1.3
  });

  it('judges lower-is-better targets', () => {
    expect(targets.find((t) => t.target.includes('≤ 5 ms'))!.met).toBe(false);
    expect(targets.find((t) => t.target.includes('≤ bee-queue p99'))!.met).toBe(false);
  });

  it('leaves a target unjudged when a side was not measured', () => {
    expect(targets.find((t) => t.target.includes('idle worker'))!.met).toBeNull();
  });

  it('renders the tables', () => {
    const results: Results = {
      meta: { date: 'd', profile: 'quick', repeat: 1 },
      metrics,
      details: {},
      failures: [],
      targets,
    };
    const md = renderMarkdown(results);
    expect(md).toContain('## Results');
    expect(md).toContain('| s | process.1x100 | tasks/s ↑ | 39,000 | 12,000 | 30,000 | 3.25× | 1.30× | – |');
  });
});
