import { metricSample } from './metric-sample';

const text = [
  '# HELP tq_x_total x',
  '# TYPE tq_x_total counter',
  'tq_x_total{queue="a",reason="error"} 0',
  'tq_x_total{queue="a",reason="timeout"} 3',
  'tq_up 1',
].join('\n');

describe('metricSample', () => {
  it('reads a series by its full label set, in any order', () => {
    expect(metricSample(text, 'tq_x_total', { reason: 'timeout', queue: 'a' })).toBe(3);
    expect(metricSample(text, 'tq_x_total', { queue: 'a', reason: 'error' })).toBe(0);
    expect(metricSample(text, 'tq_up')).toBe(1);
  });

  it('says undefined for an absent series or a partial label set', () => {
    expect(metricSample(text, 'tq_x_total', { queue: 'b', reason: 'error' })).toBeUndefined();
    expect(metricSample(text, 'tq_x_total', { queue: 'a' })).toBeUndefined();
  });
});
