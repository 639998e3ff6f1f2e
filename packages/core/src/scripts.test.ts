import { Cluster } from 'ioredis';
import type { RedisClient } from './scripts';
import { connect, enqueue, freshQueue } from './test-support/fixtures';

let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(async () => {
  await redis.quit();
});

/** SCRIPT FLUSH on every master: what a restart without persistence or a failover does to the scripts. */
async function flushScripts(): Promise<void> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  await Promise.all(nodes.map((node) => node.script('FLUSH')));
}

describe('runScript', () => {
  it('runs a script again after the server lost its scripts (NOSCRIPT: sent again as EVAL)', async () => {
    const { queue } = freshQueue(redis);
    await enqueue(queue, { type: 'before' });
    await flushScripts();
    const [id] = await enqueue(queue, { type: 'after' });
    expect(await queue.getTask(id!)).toMatchObject({ type: 'after', status: 'pending' });
    expect((await queue.stats()).counts.pending).toBe(2);
  });

  it('sends arguments outside ASCII byte for byte (their UTF-8 length, not their length)', async () => {
    const { queue } = freshQueue(redis);
    const payloads = ['"é"', '"日本語 — ✓"', '"🙂 surrogate pairs"', '"plain ascii"', '""'];
    const ids = await Promise.all(payloads.map((payload) => enqueue(queue, { payload })));
    for (const [i, [id]] of ids.entries()) {
      expect((await queue.getTask(id!))?.payload).toBe(payloads[i]);
    }
  });
});
