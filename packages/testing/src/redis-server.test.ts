import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import * as freePortModule from './free-port';
import { redisCli } from './redis-cli';
import { startRedisServer } from './redis-server';
import { processGone } from './test-support/process-gone';

const cli = (port: number, ...args: string[]): Promise<string> =>
  redisCli(['-h', '127.0.0.1', '-p', String(port), ...args]).then((out) => out.trim());

describe('startRedisServer', () => {
  it('serves on a free port and leaves no process or dir behind after stop', async () => {
    const server = await startRedisServer();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await cli(server.port, 'ping')).toBe('PONG');

    await server.stop();

    expect(processGone(server.pid)).toBe(true);
    expect(existsSync(server.dir)).toBe(false);
    await server.stop();
  });

  it('picks another port when the free one it was given is taken before redis-server binds it', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as { port: number }).port;
    const spy = jest.spyOn(freePortModule, 'freePort').mockResolvedValueOnce(taken);
    try {
      const server = await startRedisServer();
      expect(server.port).not.toBe(taken);
      expect(await cli(server.port, 'ping')).toBe('PONG');
      await server.stop();
    } finally {
      spy.mockRestore();
      squatter.close();
    }
  });

  it('keeps a key written before a SIGKILL when the AOF is fsynced on every write', async () => {
    const server = await startRedisServer({ appendonly: true, appendfsync: 'always' });
    try {
      expect(await cli(server.port, 'set', 'survivor', 'yes')).toBe('OK');
      const firstPid = server.pid;

      await server.kill();
      expect(processGone(firstPid)).toBe(true);
      expect(existsSync(server.dir)).toBe(true);
      await server.restart();

      expect(server.pid).not.toBe(firstPid);
      expect(await cli(server.port, 'get', 'survivor')).toBe('yes');
    } finally {
      await server.stop();
    }
  });

  it('keeps a caller-given dir on stop', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tq-redis-given-'));
    try {
      const server = await startRedisServer({ dir });
      await server.stop();
      expect(existsSync(dir)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says how to get redis-server when the binary is missing', async () => {
    const saved = process.env.REDIS_SERVER_BIN;
    process.env.REDIS_SERVER_BIN = '/nonexistent/redis-server';
    try {
      await expect(startRedisServer()).rejects.toThrow(/redis-server not found: install it/);
    } finally {
      if (saved === undefined) delete process.env.REDIS_SERVER_BIN;
      else process.env.REDIS_SERVER_BIN = saved;
    }
  });
});
