import { sumMetric } from './metrics';

const TEXT = `# HELP tq_stale_acks_total Refused acknowledgements.
# TYPE tq_stale_acks_total counter
tq_stale_acks_total{queue="q",operation="complete"} 3
tq_stale_acks_total{queue="q",operation="extend"} 2
tq_stale_acks_total_other 7
tq_redis_data_loss_total 1
`;

describe('sumMetric', () => {
  it('sums the samples of one metric, optionally filtered by labels', () => {
    expect(sumMetric(TEXT, 'tq_stale_acks_total')).toBe(5);
    expect(sumMetric(TEXT, 'tq_stale_acks_total', { operation: 'extend' })).toBe(2);
    expect(sumMetric(TEXT, 'tq_redis_data_loss_total')).toBe(1);
    expect(sumMetric(TEXT, 'tq_absent_total')).toBe(0);
  });
});
