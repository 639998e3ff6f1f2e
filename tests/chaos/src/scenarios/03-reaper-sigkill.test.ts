import { scanInvariants } from '../harness/invariants';
import { scrape, sumMetric } from '../harness/metrics';
import { scenario, size } from '../harness/scenario';
import { ChaosStack } from '../harness/stack';

/** Small batches make a pass many script calls long, so a kill lands mid-pass. */
const REAPER_ENV = { REAPER_BATCH_SIZE: '10', REAPER_INTERVAL_MS: '250' };
const LEASE_MS = 1000;

scenario(
  {
    id: '03-reaper-sigkill',
    title: 'reaper SIGKILLed mid-pass over thousands of expired leases, then two reapers at once',
    guarantees: [
      '§2.1 no loss (reaper kill)',
      '§2.3 atomic transitions',
      '§2.4 recovery by several reapers, once each',
    ],
    ci: false,
    noLossPromised: true,
  },
  (s) => {
    const stack = ChaosStack.create(s.meta.id);
    afterAll(() => stack.close());

    it('recovers every expired lease exactly once, whatever reaper dies', () =>
      s.run(async () => {
        const n = size(2000, 5000);
        await stack.startRedis();
        await stack.startApi();
        // Every task sleeps a minute on its first attempt (it will be stuck on the paused worker).
        const load = stack.load({
          count: n,
          concurrency: 100,
          msRange: [60_000, 60_000],
          payloadExtra: { fastFromAttempt: 2 },
        });
        const summary = await load.finished();
        expect(summary.ok).toBe(n);

        // One worker claims everything, then freezes: n leases that will expire with their owner alive.
        const frozen = await stack.startWorker('frozen-worker', {
          WORKER_CONCURRENCY: String(n),
          CLAIM_BATCH: '1000',
          VISIBILITY_TIMEOUT_MS: String(LEASE_MS),
        });
        await stack.until(
          frozen,
          async () => (await stack.stats()).counts.running === n,
          'all tasks claimed',
          30_000,
        );
        frozen.signal('SIGSTOP');
        const expired = await stack.until(
          undefined,
          async () => (await stack.stats()).expiredLeases === n,
          'every lease expired',
          10_000,
        );
        expect(expired).toBe(true);

        // Reaper A dies in the middle of its first pass.
        const a = await stack.startReaper(REAPER_ENV, { name: 'reaper-a', wait: false });
        await stack.until(
          a,
          async () => (await stack.stats()).counts.pending > 0,
          'reaper-a recovering',
          15_000,
        );
        const killedAt = Date.now();
        await a.kill();
        const afterKill = await stack.stats();
        const byA = afterKill.counts.pending;
        const midPass = await scanInvariants(stack.redisClient(), stack.queue);
        s.measure('expired leases', n);
        s.measure('recovered by reaper A before its SIGKILL', byA);
        s.measure('invariant violations right after the kill', midPass.violations.length);
        expect(midPass.violations).toEqual([]);
        expect(afterKill.counts.pending + afterKill.counts.running).toBe(n);
        expect(byA).toBeGreaterThan(0);
        expect(byA).toBeLessThan(n); // the kill came mid-pass

        // Reapers B and C together finish the job.
        const [b, c] = await Promise.all([
          stack.startReaper(REAPER_ENV, { name: 'reaper-b' }),
          stack.startReaper(REAPER_ENV, { name: 'reaper-c' }),
        ]);
        await stack.until(
          undefined,
          async () => (await stack.stats()).counts.running === 0,
          'all recovered',
          30_000,
        );
        const finishedAt = Date.now();
        const [byB, byC] = await Promise.all(
          [b, c].map(async (r) => sumMetric(await scrape(r.metricsUrl), 'tq_tasks_recovered_total')),
        );
        s.measure('recovered by reaper B', byB);
        s.measure('recovered by reaper C', byC);
        s.measure('reaper A kill → all recovered by B and C, ms', finishedAt - killedAt);
        expect(byA + byB! + byC!).toBe(n);

        // Exactly once: each task was recovered by one reaper (one "lease expired" entry, attempt 1).
        const queue = await stack.queueHandle();
        const ids = stack.history().flatMap((h) => (h.op === 'ok' && h.taskId ? [h.taskId] : []));
        let twice = 0;
        for (const id of ids) {
          const task = (await queue.getTask(id))!;
          const recoveries = task.errors.filter((e) => /lease expired/.test(e.error)).length;
          if (task.status !== 'pending' || task.attempt !== 1 || recoveries !== 1) twice++;
        }
        s.measure('tasks not recovered exactly once', twice);
        expect(twice).toBe(0);
        const scan = await scanInvariants(stack.redisClient(), stack.queue);
        expect(scan.violations).toEqual([]);
        expect(scan.byState).toEqual({ pending: n });

        // The frozen worker wakes up: it must see its leases are gone and never acknowledge them.
        frozen.signal('SIGCONT');
        await stack.startWorker('worker-2');
        const drainMs = await stack.drain(60_000);
        s.measure('drain ms (attempt 2 of every task)', drainMs);
        const staleOnFrozen = sumMetric(await scrape(frozen.metricsUrl), 'tq_stale_acks_total');
        s.measure('refused acknowledgements on the woken worker', staleOnFrozen);
        const { check, invariants } = await stack.judge(s);
        expect(check.lost).toEqual([]);
        expect(check.unexpected).toEqual([]);
        expect(check.duplicated).toEqual([]);
        expect(invariants.violations).toEqual([]);
        expect(stack.records('effects').every((e) => e.attempt === 2)).toBe(true);
      }));
  },
);
