import { randomQueueName } from '@tq/testing';
import { closeRedis } from './connection';
import { PartitionedQueue } from './partitions';
import { QueueDirectory } from './queue-directory';
import type { RedisClient } from './scripts';
import { connect } from './test-support/fixtures';

let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => closeRedis(redis));

describe('QueueDirectory', () => {
  it('opens an unpartitioned queue as one partition, and a partitioned one with its layout', async () => {
    const directory = new QueueDirectory(redis);
    const plain = await directory.open(randomQueueName('dir'));
    expect(plain.count).toBe(1);
    const name = randomQueueName('dir');
    await PartitionedQueue.create(redis, name, 3);
    expect((await directory.open(name)).count).toBe(3);
  });

  it('keeps one queue object per name while the layout is fresh, and reads the layout again after the TTL', async () => {
    let now = 0;
    const directory = new QueueDirectory(redis, undefined, { layoutTtlMs: 1000, now: () => now });
    const name = randomQueueName('dir');
    const first = await directory.open(name);
    expect(first.count).toBe(1);
    await PartitionedQueue.create(redis, name, 2);
    expect(await directory.open(name)).toBe(first); // within the TTL: the layout read before
    now += 999;
    expect(await directory.open(name)).toBe(first);
    now += 1;
    const second = await directory.open(name);
    expect(second.count).toBe(2);
    now += 1000;
    expect(await directory.open(name)).toBe(second); // read again, same layout: same object (its cursor kept)
  });

  it('refuses a name that is not a queue name, and forgets a layout on request', async () => {
    const directory = new QueueDirectory(redis);
    expect(() => directory.open('bad name')).toThrow(/queue name/i);
    const name = randomQueueName('dir');
    const first = await directory.open(name);
    await PartitionedQueue.create(redis, name, 2);
    directory.forget(name);
    expect((await directory.open(name)).count).toBe(2);
    expect(first.count).toBe(1);
  });
});
