import { scrape, sumMetric } from '../harness/metrics';
import { scenario, size } from '../harness/scenario';
import { ChaosStack } from '../harness/stack';
import { sleep, summarize } from '../harness/stats';

const SHUTDOWN_TIMEOUT_MS = 3000;
/** Every LONG_EVERY-th task outlives the shutdown timeout: it must be released, not lost or doubled. */
const LONG_EVERY = 50;
const LONG_MS = 4500;

scenario(
  {
    id: '02-worker-sigterm',
    title: 'workers SIGTERMed under load: graceful drain',
    guarantees: [
      '§2.1 no loss',
      'DESIGN §4 worker: SIGTERM finishes in-flight work, releases the rest, exits 0',
    ],
    ci: true,
    noLossPromised: true,
  },
  (s) => {
    const stack = ChaosStack.create(s.meta.id);
    afterAll(() => stack.close());

    it('exits 0 within the timeout, performs every task once, and releases what outlives the timeout', () =>
      s.run(async () => {
        const durationMs = size(10_000, 20_000);
        await stack.startRedis();
        await stack.startApi();
        const reaper = await stack.startReaper();
        const pool = await stack.workerPool(3, { SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) });
        const specials: Record<string, Record<string, unknown>> = {};
        for (let v = 1; v <= 10_000; v += LONG_EVERY) specials[String(1_000_000 + v)] = { ms: LONG_MS };
        const load = stack.load({ ratePerSec: 80, durationMs, msRange: [100, 1500], specials });

        // A SIGTERM every 1.5 s to a random worker; the supervisor starts a replacement once it exits.
        // Counted, not timed: on a loaded machine a replacement can take seconds to start, so each
        // SIGTERM waits for a started worker rather than being skipped.
        const sigterms = size(5, 10);
        const terminations: Promise<unknown>[] = [];
        for (let i = 0; i < sigterms; i++) {
          await sleep(1500);
          await stack.until(undefined, () => pool.terminable().length > 0, 'a started worker to SIGTERM');
          // Preferably a worker running a long task, which must then be released.
          const running = runningLong(stack);
          terminations.push(pool.terminateRandom((w) => running.has(w.pid)));
        }
        await Promise.all(terminations);
        const summary = await load.finished();
        const drainMs = await stack.drain(60_000);
        const recoveredByReaper = sumMetric(await scrape(reaper.metricsUrl), 'tq_tasks_recovered_total');
        const released = pool.everyone.reduce(
          (n, w) => n + w.entries().filter((e) => e.msg === 'task released to pending (shutdown)').length,
          0,
        );
        await pool.stop();

        const { check, invariants } = await stack.judge(s);
        s.measure('SIGTERMs', pool.terminations.length);
        s.measure('exit codes', [...new Set(pool.terminations.map((t) => t.exit.code))]);
        s.measure('SIGTERM → exit ms', summarize(pool.terminations.map((t) => t.exitMs)));
        s.measure('shutdown timeout ms', SHUTDOWN_TIMEOUT_MS);
        s.measure('tasks released at shutdown (no attempt spent)', released);
        s.measure('tasks recovered by the reaper (lease expiry)', recoveredByReaper);
        s.measure('load', summary);
        s.measure('drain ms', drainMs);

        expect(check.lost).toEqual([]);
        expect(check.unexpected).toEqual([]);
        expect(check.duplicated).toEqual([]);
        expect(invariants.violations).toEqual([]);
        expect(pool.terminations.length).toBe(sigterms);
        for (const t of pool.terminations) {
          expect(t.exit).toMatchObject({ code: 0, signal: null });
          expect(t.exitMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 1000);
        }
        expect(released).toBeGreaterThan(0);
        expect(recoveredByReaper).toBe(0);
      }));
  },
);

/** Pids of workers running a long task right now (begun, not performed). */
function runningLong(stack: ChaosStack): Set<number> {
  const performed = new Set(stack.records('effects').map((e) => `${e.id}/${e.attempt}`));
  const long = stack
    .records('starts')
    .filter((x) => (x.value - 1_000_001) % LONG_EVERY === 0 && !performed.has(`${x.id}/${x.attempt}`));
  return new Set(long.map((x) => x.pid));
}
