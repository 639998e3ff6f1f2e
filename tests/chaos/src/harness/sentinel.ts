import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis, type RedisClient } from '@tq/core';
import { freePort, startRedisServer, waitFor, type RedisServer, type RedisServerOptions } from '@tq/testing';
import { spawnTracked } from './service';

export const MASTER_NAME = 'mymaster';

/** A primary, a replica and three sentinels (quorum 2) on 127.0.0.1. */
export interface SentinelSetup {
  primary: RedisServer;
  replica: RedisServer;
  sentinelPorts: number[];
  /** `redis+sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3/mymaster`. */
  url: string;
  /** The port Sentinel currently names as the master (asks the first sentinel that answers). */
  masterPort(): Promise<number | undefined>;
  /** Stops the sentinels, the replica and the primary. */
  stop(): Promise<void>;
}

/** Sentinel timings: the primary is down after 1 s of silence; a failover may take 3 s. */
const DOWN_AFTER_MS = 1000;
const FAILOVER_TIMEOUT_MS = 3000;

/**
 * Starts the Sentinel world and waits until every sentinel sees the replica and the two other
 * sentinels, so a failover can happen. Each sentinel gets a writable temp conf (Sentinel rewrites it).
 */
export async function startSentinelSetup(persistence: RedisServerOptions = {}): Promise<SentinelSetup> {
  const primary = await startRedisServer(persistence);
  const replica = await startRedisServer({
    ...persistence,
    extraArgs: ['--replicaof', '127.0.0.1', String(primary.port)],
  });
  const dir = mkdtempSync(join(tmpdir(), 'tq-sentinel-'));
  const children: ChildProcess[] = [];
  const clients: RedisClient[] = [];
  const sentinelPorts: number[] = [];
  const stop = async () => {
    for (const c of clients) c.disconnect();
    for (const child of children) child.kill('SIGKILL');
    await Promise.all([replica.stop(), primary.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'daemonize no',
          `dir ${dir}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
          `sentinel failover-timeout ${MASTER_NAME} ${FAILOVER_TIMEOUT_MS}`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      const child = spawnTracked('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
      children.push(child);
      sentinelPorts.push(port);
      clients.push(createRedis(`redis://127.0.0.1:${port}`, { commandTimeoutMs: 1000 }));
    }
    await waitFor(
      async () => {
        const views = await Promise.all(clients.map((c) => masterView(c).catch(() => undefined)));
        return views.every((v) => v && v['num-slaves'] === '1' && v['num-other-sentinels'] === '2');
      },
      { timeoutMs: 20_000, intervalMs: 200, message: 'sentinels see the replica and each other' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    primary,
    replica,
    sentinelPorts,
    url: `redis+sentinel://${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${MASTER_NAME}`,
    async masterPort() {
      for (const c of clients) {
        const addr = (await c.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME).catch(() => null)) as
          string[] | null;
        if (addr) return Number(addr[1]);
      }
      return undefined;
    },
    stop,
  };
}

async function masterView(client: RedisClient): Promise<Record<string, string>> {
  const flat = (await client.call('SENTINEL', 'master', MASTER_NAME)) as string[] | Record<string, string>;
  if (!Array.isArray(flat)) return flat; // RESP3 map
  const view: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) view[flat[i]!] = flat[i + 1]!;
  return view;
}
