import { scrape, sumMetric } from '../harness/metrics';
import { scenario, size } from '../harness/scenario';
import { ChaosStack } from '../harness/stack';
import { libfaketime, skewedClockEnv } from '../harness/tools';

const meta = {
  id: '12-clock-skew',
  title: 'worker and reaper clocks skewed by ±10 minutes (libfaketime)',
  guarantees: [
    '§2.4 / DESIGN §3: lease deadlines come from Redis TIME, so skewed service clocks reap nothing early',
  ],
  ci: false,
  noLossPromised: true,
  unavailable: () => libfaketime().reason,
};

scenario(meta, (s) => {
  const stack = ChaosStack.create(s.meta.id);
  afterAll(() => stack.close());

  it('reaps nothing early and runs every task exactly once', async () => {
    const lib = libfaketime(); // found: meta.unavailable checked it when the file was collected
    await s.run(async () => {
      // redis-server keeps the real time (it crashes under libfaketime); only the Node services skew.
      await stack.startRedis();
      await stack.startApi();
      const reaper = await stack.startReaper({}, { wrapperEnv: skewedClockEnv(lib.path!, '+10m') });
      const ahead = await stack.startWorker(
        'worker-ahead',
        {},
        { wrapperEnv: skewedClockEnv(lib.path!, '+10m') },
      );
      const behind = await stack.startWorker(
        'worker-behind',
        {},
        { wrapperEnv: skewedClockEnv(lib.path!, '-10m') },
      );
      const plain = await stack.startWorker('worker-plain');
      const skewMs = Date.parse(String(ahead.entries()[0]?.time)) - Date.now();
      s.measure('worker-ahead clock offset seen in its log, s', Math.round(skewMs / 1000));
      expect(skewMs).toBeGreaterThan(9 * 60_000);

      // Scenario 1's shape without the kills; tasks up to 2.5 leases long, so extends matter.
      const load = stack.load({ ratePerSec: 25, durationMs: size(10_000, 15_000), msRange: [100, 3500] });
      const summary = await load.finished();
      const drainMs = await stack.drain(60_000);
      const recovered = sumMetric(await scrape(reaper.metricsUrl), 'tq_tasks_recovered_total');
      const extended = (await Promise.all([ahead, behind, plain].map((w) => scrape(w.metricsUrl)))).map((m) =>
        sumMetric(m, 'tq_lease_extensions_total'),
      );
      const { check, invariants } = await stack.judge(s);
      s.measure('skews', {
        reaper: '+10m',
        'worker-ahead': '+10m',
        'worker-behind': '-10m',
        'worker-plain': '0',
      });
      s.measure('tasks recovered by the reaper (premature reaping)', recovered);
      s.measure('lease extensions per worker', extended);
      s.measure('duplicated values', check.duplicated.length);
      s.measure('load', summary);
      s.measure('drain ms', drainMs);
      const perWorker = [ahead, behind, plain].map(
        (w) => stack.records('effects').filter((e) => e.pid === w.pid).length,
      );
      s.measure('tasks performed per worker (ahead, behind, plain)', perWorker);

      expect(recovered).toBe(0);
      expect(check.duplicated).toEqual([]);
      expect(check.lost).toEqual([]);
      expect(check.unexpected).toEqual([]);
      expect(invariants.violations).toEqual([]);
      expect(perWorker.every((n) => n > 0)).toBe(true);
      expect(extended.every((n) => n > 0)).toBe(true);
    });
  });
});
