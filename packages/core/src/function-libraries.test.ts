import { onTestCluster, randomQueueName, startRedisCluster, startRedisServer } from '@tq/testing';
import { createRedis, redisMasters } from './connection';
import { pruneFunctionLibraries } from './function-libraries';
import { FUNCTION_KEYS } from './keys';
import { Queue } from './queue';
import { scriptFunctions, type RedisClient } from './scripts';
import { newTask } from './test-support/fixtures';

/**
 * Other tq versions' script libraries (ADR 0065). A private server (or, with TQ_TEST_CLUSTER=1, a private
 * Cluster): the suite's other files flush the shared server's functions.
 */
let stop: () => Promise<void>;
let redis: RedisClient;
beforeAll(async () => {
  if (onTestCluster()) {
    const cluster = await startRedisCluster();
    stop = () => cluster.stop();
    redis = createRedis(cluster.url);
  } else {
    const server = await startRedisServer();
    stop = () => server.stop();
    redis = createRedis(server.url);
  }
});
afterAll(async () => {
  redis.disconnect();
  await stop();
});
beforeEach(async () => {
  await Promise.all(masters().map((node) => node.function('FLUSH')));
  await Promise.all([redis.del(FUNCTION_KEYS.loads), redis.del(FUNCTION_KEYS.pruning)]);
});

const masters = (): RedisClient[] => redisMasters(redis);

/** A library as another version of tq would have loaded it, on every master. */
async function loadOld(name: string): Promise<void> {
  const code = `#!lua name=${name}\nredis.register_function('${name}', function() return 1 end)`;
  await Promise.all(masters().map((node) => node.function('LOAD', code)));
}

/** The libraries each master holds, sorted. */
async function held(): Promise<string[][]> {
  return Promise.all(
    masters().map(async (node) => {
      const listed = (await node.function('LIST')) as unknown[][];
      return listed.map((entry) => String(entry[1])).sort();
    }),
  );
}

const OLD = 'tq_claim_0123456789abcdef';
const DAY = 86_400_000;

describe('pruneFunctionLibraries', () => {
  it('records every load, keeps this version, and deletes another only after no load for unusedForMs', async () => {
    const queue = new Queue(redis, randomQueueName('fn'));
    const before = Date.now();
    await queue.enqueue([newTask(queue)]); // loads this version's enqueue library
    const own = [...scriptFunctions().entries()].find(([, s]) => s.name === 'enqueue')![0];
    const recorded = Number(await redis.hget(FUNCTION_KEYS.loads, own));
    expect(recorded).toBeGreaterThanOrEqual(before);
    expect(recorded).toBeLessThanOrEqual(Date.now());

    await loadOld(OLD);
    const t = Date.now();
    // Never recorded (a version before the record loaded it): seen now, kept.
    expect(await pruneFunctionLibraries(redis, DAY, t)).toEqual({ deleted: [], kept: 1, ran: true });
    expect(await redis.hget(FUNCTION_KEYS.loads, OLD)).toBe(String(t));
    expect(await pruneFunctionLibraries(redis, DAY, t + DAY - 1)).toEqual({
      deleted: [],
      kept: 1,
      ran: true,
    });
    // This version's library is never deleted, whatever its record says.
    await redis.hset(FUNCTION_KEYS.loads, own, '0');
    expect(await pruneFunctionLibraries(redis, DAY, t + DAY)).toEqual({ deleted: [OLD], kept: 0, ran: true });
    for (const names of await held()) expect(names).not.toContain(OLD);
    expect(await redis.hexists(FUNCTION_KEYS.loads, OLD)).toBe(0);
    expect((await held()).flat()).toContain(own);
    // The queue goes on as before.
    expect((await queue.enqueue([newTask(queue)])).map((o) => o.status)).toEqual(['created']);
    expect(await redis.get(FUNCTION_KEYS.pruning)).toBeNull();
  });

  it('keeps a library a process loaded lately, and libraries that are not tq scripts', async () => {
    await loadOld(OLD);
    await loadOld('tq_helpers');
    await loadOld('mylib_0123456789abcdef');
    const t = Date.now();
    await redis.hset(FUNCTION_KEYS.loads, OLD, String(t - DAY + 1000)); // an old worker reloaded it
    expect(await pruneFunctionLibraries(redis, DAY, t)).toEqual({ deleted: [], kept: 1, ran: true });
    for (const names of await held())
      expect(names).toEqual(['mylib_0123456789abcdef', OLD, 'tq_helpers'].sort());
  });

  it('drops the records of libraries no master holds any more', async () => {
    await redis.hset(FUNCTION_KEYS.loads, OLD, '1', 'tq_enqueue_fedcba9876543210', String(Date.now()));
    await pruneFunctionLibraries(redis, DAY);
    expect(await redis.hgetall(FUNCTION_KEYS.loads)).toEqual({});
  });

  it('does nothing while another reaper prunes (the lock)', async () => {
    await loadOld(OLD);
    await redis.hset(FUNCTION_KEYS.loads, OLD, '0');
    await redis.set(FUNCTION_KEYS.pruning, '1', 'PX', 60_000);
    expect(await pruneFunctionLibraries(redis, DAY)).toEqual({ deleted: [], kept: 0, ran: false });
    expect((await held()).flat()).toContain(OLD);
    await redis.del(FUNCTION_KEYS.pruning);
    expect((await pruneFunctionLibraries(redis, DAY)).deleted).toEqual([OLD]);
  });
});
