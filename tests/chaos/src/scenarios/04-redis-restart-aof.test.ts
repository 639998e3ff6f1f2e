import type { HistoryLine } from '../harness/load';
import { outcomes } from '../harness/load';
import { scenario, size, type Scenario } from '../harness/scenario';
import { ChaosStack, needsOneRedisServer } from '../harness/stack';
import { sleep, summarize } from '../harness/stats';

/** Redis stays dead this long each time. */
const DOWN_MS = 1500;

interface Outage {
  killedAt: number;
  /** Once the SIGKILLed server's exit was seen: nothing can be written after this. */
  deadAt: number;
  /** Just before the new redis-server was spawned: no Redis existed in between. */
  respawnAt: number;
  readyAt: number;
}

for (const fsync of ['always', 'everysec'] as const) {
  scenario(
    {
      id: fsync === 'always' ? '04a-redis-restart-aof-always' : '04b-redis-restart-aof-everysec',
      title: `Redis SIGKILLed and restarted under load, AOF appendfsync ${fsync}`,
      guarantees:
        fsync === 'always'
          ? [
              '§2.1 no loss across a Redis restart with AOF appendfsync always',
              'DESIGN §4: never a 2xx without a durable write',
            ]
          : ['§2.1 scope: with appendfsync everysec the loss is measured and reported'],
      ci: true,
      noLossPromised: fsync === 'always',
      unavailable: () => needsOneRedisServer('SIGKILLs and restarts'),
    },
    (s) => {
      const stack = ChaosStack.create(s.meta.id);
      afterAll(() => stack.close());

      it(`survives ${size(2, 3)} Redis SIGKILLs: every process reconnects${fsync === 'always' ? ', nothing acknowledged is lost' : ''}`, () =>
        s.run(() => restarts(s, stack, fsync)));
    },
  );
}

async function restarts(s: Scenario, stack: ChaosStack, fsync: 'always' | 'everysec'): Promise<void> {
  const kills = size(2, 3);
  const redis = await stack.startRedis({ appendonly: true, appendfsync: fsync });
  const api = await stack.startApi();
  const reaper = await stack.startReaper();
  const pool = await stack.workerPool(3);
  const load = stack.load({ ratePerSec: 120, durationMs: kills * 5000 + 2000, msRange: [50, 500] });

  const outages: Outage[] = [];
  for (let i = 0; i < kills; i++) {
    await sleep(3000);
    const killedAt = Date.now();
    await redis.kill('SIGKILL');
    const deadAt = Date.now();
    await sleep(DOWN_MS);
    const respawnAt = Date.now();
    await redis.restart();
    outages.push({ killedAt, deadAt, respawnAt, readyAt: Date.now() });
  }
  const summary = await load.finished();
  const drainMs = await stack.drain(60_000);

  // Every process came through without a restart.
  const services = [api, reaper, ...pool.everyone];
  const exited = services.filter((x) => !x.running).map((x) => x.name);
  await pool.stop();
  const { check, invariants } = await stack.judge(s);

  const answered = outcomes(stack.history());
  const okDuringOutage = answered.filter((h) => h.op === 'ok' && outages.some((o) => duringOutage(h, o)));
  const writeGaps = outages.map((o) => firstOkAfter(answered, o.readyAt) - o.killedAt);
  s.measure('Redis SIGKILLs', kills);
  s.measure('Redis down ms (kill → ready again)', summarize(outages.map((o) => o.readyAt - o.killedAt)));
  s.measure('write gap ms (kill → first 2xx after the restart)', summarize(writeGaps));
  s.measure('load', summary);
  s.measure('2xx answered while Redis was down', okDuringOutage.length);
  s.measure('processes that exited', exited);
  s.measure('lost acknowledged tasks', check.lost.length);
  s.measure('duplicated values', check.duplicated.length);
  s.measure('drain ms', drainMs);

  expect(okDuringOutage).toEqual([]);
  expect(exited).toEqual([]);
  // Connection errors during the outage are logged as JSON, never printed raw by ioredis.
  expect(services.flatMap((x) => x.plainLines().map((line) => `[${x.name}] ${line}`)).slice(0, 5)).toEqual(
    [],
  );
  expect(check.unexpected).toEqual([]);
  expect(invariants.violations).toEqual([]);
  if (fsync === 'always') expect(check.lost).toEqual([]);
  else if (check.lost.length > 0)
    s.note(`everysec lost ${check.lost.length} acknowledged tasks: ${check.lost.join(', ')}`);
}

/**
 * A 2xx during an outage would be a write that never happened: its Redis write time (createdAt) falls
 * after the server's death and before the new one's spawn, or the whole request (sent, answered) does.
 * Only what is certain counts: on a loaded machine a load generator may read an answer written before
 * the kill hundreds of ms late, so a late answer alone proves nothing.
 */
function duringOutage(h: HistoryLine, o: Outage): boolean {
  const inside = (t: number | undefined) => t !== undefined && t > o.deadAt && t < o.respawnAt;
  return inside(h.createdAt) || (inside(h.t0) && inside(h.t1));
}

function firstOkAfter(answered: HistoryLine[], t: number): number {
  return Math.min(...answered.filter((h) => h.op === 'ok' && h.t1! >= t).map((h) => h.t1!));
}
