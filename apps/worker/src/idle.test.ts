import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, createRedis, type RedisClient } from '@tq/core';
import { startRedisServer, waitFor, type RedisServer } from '@tq/testing';
import { closeHarnesses, startHarness } from './test-support/harness';

afterEach(closeHarnesses);

/** The part of an ioredis client in MONITOR mode used here. */
interface Monitor {
  on(event: 'monitor', listener: (time: string, args: string[], source: string) => void): void;
  disconnect(): void;
}

describe('idle worker', () => {
  it('starts a task enqueued while it waits within milliseconds (wake message, not polling)', async () => {
    let started: (() => void) | undefined;
    const h = await startHarness({
      idlePollMs: 60_000, // only a wake message can explain a fast start
      handlers: { ping: () => Promise.resolve(started?.()) },
    });
    const latencies: number[] = [];
    for (let round = 0; round < 10; round++) {
      await waitFor(() => h.worker.status().waiting);
      const begin = performance.now();
      const run = new Promise<void>((resolve) => (started = resolve));
      await h.enqueue('ping', round);
      await run;
      latencies.push(performance.now() - begin);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `wake latency, enqueue -> handler start, 10 rounds: median ${latencies[5]!.toFixed(1)} ms, max ${latencies[9]!.toFixed(1)} ms`,
    );
    expect(latencies[9]).toBeLessThan(200);
  });

  it('claims once per wake-up: a slot freed after a short claim is no reason to claim again', async () => {
    const h = await startHarness({ idlePollMs: 60_000, handlers: { ping: () => Promise.resolve('pong') } });
    await waitFor(() => h.worker.status().waiting);
    const claims = jest.spyOn(Queue.prototype, 'claim');
    try {
      for (let round = 0; round < 3; round++) {
        const id = await h.enqueue('ping', round);
        await waitFor(async () => (await h.task(id)).status === 'done' && h.worker.status().waiting);
      }
      expect(claims).toHaveBeenCalledTimes(3);
    } finally {
      claims.mockRestore();
    }
  });

  describe('on a private redis-server', () => {
    let server: RedisServer;
    let observer: RedisClient;
    beforeAll(async () => {
      server = await startRedisServer();
      observer = createRedis(server.url);
    });
    afterAll(async () => {
      await observer.quit();
      await server.stop();
    });

    it('sends at most about one Redis command per second while idle', async () => {
      const h = await startHarness({
        redisUrl: server.url,
        handlers: { ping: () => Promise.resolve('pong') },
      });
      // One task first, so the measured idle period follows real work (leases, acks, wake-ups).
      const id = await h.enqueue('ping', null);
      await waitFor(async () => (await h.task(id)).status === 'done');
      await waitFor(() => h.worker.status().waiting);

      // MONITOR shows every command a client sends; commands run inside scripts show as "lua" and
      // are not round trips, so they are left out, as is the observer itself.
      const monitor = await (observer as unknown as { monitor(): Promise<Monitor> }).monitor();
      const seen: string[] = [];
      monitor.on('monitor', (_time, args, source) => {
        if (source !== 'lua') seen.push(`${source} ${args[0]}`);
      });
      const windowMs = 5500; // longer than the default idle poll (5000 ms), so the window holds one
      await sleep(windowMs); // a measurement window, not a wait for a condition
      monitor.disconnect();

      const perSecond = seen.length / (windowMs / 1000);
      console.log(
        `idle worker: ${seen.length} Redis commands in ${windowMs} ms (${perSecond.toFixed(2)}/s): ${seen.join(', ') || 'none'}`,
      );
      expect(perSecond).toBeLessThanOrEqual(1);
    });
  });
});
