import { freePort } from './free-port';
import { redisCli } from './redis-cli';
import { startTestRedis } from './test-redis';

const ENV_KEYS = ['REDIS_URL', 'TESTCONTAINERS_DISABLED', 'DOCKER_HOST'] as const;

describe('startTestRedis', () => {
  const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  beforeEach(() => ENV_KEYS.forEach((k) => delete process.env[k]));
  afterAll(() =>
    ENV_KEYS.forEach((k) => (saved[k] === undefined ? delete process.env[k] : (process.env[k] = saved[k]))),
  );

  const ping = async (url: string): Promise<string> => {
    const { hostname, port } = new URL(url);
    return (await redisCli(['-h', hostname, '-p', port, 'ping'])).trim();
  };

  it('uses REDIS_URL as given and never stops it', async () => {
    process.env.REDIS_URL = 'redis://127.0.0.1:1';
    const redis = await startTestRedis();
    expect(redis).toMatchObject({ url: 'redis://127.0.0.1:1', source: 'env' });
    await expect(redis.stop()).resolves.toBeUndefined();
  });

  it('falls back to a private redis-server when no container runtime answers', async () => {
    process.env.DOCKER_HOST = `tcp://127.0.0.1:${await freePort()}`;
    const redis = await startTestRedis();
    try {
      expect(redis.source).toBe('redis-server');
      expect(await ping(redis.url)).toBe('PONG');
    } finally {
      await redis.stop();
    }
  });

  it('skips testcontainers when TESTCONTAINERS_DISABLED=1', async () => {
    process.env.TESTCONTAINERS_DISABLED = '1';
    const started = Date.now();
    const redis = await startTestRedis();
    try {
      expect(redis.source).toBe('redis-server');
      expect(Date.now() - started).toBeLessThan(300);
    } finally {
      await redis.stop();
    }
  });
});
