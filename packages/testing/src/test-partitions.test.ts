import { onTestCluster, testPartitions } from './test-partitions';

describe('testPartitions', () => {
  it('is 1 unless TQ_TEST_PARTITIONS says otherwise, and refuses a count out of 1..256', () => {
    expect(testPartitions({})).toBe(1);
    expect(testPartitions({ TQ_TEST_PARTITIONS: ' ' })).toBe(1);
    expect(testPartitions({ TQ_TEST_PARTITIONS: '3' })).toBe(3);
    for (const bad of ['0', '257', '1.5', 'three'])
      expect(() => testPartitions({ TQ_TEST_PARTITIONS: bad })).toThrow(/TQ_TEST_PARTITIONS/);
  });

  it('says a suite is on the cluster only with TQ_TEST_CLUSTER=1', () => {
    expect(onTestCluster({ TQ_TEST_CLUSTER: '1' })).toBe(true);
    expect(onTestCluster({ TQ_TEST_CLUSTER: '0' })).toBe(false);
    expect(onTestCluster({})).toBe(false);
  });
});
