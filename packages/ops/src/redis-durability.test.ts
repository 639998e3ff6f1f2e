import { closeRedis, createRedis, type RedisClient } from '@tq/core';
import {
  logSink,
  metricSample,
  startRedisCluster,
  startRedisServer,
  type LogSink,
  type RedisServer,
} from '@tq/testing';
import { Registry } from 'prom-client';
import { createLogger } from './logger';
import { watchRedisDurability, type DurabilityWatch } from './redis-durability';

// Private redis-servers (a three-node cluster in the last test) on a machine that may be loaded.
jest.setTimeout(120_000);

const PASSWORD = 's3cret-redis-password';
const WARNING = "Redis is not set up for tq's no-loss guarantee";

describe('issue 10 item 13: the durability preflight reads INFO on every master, warns once per change, and REDIS_REQUIRE_DURABLE refuses', () => {
  let server: RedisServer | undefined;
  let redis: RedisClient | undefined;
  let watch: DurabilityWatch | undefined;
  let registry: Registry;
  let sink: LogSink;
  afterEach(async () => {
    watch?.stop();
    if (redis) await closeRedis(redis);
    await server?.stop();
    server = redis = watch = undefined;
  }, 30_000); // a SIGTERMed redis-server finishes an AOF rewrite first: seconds on a loaded machine

  /** A private redis-server with the settings the review found unchecked: no AOF, an evicting policy. */
  async function start(extraArgs: string[] = []): Promise<string> {
    server = await startRedisServer({
      appendonly: false,
      extraArgs: ['--maxmemory-policy', 'allkeys-lru', '--requirepass', PASSWORD, ...extraArgs],
    });
    const url = `redis://:${PASSWORD}@127.0.0.1:${server.port}`;
    redis = createRedis(url);
    registry = new Registry();
    sink = logSink();
    return `127.0.0.1:${server.port}`;
  }
  const logger = () => createLogger('test', 'info', sink.stream);
  const gauge = async (name: string, node: string) => metricSample(await registry.metrics(), name, { node });

  it('warns once with the node, the settings and the fix, sets the gauges, and says when it is fixed', async () => {
    const node = await start();
    watch = await watchRedisDurability(registry, redis!, logger(), { intervalMs: 3_600_000 });
    await watch.check();
    await watch.check(); // unchanged: no second warning
    const warnings = sink.find(WARNING);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 40,
      node,
      aofEnabled: false,
      appendfsync: 'everysec',
      maxmemoryPolicy: 'allkeys-lru',
      redisVersion: expect.stringMatching(/^\d+\.\d+/) as unknown,
    });
    const problems = warnings[0]!.problems as string[];
    expect(problems).toEqual([
      expect.stringContaining('AOF is off'),
      expect.stringContaining('maxmemory-policy is allkeys-lru'),
    ]);
    expect(problems.join(' ')).toContain('appendonly yes');
    expect(problems.join(' ')).toContain('maxmemory-policy noeviction');
    expect(await gauge('tq_redis_aof_enabled', node)).toBe(0);
    expect(await gauge('tq_redis_appendfsync_always', node)).toBe(0);
    expect(await gauge('tq_redis_maxmemory_policy_noeviction', node)).toBe(0);

    // Fixed on the running server (the services are not restarted): one info line, the gauges follow.
    await redis!
      .multi()
      .config('SET', 'appendonly', 'yes')
      .config('SET', 'appendfsync', 'always')
      .config('SET', 'maxmemory-policy', 'noeviction')
      .exec();
    await watch.check();
    expect(sink.find('Redis settings fixed')).toHaveLength(1);
    expect(await gauge('tq_redis_aof_enabled', node)).toBe(1);
    expect(await gauge('tq_redis_appendfsync_always', node)).toBe(1);
    expect(await gauge('tq_redis_maxmemory_policy_noeviction', node)).toBe(1);

    // Broken again: a new warning, for the new problem only.
    await redis!.config('SET', 'appendfsync', 'everysec');
    await watch.check();
    expect(sink.find(WARNING)).toHaveLength(2);
    expect(sink.find(WARNING)[1]!.problems).toEqual([expect.stringContaining('appendfsync is everysec')]);
    expect(JSON.stringify(sink.lines)).not.toContain(PASSWORD);
  });

  it('with require, rejects naming each wrong setting and its fix, without the password', async () => {
    const node = await start();
    const refused = watchRedisDurability(registry, redis!, logger(), { require: true });
    await expect(refused).rejects.toThrow(/REDIS_REQUIRE_DURABLE=1 and Redis is not durable/);
    const message = await refused.then(
      () => '',
      (error: Error) => error.message,
    );
    expect(message).toContain(`${node}: AOF is off`);
    expect(message).toContain(`${node}: maxmemory-policy is allkeys-lru`);
    expect(message).toContain('Set `appendonly yes`');
    expect(message).not.toContain(PASSWORD);
  });

  it('with require, starts on AOF always and noeviction', async () => {
    await start(['--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction']);
    watch = await watchRedisDurability(registry, redis!, logger(), { require: true });
    expect(sink.find(WARNING)).toHaveLength(0);
    expect(sink.find('Redis persistence and memory settings checked')).toHaveLength(1);
  });

  it('where CONFIG is disabled (managed Redis), reads AOF and the policy from INFO and reports appendfsync unknown without refusing', async () => {
    const node = await start([
      '--appendonly',
      'yes',
      '--maxmemory-policy',
      'noeviction',
      '--rename-command',
      'CONFIG',
      '""',
    ]);
    watch = await watchRedisDurability(registry, redis!, logger(), { require: true });
    expect(await gauge('tq_redis_aof_enabled', node)).toBe(1);
    expect(await gauge('tq_redis_maxmemory_policy_noeviction', node)).toBe(1);
    expect(await gauge('tq_redis_appendfsync_always', node)).toBe(-1);
    expect(sink.find(WARNING)[0]).toMatchObject({
      appendfsync: 'unknown',
      problems: [expect.stringContaining('appendfsync cannot be read')],
    });
  });
});

