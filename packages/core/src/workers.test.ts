import { ManualClock } from './clock';
import { WORKER_KEYS } from './keys';
import type { RedisClient } from './scripts';
import { connect } from './test-support/fixtures';
import { WorkerRegistry, type WorkerInfo } from './workers';

let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => redis.quit());

// The registry is global (not per queue): each test uses a clock far from the others' and its own ids.
let era = 0;
function freshRegistry(): { registry: WorkerRegistry; clock: ManualClock; id: (n: number) => string } {
  const clock = new ManualClock(Date.UTC(2030, 0, 1) + ++era * 86_400_000 + Math.floor(Math.random() * 1e6));
  const tag = `${process.pid}-${era}-${Math.random().toString(36).slice(2, 8)}`;
  return { registry: new WorkerRegistry(redis, clock), clock, id: (n) => `host-${tag}-${n}` };
}

function info(id: string, overrides: Partial<WorkerInfo> = {}): WorkerInfo {
  return {
    id,
    host: 'host',
    pid: 42,
    queues: ['default'],
    concurrency: 10,
    busySlots: 0,
    startedAt: 1,
    version: '0.1.0',
    runningTaskIds: [],
    ...overrides,
  };
}

describe('WorkerRegistry', () => {
  it('lists a worker that beats, with its record, its last beat and its expiry', async () => {
    const { registry, clock, id } = freshRegistry();
    await registry.beat(info(id(1), { busySlots: 2, runningTaskIds: ['default.A', 'default.B'] }), 15_000);
    const { workers } = await registry.list();
    expect(workers.find((w) => w.id === id(1))).toEqual({
      ...info(id(1), { busySlots: 2, runningTaskIds: ['default.A', 'default.B'] }),
      lastBeatAt: clock.now(),
      expiresAt: clock.now() + 15_000,
    });
  });

  it('forgets a worker that stops beating once its TTL has passed, trimming the index as it reads', async () => {
    const { registry, clock, id } = freshRegistry();
    await registry.beat(info(id(1)), 15_000);
    await registry.beat(info(id(2)), 15_000);
    clock.advance(10_000);
    await registry.beat(info(id(2)), 15_000); // only the second one keeps beating
    clock.advance(5_000);
    const ids = (await registry.list()).workers.map((w) => w.id);
    expect(ids).toContain(id(2));
    expect(ids).not.toContain(id(1));
    expect(await redis.zscore(WORKER_KEYS.index, id(1))).toBeNull();
    clock.advance(10_000);
    expect((await registry.list()).workers.map((w) => w.id)).not.toContain(id(2));
  });

  it('removes a worker at once when it leaves', async () => {
    const { registry, id } = freshRegistry();
    await registry.beat(info(id(1)), 15_000);
    await registry.leave(id(1));
    expect((await registry.list()).workers.map((w) => w.id)).not.toContain(id(1));
    expect(await redis.exists(WORKER_KEYS.recordPrefix + id(1))).toBe(0);
  });

  it('keeps records small: at most 100 running ids, and at most `limit` workers per read', async () => {
    const { registry, id } = freshRegistry();
    const running = Array.from({ length: 150 }, (_, i) => `default.${i}`);
    await registry.beat(info(id(1), { busySlots: 150, runningTaskIds: running }), 15_000);
    await registry.beat(info(id(2)), 15_000);
    const mine = (await registry.list()).workers.find((w) => w.id === id(1))!;
    expect(mine.runningTaskIds).toEqual(running.slice(0, 100));
    expect(mine.busySlots).toBe(150);
    const one = await registry.list(1);
    expect(one.workers).toHaveLength(1);
    expect(one.total).toBeGreaterThanOrEqual(2);
  });
});
