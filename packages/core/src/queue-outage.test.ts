import { randomQueueName, startRedisServer, waitFor } from '@tq/testing';
import { createRedis } from './connection';
import { newTaskId } from './ids';
import { queueKeys } from './keys';
import { Queue } from './queue';
import type { RedisClient } from './scripts';

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

/**
 * A claim whose caller saw "Command timed out" must lease nothing when it reaches Redis later: ioredis keeps
 * a timed-out command (offline queue, resend after a reconnect, or bytes already on a stalled socket) and
 * sends it anyway. Without the claim deadline those tasks sat leased to nobody until the lease expired.
 */
describe('a claim the caller gave up on', () => {
  // Short, yet long enough for the set-up's commands on a loaded machine.
  const TIMEOUT_MS = 1000;
  // Long enough that a task leased by an abandoned claim is still `running` when the test looks.
  const LEASE_MS = 600_000;

  async function setUp(appendonly: boolean) {
    const server = await startRedisServer(appendonly ? { appendonly: true, appendfsync: 'always' } : {});
    const redis = createRedis(server.url, { commandTimeoutMs: TIMEOUT_MS });
    redis.on('error', () => {}); // the connection errors are the point here
    const queue = new Queue(redis, randomQueueName());
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(newTaskId(queue.name));
    await queue.enqueue(ids.map((id) => ({ id, type: 't', payload: '1', maxAttempts: 5 })));
    // One claim answered first, as a worker's would be, so the queue knows Redis's clock.
    await queue.claim(0, LEASE_MS);
    return { server, redis, queue, ids };
  }

  async function expectAllClaimable(queue: Queue, redis: RedisClient, ids: string[]): Promise<void> {
    // Commands keep their order on the connection: once PING answers, every resent command has run.
    await waitFor(async () => (await redis.ping().catch(() => '')) === 'PONG', { timeoutMs: 30_000 });
    const stats = await queue.stats();
    expect({ running: stats.counts.running, pending: stats.counts.pending }).toEqual({
      running: 0,
      pending: 3,
    });
    const claim = await queue.claim(3, LEASE_MS);
    expect(claim.tasks.map((t) => t.id).sort()).toEqual([...ids].sort());
    // No attempt was spent by the abandoned calls.
    expect(claim.tasks.map((t) => t.attempt)).toEqual([1, 1, 1]);
  }

  it('while Redis is down: the resent claim and complete_and_claim lease nothing after the restart', async () => {
    const { server, redis, queue, ids } = await setUp(true);
    try {
      await server.kill();
      await expect(queue.claim(1, LEASE_MS)).rejects.toThrow('Command timed out');
      await expect(queue.completeAndClaim([], 2, LEASE_MS)).rejects.toThrow('Command timed out');
      await server.restart();
      await expectAllClaimable(queue, redis, ids);
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });

  it('on a stalled server: claims delivered after the caller gave up lease nothing', async () => {
    const { server, redis, queue, ids } = await setUp(false);
    try {
      process.kill(server.pid, 'SIGSTOP');
      try {
        await expect(queue.claim(1, LEASE_MS)).rejects.toThrow('Command timed out');
        await expect(queue.completeAndClaim([], 2, LEASE_MS)).rejects.toThrow('Command timed out');
      } finally {
        process.kill(server.pid, 'SIGCONT');
      }
      await expectAllClaimable(queue, redis, ids);
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });
});

describe('an extend the caller gave up on', () => {
  it('does not move the lease when a stalled server runs it later', async () => {
    const server = await startRedisServer();
    const redis = createRedis(server.url, { commandTimeoutMs: 1000 });
    redis.on('error', () => {}); // the connection errors are the point here
    const queue = new Queue(redis, randomQueueName());
    try {
      const id = newTaskId(queue.name);
      await queue.enqueue([{ id, type: 't', payload: '1', maxAttempts: 5 }]);
      const [task] = (await queue.claim(1, 600_000)).tasks;
      const running = queueKeys(queue.name).running;
      const localId = id.slice(queue.name.length + 1);
      const leaseDeadline = await redis.zscore(running, localId);
      process.kill(server.pid, 'SIGSTOP');
      try {
        await expect(queue.extend([task!], 600_000)).rejects.toThrow('Command timed out');
      } finally {
        process.kill(server.pid, 'SIGCONT');
      }
      await waitFor(async () => (await redis.ping().catch(() => '')) === 'PONG', { timeoutMs: 30_000 });
      // The worker's lease timer was not moved, so neither may the lease be (it would outlive the worker's
      // abort by the delay): the late extend left it where the claim put it.
      expect(await redis.zscore(running, localId)).toBe(leaseDeadline);
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });
});
