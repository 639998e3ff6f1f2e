import { createRedis, type RedisClient } from '@tq/core';
import { randomQueueName, type RedisServerOptions } from '@tq/testing';
import { getTask, submitTask } from './support/api-client';
import type { Service } from './support/service';
import { Stack, describeOneRedisServer } from './support/stack';

/** The API's REDIS_COMMAND_TIMEOUT_MS: short, so a request to a dead Redis answers 503 quickly. */
const COMMAND_TIMEOUT_MS = 500;
const REAPER_INTERVAL_MS = 200;

/** A way Redis stops taking writes, and how the test ends it. */
interface Fault {
  name: string;
  redis?: RedisServerOptions;
  apply(stack: Stack, admin: RedisClient): Promise<unknown>;
  lift(stack: Stack, admin: RedisClient): Promise<unknown>;
}

const FAULTS: Fault[] = [
  {
    name: 'killed',
    // With an AOF the queues written before the kill are still there after the restart.
    redis: { appendonly: true, appendfsync: 'always' },
    apply: (stack) => stack.redis.kill(),
    lift: (stack) => stack.redis.restart(),
  },
  {
    name: 'full (maxmemory with noeviction)',
    apply: (_stack, admin) =>
      admin.multi().config('SET', 'maxmemory-policy', 'noeviction').config('SET', 'maxmemory', '1').exec(),
    lift: (_stack, admin) => admin.config('SET', 'maxmemory', '0'),
  },
  {
    name: 'a read-only replica (REPLICAOF)',
    // A master on a port nobody listens on: the server turns replica and refuses writes, keeping its data.
    apply: (_stack, admin) => admin.replicaof('127.0.0.1', 1),
    lift: (_stack, admin) => admin.replicaof('NO', 'ONE'),
  },
];

/** POST `body` to `path`; the status, or a clear error when the API does not answer at all. */
async function post(stack: Stack, path: string, body: unknown): Promise<number> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).catch((error: unknown) => {
    throw new Error(`POST ${path} got no answer (has the API exited?): ${String(error)}\n${stack.tails()}`);
  });
  await response.body?.cancel();
  return response.status;
}

/** The value of an unlabelled metric of a service, or NaN. */
async function metric(service: Service, name: string): Promise<number> {
  const text = await (await fetch(service.metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

describeOneRedisServer('api, worker and reaper under Redis faults (real processes)', () => {
  let stack: Stack | undefined;
  let admin: RedisClient | undefined;
  afterEach(async () => {
    admin?.disconnect();
    await stack?.close();
    stack = admin = undefined;
  });

  it.each(FAULTS)(
    'stay alive, answer 503 or keep retrying, and recover when Redis is $name, for queues seen before, during and after the fault',
    async (fault) => {
      stack = await Stack.start(fault.redis);
      admin = createRedis(stack.redis.url, { commandTimeoutMs: 5000 });
      const seen = randomQueueName('seen'); // gets a task before the fault
      const during = randomQueueName('during'); // first named while Redis refuses writes
      const after = randomQueueName('after'); // first named once Redis is back
      const api = await stack.startApi({ REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS) });
      // A short idle poll, so the worker goes to Redis several times while the fault lasts. A short lease:
      // a claim that timed out while Redis was dead is still sent when it is back (ioredis keeps it
      // queued) and may lease a new task to nobody; the reaper gives it back after the lease.
      const worker = await stack.startWorker('worker', {
        QUEUES: [seen, during, after].join(','),
        IDLE_POLL_MS: '100',
        VISIBILITY_TIMEOUT_MS: '2000',
      });
      const reaper = await stack.startReaper({ REAPER_INTERVAL_MS: String(REAPER_INTERVAL_MS) });
      const services = [api, worker, reaper];
      const done = (id: string) =>
        stack!.until(
          undefined,
          async () => (await getTask(stack!.apiUrl, id)).status === 'done',
          `task ${id} done`,
          20_000,
        );
      await done((await submitTask(stack.apiUrl, { type: 'sleep', queue: seen })).id);

      await fault.apply(stack, admin);
      const passesBefore = await metric(reaper, 'tq_reaper_pass_duration_seconds_count');
      // Queues this API process has written to, and queues it has never seen: each answer is a 503.
      for (const queue of [seen, during, randomQueueName('never'), randomQueueName('never')]) {
        expect([queue, await post(stack, '/tasks', { type: 'sleep', queue })]).toEqual([queue, 503]);
      }
      const batch = [randomQueueName('never'), during].map((queue) => ({ type: 'sleep', queue }));
      expect(await post(stack, '/tasks/batch', { tasks: batch })).toBe(503);
      // The fault lasts until the reaper has finished two more passes (one wholly inside the fault),
      // meanwhile the worker polls every 100 ms; and the API has been asked again.
      await stack.until(
        reaper,
        async () => (await metric(reaper, 'tq_reaper_pass_duration_seconds_count')) >= passesBefore + 2,
        'two reaper passes during the fault',
        30_000,
      );
      expect(await post(stack, '/tasks', { type: 'sleep', queue: randomQueueName('never') })).toBe(503);
      expect(services.filter((s) => !s.running).map((s) => s.name)).toEqual([]);

      await fault.lift(stack, admin);
      const liftedAt = Date.now();
      // New submissions to every kind of queue are stored again, without restarting anything.
      const ids: string[] = [];
      for (const queue of [seen, during, after]) {
        const task = await stack.until(
          api,
          async () => {
            const response = await fetch(`${stack!.apiUrl}/tasks`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ type: 'sleep', queue }),
            });
            return response.status === 201 && ((await response.json()) as { id: string });
          },
          `POST /tasks to ${queue} answering 201 after the fault`,
          20_000,
        );
        ids.push(task.id);
      }
      for (const id of ids) await done(id);
      const listed = (await (await fetch(`${stack.apiUrl}/queues`)).json()) as { queues: { name: string }[] };
      expect(listed.queues.map((q) => q.name)).toEqual(expect.arrayContaining([seen, during, after]));
      await stack.until(
        reaper,
        async () => (await metric(reaper, 'tq_reaper_last_success_timestamp_seconds')) * 1000 > liftedAt,
        'a successful reaper pass after the fault',
        20_000,
      );

      for (const service of services) {
        expect([service.name, service.running, service.plainLines()]).toEqual([service.name, true, []]);
      }
    },
  );
});
