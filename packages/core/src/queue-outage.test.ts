import { randomQueueName, startRedisServer } from '@tq/testing';
import { createRedis } from './connection';
import { newTaskId } from './ids';
import { Queue } from './queue';

describe('Queue while Redis does not answer', () => {
  it('enqueue rejects once, leaving no rejection unhandled (one would end the process)', async () => {
    const server = await startRedisServer();
    const redis = createRedis(server.url, { commandTimeoutMs: 200 });
    redis.on('error', () => {}); // the connection errors are the point here
    const name = randomQueueName();
    const queue = new Queue(redis, name);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await server.kill();
      const task = { id: newTaskId(name), type: 't', payload: '1', maxAttempts: 1 };
      await expect(queue.enqueue([task])).rejects.toThrow('Command timed out');
      // The queue registration was sent first with the same timeout, so it has failed too by now;
      // one turn of the event loop lets Node report it if nothing handled it.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      redis.disconnect();
      await server.stop();
    }
  });
});
