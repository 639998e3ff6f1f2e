import { scrape, sumMetric } from '../harness/metrics';
import { scenario } from '../harness/scenario';
import { ChaosStack, TIMINGS } from '../harness/stack';

/** Long enough for the lease to expire and the reaper to hand the task to another worker meanwhile. */
const BLOCK_MS = 2 * TIMINGS.visibilityMs;
const MAX_ATTEMPTS = 3;
const ONCE = 1_000_005; // blocks on its first attempt only
const ALWAYS = 1_000_010; // blocks on every attempt

scenario(
  {
    id: '08-blocked-event-loop',
    title: 'a handler that blocks the event loop past its lease',
    guarantees: [
      "§2.2 fencing: the blocked attempt's acknowledgement is refused",
      '§2.5 a task that always stalls ends dead (lease_expired)',
    ],
    ci: false,
    noLossPromised: true,
  },
  (s) => {
    const stack = ChaosStack.create(s.meta.id);
    afterAll(() => stack.close());

    it('redelivers the task, refuses the original acknowledgement, and ends done or dead', () =>
      s.run(async () => {
        await stack.startRedis();
        await stack.startApi();
        await stack.startReaper();
        const workers = [
          await stack.startWorker('worker-a', { WORKER_CONCURRENCY: '4' }),
          await stack.startWorker('worker-b', { WORKER_CONCURRENCY: '4' }),
          await stack.startWorker('worker-c', { WORKER_CONCURRENCY: '4' }),
        ];
        const load = stack.load({
          count: 60,
          ratePerSec: 10,
          msRange: [100, 400],
          maxAttempts: MAX_ATTEMPTS,
          specials: {
            // ms 0: the handler returns right after the block, so its completion goes out at once.
            [ONCE]: { mode: 'block', blockMs: BLOCK_MS, fastFromAttempt: 2, ms: 0 },
            [ALWAYS]: { mode: 'block', blockMs: BLOCK_MS, ms: 0 },
          },
        });
        const summary = await load.finished();
        const drainMs = await stack.drain(60_000);
        const history = stack.history();
        const idOf = (value: number) => history.find((h) => h.value === value && h.op === 'ok')!.taskId!;
        const queue = await stack.queueHandle();
        const once = (await queue.getTask(idOf(ONCE)))!;
        const always = (await queue.getTask(idOf(ALWAYS)))!;
        const stale = (await Promise.all(workers.map((w) => scrape(w.metricsUrl)))).map((m) => ({
          complete: sumMetric(m, 'tq_stale_acks_total', { operation: 'complete' }),
          all: sumMetric(m, 'tq_stale_acks_total'),
        }));
        const { check, invariants } = await stack.judge(s);
        const effects = stack.records('effects');

        s.measure('block ms (event loop) vs lease ms', `${BLOCK_MS} vs ${TIMINGS.visibilityMs}`);
        s.measure('blocked once: status, attempt, history', {
          status: once.status,
          attempt: once.attempt,
          errors: once.errors.map((e) => `${e.attempt}: ${e.error}`),
        });
        s.measure('blocked always: status, reason, attempt', {
          status: always.status,
          deadReason: always.deadReason,
          attempt: always.attempt,
          errors: always.errors.length,
        });
        s.measure(
          'refused completions per worker',
          stale.map((x) => x.complete),
        );
        s.measure(
          'effects of the blocked-once task (its blocked attempt performed too)',
          effects.filter((e) => e.value === ONCE).length,
        );
        expect(
          effects
            .filter((e) => e.value === ONCE)
            .map((e) => e.attempt)
            .sort(),
        ).toEqual([1, 2]);
        s.measure(
          'neighbours (normal tasks) dead-lettered with the always-blocking one',
          check.deadLettered - 1,
        );
        s.measure('duplicated values', check.duplicated.length);
        s.measure('load', summary);
        s.measure('drain ms', drainMs);

        expect(check.lost).toEqual([]);
        expect(check.unexpected).toEqual([]);
        expect(invariants.violations).toEqual([]);
        expect(once).toMatchObject({ status: 'done', attempt: 2 });
        expect(once.errors).toMatchObject([{ attempt: 1, error: expect.stringMatching(/lease expired/) }]);
        expect(always).toMatchObject({ status: 'dead', deadReason: 'lease_expired', attempt: MAX_ATTEMPTS });
        // Each blocked attempt finished its handler and tried to complete: refused, every time.
        expect(stale.reduce((n, x) => n + x.complete, 0)).toBeGreaterThanOrEqual(1 + MAX_ATTEMPTS);
        // The tasks claimed with a blocking one stall with it and lose their leases too; recovered together,
        // they are claimed together again, so a neighbour may also spend its attempts: dead, never lost.
        const dead = (
          await Promise.all(queue.partitions.map((p) => p.listTasks('dead', { limit: 100 })))
        ).flatMap((page) => page.tasks);
        expect(dead.map((t) => t.id)).toContain(always.id);
        for (const t of dead) expect(t.deadReason).toBe('lease_expired');
      }));
  },
);
