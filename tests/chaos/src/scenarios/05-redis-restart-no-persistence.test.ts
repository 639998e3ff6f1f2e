import { check } from '../harness/checker';
import { enqueueRecords, readHistory } from '../harness/load';
import { scrape, sumMetric } from '../harness/metrics';
import { scenario } from '../harness/scenario';
import { ChaosStack, needsOneRedisServer } from '../harness/stack';
import { sleep, summarize } from '../harness/stats';

const LOSS_LOG = /^Redis lost its data/;

scenario(
  {
    id: '05-redis-restart-no-persistence',
    title: 'Redis SIGKILLed and restarted WITHOUT persistence under load',
    guarantees: [
      '§2.1 scope: without persistence loss is possible: detected (metric + error log), never hidden',
      'every process recovers without a restart',
    ],
    ci: false,
    noLossPromised: false,
    unavailable: () => needsOneRedisServer('SIGKILLs and restarts'),
  },
  (s) => {
    const stack = ChaosStack.create(s.meta.id);
    afterAll(() => stack.close());

    it('detects and reports the loss in every service, which all keep working without a restart', () =>
      s.run(async () => {
        const redis = await stack.startRedis(); // --save '' --appendonly no
        const api = await stack.startApi();
        const reaper = await stack.startReaper();
        // Slower workers than the load, so a backlog is in Redis when it dies.
        const pool = await stack.workerPool(3, { WORKER_CONCURRENCY: '5' });
        const before = stack.load({ ratePerSec: 40, durationMs: 8000, msRange: [200, 1500] });

        await sleep(5000);
        const killedAt = Date.now();
        await redis.kill('SIGKILL');
        await sleep(1000);
        await redis.restart();
        const restartedAt = Date.now();
        const services = [api, reaper, ...pool.everyone];
        await stack.until(
          undefined,
          () => services.every((x) => x.logged(LOSS_LOG)),
          'every service logs the loss',
          15_000,
        );
        const detectionMs = services.map((x) => {
          const line = x.entries().find((e) => typeof e.msg === 'string' && LOSS_LOG.test(e.msg))!;
          return Date.parse(String(line.time)) - restartedAt;
        });
        const lossMetric = await Promise.all(
          services.map(async (x) => sumMetric(await scrape(x.metricsUrl), 'tq_redis_data_loss_total')),
        );
        const beforeSummary = await before.finished();

        // After the loss: new tasks must flow, with nothing lost.
        const after = stack.load({ count: 300, ratePerSec: 60, msRange: [20, 200] });
        const afterSummary = await after.finished();
        const drainMs = await stack.drain(60_000);
        const exited = services.filter((x) => !x.running).map((x) => x.name);
        await pool.stop();

        const { check: all, invariants } = await stack.judge(s);
        const afterCheck = check(
          enqueueRecords(readHistory(after.config.out)),
          stack.records('effects'),
          await stack.deadValues(),
        );
        const beforeHistory = readHistory(before.config.out);
        const createdAt = new Map(
          beforeHistory.flatMap((h) => (h.op === 'ok' ? [[h.value, h.createdAt!] as const] : [])),
        );
        const lostStoredBeforeKill = all.lost.filter((v) => createdAt.get(v)! <= killedAt).length;
        s.measure('acknowledged before the kill and lost with the data', lostStoredBeforeKill);
        s.measure('lost in total (acknowledged, neither performed nor dead)', all.lost.length);
        s.measure('load before / during the restart', beforeSummary);
        s.measure('load after the restart', afterSummary);
        s.measure('lost among tasks submitted after the restart', afterCheck.lost.length);
        s.measure(
          'services that logged "Redis lost its data"',
          `${services.filter((x) => x.logged(LOSS_LOG)).length} of ${services.length}`,
        );
        s.measure('restart → "Redis lost its data" logged, ms per service', summarize(detectionMs));
        s.measure('tq_redis_data_loss_total per service (api, reaper, workers)', lossMetric);
        s.measure('processes that exited', exited);
        s.measure('drain ms', drainMs);
        s.note(
          `without persistence a Redis restart lost ${all.lost.length} acknowledged tasks: documented loss, detected by every service`,
        );

        expect(lossMetric.every((n) => n >= 1)).toBe(true);
        expect(exited).toEqual([]);
        // Connection errors during the outage are logged as JSON, never printed raw by ioredis.
        expect(
          services.flatMap((x) => x.plainLines().map((line) => `[${x.name}] ${line}`)).slice(0, 5),
        ).toEqual([]);
        expect(afterSummary.ok).toBe(300);
        expect(afterCheck.lost).toEqual([]);
        expect(all.unexpected).toEqual([]);
        expect(invariants.violations).toEqual([]);
        // Only what Redis held at the kill can be gone.
        expect(all.lost.length).toBe(lostStoredBeforeKill);
      }));
  },
);
