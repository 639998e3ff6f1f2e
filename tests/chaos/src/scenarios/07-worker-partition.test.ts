import { FaultProxy } from '../harness/fault-proxy';
import { scrape, sumMetric } from '../harness/metrics';
import { scenario, size } from '../harness/scenario';
import { ChaosStack, TIMINGS, needsOneRedisServer } from '../harness/stack';
import { sleep } from '../harness/stats';

/** Longer than the lease (so the reaper hands the tasks to others), shorter than the 5 s command timeout. */
const BLACKHOLE_MS = 3500;
const RESET_MS = 500;

scenario(
  {
    id: '07-worker-partition',
    title: 'one worker cut off from Redis (blackhole, then resets) while the others go on',
    guarantees: [
      '§2.2 at-least-once with fencing: a late acknowledgement is refused and counted',
      '§2.1 no loss',
    ],
    ci: true,
    noLossPromised: true,
    unavailable: () => needsOneRedisServer('cuts a worker off from (through a TCP proxy in front of)'),
  },
  (s) => {
    const stack = ChaosStack.create(s.meta.id);
    let proxy: FaultProxy | undefined;
    afterAll(async () => {
      await proxy?.close();
      await stack.close();
    });

    it("refuses the cut-off worker's late acknowledgements, and loses nothing", () =>
      s.run(async () => {
        const redis = await stack.startRedis();
        proxy = await FaultProxy.start({ host: '127.0.0.1', port: redis.port });
        await stack.startApi();
        await stack.startReaper();
        const victim = await stack.startWorker('worker-cut-off', { REDIS_URL: proxy.url });
        await stack.startWorker('worker-b');
        await stack.startWorker('worker-c');
        const load = stack.load({ ratePerSec: 100, durationMs: size(12_000, 16_000), msRange: [300, 1000] });

        // Cut when the victim has attempts in flight: their acknowledgements will come too late.
        await sleep(2000);
        await stack.until(
          victim,
          () => inFlight(stack, victim.pid) >= 3,
          'attempts in flight on the victim',
          10_000,
        );
        const cutAt = Date.now();
        proxy.setMode('blackhole');
        await sleep(BLACKHOLE_MS);
        const healedAt = Date.now();
        proxy.setMode('pass');
        await stack.until(
          victim,
          async () => sumMetric(await scrape(victim.metricsUrl), 'tq_stale_acks_total') > 0,
          'a refused acknowledgement on the cut-off worker',
          10_000,
        );
        const refusedAfterBlackhole = sumMetric(await scrape(victim.metricsUrl), 'tq_stale_acks_total');

        await sleep(2000);
        const resetAt = Date.now();
        proxy.setMode('reset');
        await sleep(RESET_MS);
        proxy.setMode('pass');
        const summary = await load.finished();
        const drainMs = await stack.drain(60_000);

        const effects = stack.records('effects');
        const starts = stack.records('starts');
        const victimStartsAfterHeal = starts.filter(
          (e) => e.pid === victim.pid && e.at > healedAt && e.at < resetAt,
        );
        const victimStartsAfterReset = starts.filter(
          (e) => e.pid === victim.pid && e.at > resetAt + RESET_MS,
        );
        const victimInFlight = starts.filter(
          (e) =>
            e.pid === victim.pid &&
            e.at < cutAt &&
            !effects.some((f) => f.pid === e.pid && f.id === e.id && f.at < cutAt),
        );
        const metrics = await scrape(victim.metricsUrl);
        const refusedLogs = victim
          .entries()
          .filter((e) => typeof e.msg === 'string' && e.msg.startsWith('acknowledgement refused')).length;
        const { check, invariants } = await stack.judge(s);
        s.measure('blackhole ms', BLACKHOLE_MS);
        s.measure('lease (visibility) ms', TIMINGS.visibilityMs);
        s.measure(
          'refused acknowledgements on the cut-off worker after the blackhole',
          refusedAfterBlackhole,
        );
        s.measure('tq_stale_acks_total by operation (end)', {
          complete: sumMetric(metrics, 'tq_stale_acks_total', { operation: 'complete' }),
          fail: sumMetric(metrics, 'tq_stale_acks_total', { operation: 'fail' }),
          extend: sumMetric(metrics, 'tq_stale_acks_total', { operation: 'extend' }),
          release: sumMetric(metrics, 'tq_stale_acks_total', { operation: 'release' }),
        });
        s.measure('"acknowledgement refused" warn lines', refusedLogs);
        s.measure(
          'handlers aborted locally (lease not extended for a whole lease)',
          victim.entries().filter((e) => typeof e.msg === 'string' && e.msg.startsWith('lease not extended'))
            .length,
        );
        s.measure('proxy connections accepted / reset', `${proxy.accepted} / ${proxy.resets}`);
        s.measure('cut-off worker: attempts begun between heal and reset', victimStartsAfterHeal.length);
        s.measure('cut-off worker: attempts begun after the resets', victimStartsAfterReset.length);
        s.measure('attempts in flight on the cut-off worker at the cut', victimInFlight.length);
        s.measure('duplicated values', check.duplicated.length);
        s.measure('load', summary);
        s.measure('drain ms', drainMs);

        expect(check.lost).toEqual([]);
        expect(check.unexpected).toEqual([]);
        expect(invariants.violations).toEqual([]);
        expect(refusedAfterBlackhole).toBeGreaterThan(0);
        expect(refusedLogs).toBeGreaterThan(0);
        // The victim comes back: it works again after each fault, without a restart.
        expect(victim.running).toBe(true);
        expect(victimStartsAfterHeal.length).toBeGreaterThan(0);
        expect(victimStartsAfterReset.length).toBeGreaterThan(0);
        // Only what the victim ran around the cut can have run twice.
        const victimValues = new Set(effects.filter((e) => e.pid === victim.pid).map((e) => e.value));
        for (const { value } of check.duplicated) expect(victimValues.has(value)).toBe(true);
      }));
  },
);

/** Attempts the worker `pid` has begun and not yet performed. */
function inFlight(stack: ChaosStack, pid: number): number {
  const done = new Set(
    stack
      .records('effects')
      .filter((e) => e.pid === pid)
      .map((e) => `${e.id}/${e.attempt}`),
  );
  return stack.records('starts').filter((e) => e.pid === pid && !done.has(`${e.id}/${e.attempt}`)).length;
}
