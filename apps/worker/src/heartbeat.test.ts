import { hostname } from 'node:os';
import { WorkerRegistry, createRedis } from '@tq/core';
import { waitFor } from '@tq/testing';
import { closeHarnesses, deferred, startHarness } from './test-support/harness';

afterEach(closeHarnesses);

describe('worker heartbeat', () => {
  it('lists the worker in the registry with its slots and running tasks, and removes it on stop', async () => {
    const gate = deferred();
    const h = await startHarness({
      concurrency: 3,
      heartbeatIntervalMs: 100,
      handlers: { block: () => gate.promise },
    });
    const registry = new WorkerRegistry(h.redis);
    const mine = async () => (await registry.list()).workers.find((w) => w.id === h.worker.id);
    expect(await waitFor(mine)).toMatchObject({
      host: hostname(),
      pid: process.pid,
      queues: [h.queue.name],
      concurrency: 3,
      busySlots: 0,
      runningTaskIds: [],
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });

    const id = await h.enqueue('block', null);
    const busy = await waitFor(async () => {
      const w = await mine();
      return w?.busySlots === 1 && w;
    });
    expect(busy.runningTaskIds).toEqual([id]);
    expect(busy.expiresAt - busy.lastBeatAt).toBe(300);

    gate.resolve();
    await h.worker.stop();
    expect(await mine()).toBeUndefined();
  });

  it('disappears within three intervals once its heartbeats stop reaching Redis', async () => {
    const h = await startHarness({ heartbeatIntervalMs: 100, handlers: {} });
    const registry = new WorkerRegistry(createRedis(process.env.REDIS_URL!));
    const mine = async () => (await registry.list()).workers.find((w) => w.id === h.worker.id);
    await waitFor(mine);
    // The worker's connection goes away: it lives on, but can neither beat nor leave.
    h.redis.disconnect();
    // Its last record lives 300 ms; the deadline is for a busy machine.
    await waitFor(async () => (await mine()) === undefined, { timeoutMs: 10_000 });
    await registry.redis.quit();
  });
});
