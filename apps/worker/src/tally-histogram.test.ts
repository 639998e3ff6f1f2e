import { Histogram, Registry } from 'prom-client';
import { TallyHistogram } from './tally-histogram';

const config = {
  name: 'tq_test_seconds',
  help: 'A test histogram.',
  labelNames: ['queue', 'outcome'] as const,
  buckets: [0.001, 0.01, 0.1, 1],
};

/** The same observations into prom-client's Histogram and a TallyHistogram, each in its own registry. */
function both(observations: [string, string, number][]) {
  const plain = new Registry();
  const tallied = new Registry();
  const reference = new Histogram({ ...config, labelNames: [...config.labelNames], registers: [plain] });
  const histogram = new TallyHistogram({
    ...config,
    labelNames: [...config.labelNames],
    registers: [tallied],
  });
  for (const [queue, outcome, value] of observations) {
    reference.labels(queue, outcome).observe(value);
    histogram.tally(queue, outcome).observe(value);
  }
  return { plain, tallied, histogram };
}

describe('TallyHistogram', () => {
  it("exposes the same text and JSON as prom-client's Histogram", async () => {
    const { plain, tallied } = both([
      ['mail', 'success', 0.0004],
      ['mail', 'success', 0.001], // on a bound: counted in it (le is inclusive)
      ['mail', 'success', 0.05],
      ['mail', 'error', 7], // above the last bound: only in +Inf
      ['billing', 'success', 0.2],
      ['billing', 'success', 0],
    ]);
    expect(await tallied.metrics()).toBe(await plain.metrics());
    expect(await tallied.getMetricsAsJSON()).toEqual(await plain.getMetricsAsJSON());
  });

  it('shows no series before its first observation, and none after a reset', async () => {
    const { plain, tallied, histogram } = both([]);
    histogram.tally('mail', 'success'); // resolved, not observed
    expect(await tallied.metrics()).toBe(await plain.metrics());
    histogram.tally('mail', 'success').observe(0.5);
    expect(await tallied.metrics()).toContain('tq_test_seconds_count{queue="mail",outcome="success"} 1');
    tallied.resetMetrics();
    expect(await tallied.metrics()).toBe(await plain.metrics());
  });

  it('refuses a value that is not a finite number and a wrong number of label values', () => {
    const { histogram } = both([]);
    expect(() => histogram.tally('mail', 'success').observe(NaN)).toThrow(TypeError);
    expect(() => histogram.tally('mail')).toThrow('takes 2 label values');
  });
});
