import { createRedis, type RedisClient } from '@tq/core';
import { metricSample } from '@tq/testing';
import { ACK_OPERATIONS, OTHER_TYPE } from './metrics';
import { FAILURE_REASONS } from './outcome';
import { createWorker } from './worker';

describe('worker metrics', () => {
  let redis: RedisClient;
  beforeAll(() => {
    redis = createRedis(process.env.REDIS_URL!);
  });
  afterAll(() => redis.quit());

  it('creates every counter series at 0 at start, for each configured queue and closed label value', async () => {
    // increase() and rate() see an increment only between two samples: a series that first appears
    // with a pod's first failure, dead letter or stale ack hides that event from every alert.
    const queues = ['mail', 'billing'];
    const handlers = { 'mail.send': () => Promise.resolve(), 'invoice.make': () => Promise.resolve() };
    const types = [...Object.keys(handlers), OTHER_TYPE];
    const worker = createWorker({ redis, queues, handlers }); // never started: the state at start
    const text = await worker.registry.metrics();
    await worker.stop(); // closes its subscriber connection
    const expected: [string, Record<string, string>][] = [];
    for (const queue of queues) {
      for (const name of [
        'tq_tasks_started_total',
        'tq_tasks_retried_total',
        'tq_tasks_released_total',
        'tq_lease_extensions_total',
      ])
        expected.push([name, { queue }]);
      for (const type of types) {
        expected.push(['tq_tasks_completed_total', { queue, type }]);
        for (const reason of FAILURE_REASONS)
          expected.push(['tq_tasks_failed_total', { queue, reason, type }]);
      }
      for (const reason of ['max_attempts', 'permanent', 'unknown_type', 'decode_error'])
        expected.push(['tq_tasks_dead_lettered_total', { queue, reason }]);
      for (const operation of ACK_OPERATIONS) expected.push(['tq_stale_acks_total', { queue, operation }]);
    }
    for (const [name, labels] of expected) {
      expect([name, labels, metricSample(text, name, labels)]).toEqual([name, labels, 0]);
    }
  });
});
