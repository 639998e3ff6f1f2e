import { startRedisServer, waitFor } from '@tq/testing';
import { createRedis } from './connection';
import { EpochWatcher } from './epoch';

async function watchAcrossRestart(appendonly: boolean): Promise<{ losses: string[]; marker: string }> {
  const server = await startRedisServer(appendonly ? { appendonly, appendfsync: 'always' } : {});
  const redis = createRedis(server.url);
  const losses: string[] = [];
  const watcher = new EpochWatcher(redis, (previous) => losses.push(previous));
  try {
    await watcher.start();
    const marker = await watcher.check();
    let reconnected = false;
    redis.once('ready', () => (reconnected = true));
    await server.kill();
    await server.restart();
    await waitFor(() => reconnected, { timeoutMs: 10_000, message: 'the client never reconnected' });
    await watcher.check();
    return { losses, marker };
  } finally {
    watcher.stop();
    redis.disconnect();
    await server.stop();
  }
}

describe('EpochWatcher', () => {
  it('reports nothing across a Redis restart that kept its data (AOF)', async () => {
    expect((await watchAcrossRestart(true)).losses).toEqual([]);
  });

  it('reports a data loss when Redis restarts without persistence', async () => {
    const { losses, marker } = await watchAcrossRestart(false);
    expect(losses).toEqual([marker]);
  });

  it('reports a FLUSHALL that kept the connection open, once, at its next periodic read', async () => {
    const server = await startRedisServer();
    const redis = createRedis(server.url);
    const admin = createRedis(server.url);
    const losses: string[] = [];
    const watcher = new EpochWatcher(redis, (previous) => losses.push(previous), 50);
    try {
      await watcher.start();
      const marker = await watcher.check();
      let reconnected = false;
      redis.on('ready', () => (reconnected = true));
      await admin.flushall();
      await waitFor(() => losses.length > 0, { timeoutMs: 10_000, message: 'the loss was never reported' });
      expect({ losses, reconnected }).toEqual({ losses: [marker], reconnected: false });
      // Later reads find the new marker: the same loss is not reported again.
      const after = await redis.get('tq:epoch');
      await waitFor(async () => (await redis.get('tq:epoch')) === after && losses.length === 1, {
        timeoutMs: 1_000,
      });
      expect(losses).toEqual([marker]);
    } finally {
      watcher.stop();
      redis.disconnect();
      admin.disconnect();
      await server.stop();
    }
  });
});