describe('issue 10 item 13: REDIS_REQUIRE_DURABLE where INFO is refused', () => {
  it('rejects saying the settings cannot be read and how to allow it, instead of waiting for ever', async () => {
    const server = await startRedisServer({ appendonly: true, appendfsync: 'always' });
    const admin = createRedis(server.url);
    await admin.acl('SETUSER', 'tq', 'on', `>${PASSWORD}`, '~*', '&*', '+@all', '-info');
    const redis = createRedis(`redis://tq:${PASSWORD}@127.0.0.1:${server.port}`);
    try {
      const registry = new Registry();
      const sink = logSink();
      const refused = watchRedisDurability(registry, redis, createLogger('test', 'info', sink.stream), {
        require: true,
      });
      await expect(refused).rejects.toThrow(/settings cannot be read: INFO was refused .*NOPERM.*\+info/);
      expect(JSON.stringify(sink.lines)).not.toContain(PASSWORD);
    } finally {
      await closeRedis(redis);
      await closeRedis(admin);
      await server.stop();
    }
  });
});

describe('issue 10 item 13: the durability preflight on a Redis Cluster reads every master', () => {
  it('sets one series per master and warns for each', async () => {
    const cluster = await startRedisCluster();
    const redis = createRedis(cluster.url);
    try {
      // One master turned durable: the others still warn.
      const durable = createRedis(`redis://127.0.0.1:${cluster.nodes[0]!.port}`);
      await durable.multi().config('SET', 'appendonly', 'yes').config('SET', 'appendfsync', 'always').exec();
      await closeRedis(durable);
      const registry = new Registry();
      const sink = logSink();
      const refused = watchRedisDurability(registry, redis, createLogger('test', 'info', sink.stream), {
        require: true,
      });
      const message = await refused.then(
        () => '',
        (error: Error) => error.message,
      );
      const text = await registry.metrics();
      for (const [i, { port }] of cluster.nodes.entries()) {
        const node = `127.0.0.1:${port}`;
        expect(metricSample(text, 'tq_redis_aof_enabled', { node })).toBe(i === 0 ? 1 : 0);
        expect(metricSample(text, 'tq_redis_maxmemory_policy_noeviction', { node })).toBe(1);
        expect(message.includes(`${node}: AOF is off`)).toBe(i !== 0);
      }
      expect(sink.find(WARNING).map((l) => l.node)).toHaveLength(2);
    } finally {
      await closeRedis(redis);
      await cluster.stop();
    }
  });
});
