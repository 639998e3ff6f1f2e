import { freePort } from './free-port';
import { redisCli } from './redis-cli';
import { startTestRedis } from './test-redis';

const ENV_KEYS = ['REDIS_URL', 'TESTCONTAINERS_DISABLED', 'DOCKER_HOST', 'TEST_REDIS_DEBUG'] as const;

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

  /** What startTestRedis says about its choice (TEST_REDIS_DEBUG=1 writes it to stderr). */
  const debugLines = async (start: () => Promise<unknown>): Promise<string> => {
    process.env.TEST_REDIS_DEBUG = '1';
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await start();
      return write.mock.calls.map(([chunk]) => String(chunk)).join('');
    } finally {
      write.mockRestore();
    }
  };

  it('falls back to a private redis-server when no container runtime answers', async () => {
    process.env.DOCKER_HOST = `tcp://127.0.0.1:${await freePort()}`;
    let redis: Awaited<ReturnType<typeof startTestRedis>> | undefined;
    try {
      const said = await debugLines(async () => (redis = await startTestRedis()));
      expect(said).toContain('testcontainers unavailable');
      expect(redis!.source).toBe('redis-server');
      expect(await ping(redis!.url)).toBe('PONG');
    } finally {
      await redis?.stop();
    }
  });

  // Skipping testcontainers saves its ~400 ms module load; whether it was tried is what the flag decides,
  // so that is what is checked (a wall-clock limit failed on a loaded machine).
  it('never tries testcontainers when TESTCONTAINERS_DISABLED=1', async () => {
    process.env.TESTCONTAINERS_DISABLED = '1';
    process.env.DOCKER_HOST = `tcp://127.0.0.1:${await freePort()}`;
    let redis: Awaited<ReturnType<typeof startTestRedis>> | undefined;
    try {
      const said = await debugLines(async () => (redis = await startTestRedis()));
      expect(said).not.toContain('testcontainers');
      expect(said).toContain('using redis-server');
      expect(redis!.source).toBe('redis-server');
    } finally {
      await redis?.stop();
    }
  });
});
