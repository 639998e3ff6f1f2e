import { outcomes } from '../harness/load';
import { scenario } from '../harness/scenario';
import { startSentinelSetup } from '../harness/sentinel';
import { ChaosStack, needsOneRedisServer } from '../harness/stack';
import { sleep } from '../harness/stats';
import { waitFor } from '@tq/testing';

scenario(
  {
    id: '06-sentinel-failover',
    title: 'Sentinel failover: the primary SIGKILLed under load',
    guarantees: [
      '§2.1 scope: across an async-replica failover loss is possible; measured and reported',
      'DESIGN §7: stays available with Sentinel',
    ],
    ci: false,
    noLossPromised: false,
    unavailable: () => needsOneRedisServer('replicates and fails over (Sentinel)'),
  },
  (s) => {
    const stack = ChaosStack.create(s.meta.id);
    afterAll(() => stack.close());

    it('fails over to the replica; every service follows without a restart; the loss is measured', () =>
      s.run(async () => {
        const setup = await startSentinelSetup({ appendonly: true, appendfsync: 'always' });
        stack.onClose(() => setup.stop());
        stack.redisUrl = setup.url;
        const api = await stack.startApi();
        const reaper = await stack.startReaper();
        const pool = await stack.workerPool(3);
        const load = stack.load({ ratePerSec: 100, durationMs: 16_000, msRange: [50, 500] });

        await sleep(4000);
        const killedAt = Date.now();
        await setup.primary.kill('SIGKILL');
        const promotedPort = await waitFor(
          async () => {
            const port = await setup.masterPort();
            return port === setup.replica.port ? port : undefined;
          },
          { timeoutMs: 30_000, intervalMs: 50, message: 'Sentinel promotes the replica' },
        );
        const promotedAt = Date.now();
        const summary = await load.finished();
        const drainMs = await stack.drain(60_000);
        const services = [api, reaper, ...pool.everyone];
        const exited = services.filter((x) => !x.running).map((x) => x.name);
        await pool.stop();

        const { check, invariants } = await stack.judge(s);
        const answered = outcomes(stack.history());
        const firstOkAfter = Math.min(
          ...answered.filter((h) => h.op === 'ok' && h.t0! > killedAt).map((h) => h.t1!),
        );
        const lastOkBefore = Math.max(
          ...answered.filter((h) => h.op === 'ok' && h.t1! < killedAt).map((h) => h.t1!),
        );
        const effects = stack.records('effects');
        const performedAfter = effects.filter((e) => e.at > promotedAt).length;
        s.measure('failover ms (kill → Sentinel names the replica)', promotedAt - killedAt);
        s.measure(
          'write gap ms (kill → first 2xx of a request sent after the kill)',
          firstOkAfter - killedAt,
        );
        s.measure('last 2xx before the kill, ms before it', killedAt - lastOkBefore);
        s.measure('load', summary);
        s.measure('lost acknowledged tasks', check.lost.length);
        s.measure('lost values', check.lost);
        s.measure('duplicated values', check.duplicated.length);
        s.measure('tasks performed after the failover', performedAfter);
        s.measure('processes that exited', exited);
        s.measure('drain ms', drainMs);
        if (check.lost.length > 0)
          s.note(
            `the failover lost ${check.lost.length} acknowledged tasks (asynchronous replication): documented, not hidden`,
          );

        expect(promotedPort).toBe(setup.replica.port);
        expect(exited).toEqual([]);
        expect(performedAfter).toBeGreaterThan(0);
        expect(check.unexpected).toEqual([]);
        expect(invariants.violations).toEqual([]);
      }));
  },
);
