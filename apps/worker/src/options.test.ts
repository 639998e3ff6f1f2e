import { createRedis, type RedisClient } from '@tq/core';
import type { Handler } from './types';
import { createWorker } from './worker';
import type { WorkerOptions } from './worker-options';

describe('createWorker refuses options it cannot run with', () => {
  let redis: RedisClient;
  beforeAll(() => {
    redis = createRedis(process.env.REDIS_URL!);
  });
  afterAll(() => redis.quit());
  const h: Handler = () => Promise.resolve('ok');

  it.each([
    ['concurrency', { concurrency: 0 }],
    ['concurrency', { concurrency: -1 }],
    ['concurrency', { concurrency: Number.NaN }],
    ['concurrency', { concurrency: 1.5 }],
    ['claimBatch', { claimBatch: 0 }],
    ['visibilityTimeoutMs', { visibilityTimeoutMs: 0 }],
    ['taskTimeoutMs', { taskTimeoutMs: -1 }],
  ])('%s: %j', (name, bad) => {
    expect(() => createWorker({ redis, subscriber: redis, handlers: { h }, ...bad })).toThrow(name);
  });

  it('names a handler that is not a function, and a missing handlers object', () => {
    const handlers = { h, broken: 'nope' } as unknown as WorkerOptions['handlers'];
    expect(() => createWorker({ redis, subscriber: redis, handlers })).toThrow(
      'the handler for type "broken" is a string, not a function',
    );
    expect(() => createWorker({ redis, subscriber: redis } as WorkerOptions)).toThrow(
      'handlers must be an object',
    );
  });

  it('names an option it does not know (a misspelling from JavaScript) and a type no task can have', () => {
    const misspelt = { redis, subscriber: redis, handlers: { h }, concurency: 50 } as WorkerOptions;
    expect(() => createWorker(misspelt)).toThrow(
      'unknown option "concurency"; the options are redis, queues',
    );
    expect(() => createWorker({ redis, subscriber: redis, handlers: { 'send email': h } })).toThrow(
      '"send email" can never be a task type',
    );
  });

  it('takes valid options and the defaults', () => {
    expect(createWorker({ redis, subscriber: redis, handlers: { h } }).status().slots).toBe(10);
    expect(
      createWorker({ redis, subscriber: redis, handlers: { h }, concurrency: 1, claimBatch: 1 }).status()
        .slots,
    ).toBe(1);
  });
});
