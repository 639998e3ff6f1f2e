import { randomQueueName, startRedisServer } from '@tq/testing';
import { Cluster } from 'ioredis';
import { createRedis } from './connection';
import { Queue } from './queue';
import type { RedisClient } from './scripts';
import { connect, enqueue, freshQueue, newTask } from './test-support/fixtures';

let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(async () => {
  await redis.quit();
});

/** FUNCTION FLUSH on every master: what a restart without persistence does to the scripts (ADR 0047). */
async function flushFunctions(): Promise<void> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  await Promise.all(nodes.map((node) => node.function('FLUSH')));
}

describe('runScript', () => {
  it('runs a script again after the server lost its functions (loaded again on "Function not found")', async () => {
    const { queue } = freshQueue(redis);
    await enqueue(queue, { type: 'before' });
    await flushFunctions();
    const [id] = await enqueue(queue, { type: 'after' });
    expect(await queue.getTask(id!)).toMatchObject({ type: 'after', status: 'pending' });
    expect((await queue.stats()).counts.pending).toBe(2);
  });

  it('sends arguments outside ASCII byte for byte (their UTF-8 length, not their length)', async () => {
    const { queue } = freshQueue(redis);
    // The long ones: lengths past the cached length headers, in characters and in UTF-8 bytes.
    const payloads = ['"é"', '"日本語 — ✓"', '"🙂 surrogate pairs"', '"plain ascii"', '""'];
    payloads.push(`"${'x'.repeat(3000)}"`, `"${'é'.repeat(800)}"`);
    const ids = await Promise.all(payloads.map((payload) => enqueue(queue, { payload })));
    for (const [i, [id]] of ids.entries()) {
      expect((await queue.getTask(id!))?.payload).toBe(payloads[i]);
    }
  });
});

/**
 * Scripts run as Redis functions (ADR 0047), loaded by the first call that finds them missing. These tests
 * take a private server each: they flush its functions or fill its memory.
 */
describe('scripts as Redis functions', () => {
  /** Runs `body` with a connection to a private redis-server (its URL given too), stopped afterwards. */
  async function withOwnServer(body: (own: RedisClient, url: string) => Promise<void>): Promise<void> {
    const server = await startRedisServer();
    const own = createRedis(server.url);
    try {
      await body(own, server.url);
    } finally {
      own.disconnect();
      await server.stop();
    }
  }

  it('loads them again when Redis lost them (a restart without its data, FUNCTION FLUSH), on every path', async () => {
    await withOwnServer(async (own) => {
      const queue = new Queue(own, randomQueueName('fn'));
      await queue.enqueue([newTask(queue)]);
      await own.function('FLUSH');
      // Calls at once, none of which finds its function: one load each, every call answered.
      const [claimed, , more] = await Promise.all([
        queue.claim(1, 30_000),
        queue.stats(),
        queue.enqueue([newTask(queue), newTask(queue)]),
      ]);
      expect(claimed.tasks).toHaveLength(1);
      expect(more.map((o) => o.status)).toEqual(['created', 'created']);
      await own.function('FLUSH');
      // The enqueue with a replica wait goes in a pipeline with WAIT (runScriptAndWait), loaded there too.
      const waited = await queue.enqueue([newTask(queue)], 0, 0, { replicas: 0, timeoutMs: 100 });
      expect(waited.map((o) => o.status)).toEqual(['created']);
      await own.function('FLUSH');
      expect(await queue.complete(claimed.tasks)).toEqual(['ok']);
      // Only what was called since: the complete script's library.
      expect(await own.function('LIST')).toHaveLength(1);
    });
  });

  it('on a full Redis refuses enqueues but runs claims, acknowledgements and retention, which free memory', async () => {
    await withOwnServer(async (own) => {
      const queue = new Queue(own, randomQueueName('fn'));
      const noRetention = {
        finishedMaxAgeMs: 60_000,
        finishedMaxCount: 100,
        deadMaxAgeMs: 60_000,
        deadMaxCount: 100,
      };
      const drop = { finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 };
      await queue.enqueue([newTask(queue), newTask(queue), newTask(queue), newTask(queue)]);
      // Each script used once: its function is loaded before Redis is full.
      await queue.complete((await queue.claim(1, 30_000)).tasks);
      await queue.trim(noRetention);
      const [first] = (await queue.claim(1, 30_000)).tasks;
      await own.config('SET', 'maxmemory', '1');
      try {
        await expect(queue.enqueue([newTask(queue)])).rejects.toThrow(/OOM/);
        expect(await queue.complete([first!])).toEqual(['ok']);
        const { tasks } = await queue.claim(1, 30_000);
        expect(tasks).toHaveLength(1);
        expect((await queue.stats()).counts.done).toBe(2);
        await queue.trim(drop);
        expect((await queue.stats()).counts.done).toBe(0);
        // Full and without its functions, which Redis then refuses to load: the scripts go as EVAL.
        await own.function('FLUSH');
        expect(await queue.complete(tasks)).toEqual(['ok']);
        expect((await queue.claim(1, 30_000)).tasks).toHaveLength(1);
        await queue.trim(drop);
        expect((await queue.stats()).counts.done).toBe(0);
        await expect(queue.enqueue([newTask(queue)])).rejects.toThrow(/OOM/);
        expect(await own.function('LIST')).toEqual([]);
      } finally {
        await own.config('SET', 'maxmemory', '0');
      }
    });
  });

  it('runs the scripts as EVAL for an ACL user allowed EVAL but not FCALL or FUNCTION', async () => {
    await withOwnServer(async (admin, serverUrl) => {
      await admin.acl('SETUSER', 'evalonly', 'on', '>pw', '~*', '&*', '+@all', '-fcall', '-function');
      const url = new URL(serverUrl);
      url.username = 'evalonly';
      url.password = 'pw';
      const own = createRedis(url.toString());
      try {
        const queue = new Queue(own, randomQueueName('fn'));
        await queue.enqueue([newTask(queue)]);
        // The enqueue with a replica wait goes through runScriptAndWait's pipeline.
        await queue.enqueue([newTask(queue)], 0, 0, { replicas: 0, timeoutMs: 100 });
        const { tasks } = await queue.claim(2, 30_000);
        expect(tasks).toHaveLength(2);
        expect(await queue.complete(tasks)).toEqual(['ok', 'ok']);
        expect(await admin.function('LIST')).toEqual([]);
      } finally {
        own.disconnect();
      }
    });
  });
});
