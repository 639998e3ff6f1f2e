import { PartitionedQueue, type Clock, type RedisClient } from '@tq/core';
import { testPartitions } from '@tq/testing';

/**
 * Queue `name` for a reaper test (ADR 0040): created with TQ_TEST_PARTITIONS partitions when new (1 by
 * default), so `pnpm test:cluster:all` runs the reaper suite on partitioned queues spread over the masters.
 * `partitions` pins a test about one partition's own behaviour.
 */
export function testQueue(
  redis: RedisClient,
  name: string,
  clock?: Clock,
  partitions = testPartitions(),
): Promise<PartitionedQueue> {
  return PartitionedQueue.create(redis, name, partitions, clock);
}
