import { createRedis, type RedisClient } from '@tq/core';
import { randomQueueName, startRedisServer, waitFor, type RedisServer } from '@tq/testing';
import { call, startTestApi, type TestApi } from './test-support/test-api';

const TIMEOUT_MS = 500;
/**
 * How much later than REDIS_COMMAND_TIMEOUT_MS a 503 may come: timers, the event loop and HTTP, on a
 * loaded 2-core machine (docs/testing.md). What these bounds catch is an answer that waits for Redis
 * instead: forever (down), or until a CLIENT PAUSE of 10 s ends (hanging), both far above 3 s.
 */
const SLACK_MS = 2500;

let redisServer: RedisServer;
let api: TestApi;
/** A separate connection to inspect and configure the Redis (the API's own may be waiting). */
let admin: RedisClient;

beforeEach(async () => {
  redisServer = await startRedisServer();
  api = await startTestApi({ REDIS_URL: redisServer.url, REDIS_COMMAND_TIMEOUT_MS: String(TIMEOUT_MS) });
  admin = createRedis(redisServer.url, { commandTimeoutMs: 5000 });
});
afterEach(async () => {
  await api.close();
  admin.disconnect();
  await redisServer.stop();
});

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const result = await fn();
  return [result, Date.now() - started];
}

async function metric(name: string): Promise<number> {
  const text = (await call(api, 'GET', '/metrics')).body as string;
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return Number(line?.split(' ')[1]);
}

describe('when Redis goes away', () => {
  it('answers 503 within REDIS_COMMAND_TIMEOUT_MS, /readyz 503, and recovers when Redis is back, without an API restart', async () => {
    const queue = randomQueueName();
    const body = { type: 'email', payload: 'hi', queue };
    expect((await call(api, 'POST', '/tasks', { body })).status).toBe(201);
    expect((await call(api, 'GET', '/readyz')).status).toBe(200);
    const known = (await call(api, 'POST', '/tasks', { body })).body.id as string;

    await redisServer.kill();

    const [submit, submitMs] = await timed(() => call(api, 'POST', '/tasks', { body }));
    expect(submit.status).toBe(503);
    expect(submit.headers.get('retry-after')).toBe('1');
    expect(submit.body).toMatchObject({
      type: 'urn:tq:problem:unavailable',
      detail: expect.stringContaining(`within ${TIMEOUT_MS} ms`),
    });
    expect(submitMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    process.stderr.write(
      `redis down: POST /tasks 503 after ${submitMs} ms (REDIS_COMMAND_TIMEOUT_MS ${TIMEOUT_MS})\n`,
    );

    const [ready, readyMs] = await timed(() => call(api, 'GET', '/readyz'));
    expect(ready.status).toBe(503);
    expect(ready.body.type).toBe('urn:tq:problem:unavailable');
    expect(readyMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    for (const path of [`/tasks/${known}`, `/queues/${queue}`, '/queues', `/queues/${queue}/dead`]) {
      const [res, ms] = await timed(() => call(api, 'GET', path));
      expect([path, res.status, ms < TIMEOUT_MS + SLACK_MS]).toEqual([path, 503, true]);
    }
    const [batch, batchMs] = await timed(() =>
      call(api, 'POST', '/tasks/batch', { body: { tasks: [body, body] } }),
    );
    expect([batch.status, batchMs < TIMEOUT_MS + SLACK_MS]).toEqual([503, true]);
    // Liveness does not depend on Redis.
    expect((await call(api, 'GET', '/healthz')).status).toBe(200);
    expect(await metric('tq_redis_up')).toBe(0);
    expect(await metric('tq_tasks_rejected_total{reason="unavailable"}')).toBe(2);

    await redisServer.restart();

    const recovered = await waitFor(
      async () => {
        const res = await call(api, 'POST', '/tasks', { body });
        return res.status === 201 ? res : null;
      },
      { timeoutMs: 10_000, message: 'POST /tasks answering 201 after the Redis restart' },
    );
    expect((await call(api, 'GET', `/tasks/${recovered.body.id}`)).status).toBe(200);
    expect((await call(api, 'GET', '/readyz')).status).toBe(200);
    expect(await metric('tq_redis_up')).toBe(1);
  });

  it('answers 503 at once when Redis is out of memory, and writes nothing', async () => {
    const queue = randomQueueName();
    expect((await call(api, 'POST', '/tasks', { body: { type: 'email', queue } })).status).toBe(201);
    const before = await admin.dbsize();
    await admin.config('SET', 'maxmemory', '1');
    try {
      const [res, ms] = await timed(() => call(api, 'POST', '/tasks', { body: { type: 'email', queue } }));
      expect(res.status).toBe(503);
      expect(res.body.type).toBe('urn:tq:problem:unavailable');
      expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
      expect(await admin.dbsize()).toBe(before);
      expect(api.logs).toContainEqual(
        expect.objectContaining({
          msg: 'redis unavailable',
          // Redis's own refusal, answered at once: not the command timeout.
          error: expect.objectContaining({ message: expect.stringMatching(/OOM/) }),
        }),
      );
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    expect((await call(api, 'POST', '/tasks', { body: { type: 'email', queue } })).status).toBe(201);
  });

  it('answers 503 when Redis is a read-only replica (a failover in progress), and writes nothing', async () => {
    const queue = randomQueueName();
    expect((await call(api, 'POST', '/tasks', { body: { type: 'email', queue } })).status).toBe(201);
    const before = await admin.dbsize();
    // A master on a port nobody listens on: the server turns replica and refuses writes.
    await admin.replicaof('127.0.0.1', 1);
    try {
      const res = await call(api, 'POST', '/tasks', { body: { type: 'email', queue } });
      expect(res.status).toBe(503);
      expect(await admin.dbsize()).toBe(before);
    } finally {
      await admin.replicaof('NO', 'ONE');
    }
    expect((await call(api, 'POST', '/tasks', { body: { type: 'email', queue } })).status).toBe(201);
  });

  it('answers 503 within the bound when Redis hangs, and a retry with the same Idempotency-Key stores the task once', async () => {
    const queue = randomQueueName();
    const body = { type: 'email', queue };
    const key = `retry-${queue}`;
    const headers = { 'Idempotency-Key': key };
    // The first task goes where the key does (a partitionKey equal to the key routes the same: ADR 0040), so
    // the keyed task's partition is registered before the pause. A partition's first write is two calls
    // (the script answers 'unregistered' without writing, then the registration and the script again): a
    // first attempt paused there is not stored at all, and its retry is a new write (201), not a replay.
    const seeded = await call(api, 'POST', '/tasks', { body: { type: 'email', queue, partitionKey: key } });
    expect(seeded.status).toBe(201);
    await admin.call('CLIENT', 'PAUSE', '10000', 'WRITE');
    const [first, ms] = await timed(() => call(api, 'POST', '/tasks', { body, headers })).finally(() =>
      admin.call('CLIENT', 'UNPAUSE'),
    );
    expect(ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expect(first.status).toBe(503);
    // The timed-out script was already sent; Redis ran it once unpaused: a 503 is "outcome unknown",
    // and the retry with the same key is a replay of that write, not a second task.
    const retry = await call(api, 'POST', '/tasks', { body, headers });
    expect(retry.status).toBe(200);
    expect((await call(api, 'POST', '/tasks', { body, headers })).body.id).toBe(retry.body.id);
    expect((await call(api, 'GET', `/queues/${queue}`)).body.counts.pending).toBe(2);
  });
});
