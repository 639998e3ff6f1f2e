import { startRedisServer, waitFor } from '@tq/testing';
import { closeRedis, createRedis, parseRedisUrl } from './connection';

describe('parseRedisUrl', () => {
  it.each([
    ['redis://localhost:6379', { kind: 'single', hosts: [{ host: 'localhost', port: 6379 }], tls: false }],
    [
      'redis://:s3cret@cache:6380/2',
      { kind: 'single', password: 's3cret', db: 2, hosts: [{ host: 'cache', port: 6380 }] },
    ],
    ['rediss://user:pw@redis.example.com', { kind: 'single', tls: true, username: 'user', password: 'pw' }],
    [
      'redis+sentinel://s1:26379,s2/mymaster',
      {
        kind: 'sentinel',
        masterName: 'mymaster',
        hosts: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26379 },
        ],
      },
    ],
    [
      'redis+cluster://n1:7000,n2:7001',
      {
        kind: 'cluster',
        hosts: [
          { host: 'n1', port: 7000 },
          { host: 'n2', port: 7001 },
        ],
      },
    ],
  ])('parses %s', (url, expected) => {
    expect(parseRedisUrl(url)).toMatchObject(expected);
  });

  it('says which forms are accepted when the URL is not one', () => {
    expect(() => parseRedisUrl('localhost:6379')).toThrow(/is not a Redis URL: use redis:\/\/host:6379/);
  });

  it('never shows the password of a URL it cannot parse', () => {
    expect(() => parseRedisUrl('redis:/:s3cret@cache:6379')).toThrow(
      '"redis:/***@cache:6379" is not a Redis URL',
    );
    expect(() => parseRedisUrl('redis:/:s3cret@cache:6379')).not.toThrow(/s3cret/);
  });

  it.each([
    'redis://:abc/SECRETX@cache:6379',
    'redis://:pa@ss/SECRETX@cache:6379',
    'redis+sentinel://:SEC/RETX@s1:26379/mymaster',
    'redis+cluster://:SEC/RETX@n1:7000',
    'redis://:SEC?RETX@cache:6379',
    'redis://:SEC#RETX@cache:6379',
    'redis://:pa@ss_SECRETX@cache:6379',
  ])('never shows any part of a password with a raw "/", "?", "#" or "@" (%s)', (url) => {
    expect(() => parseRedisUrl(url)).toThrow(/user or password holds a raw/);
    let message = '';
    try {
      parseRedisUrl(url);
    } catch (err) {
      message = (err as Error).message;
    }
    for (const part of ['SEC', 'RETX', 'abc', 'pa', 'ss']) expect(message).not.toContain(`${part}@`);
    expect(message).not.toMatch(/SECRETX|SEC|RETX|abc|ss_/);
  });

  it('still parses percent-encoded special characters in a password', () => {
    expect(parseRedisUrl('redis://:a%2Fb%40c@cache:6379/1')).toMatchObject({ password: 'a/b@c', db: 1 });
  });

  it('asks for the master name of a Sentinel URL', () => {
    expect(() => parseRedisUrl('redis+sentinel://s1:26379')).toThrow(/needs the master name/);
  });
});

describe('closeRedis', () => {
  it('sends QUIT on a live connection', async () => {
    const redis = createRedis(process.env.REDIS_URL!);
    await redis.ping();
    const quit = jest.spyOn(redis, 'quit');
    await closeRedis(redis);
    expect(quit).toHaveBeenCalledTimes(1);
    await waitFor(() => redis.status === 'end', { message: 'the connection closing' });
  });

  it('never waits on a dead connection: it drops it at once', async () => {
    const server = await startRedisServer();
    // A QUIT on the dead link would wait for this command timeout: the test's own timeout comes first.
    const redis = createRedis(server.url, { commandTimeoutMs: 120_000 });
    try {
      await redis.ping();
      await server.kill();
      await waitFor(() => redis.status !== 'ready', { message: 'the client noticing the dead server' });
      const quit = jest.spyOn(redis, 'quit');
      await closeRedis(redis, 120_000);
      expect(quit).not.toHaveBeenCalled();
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });
});
