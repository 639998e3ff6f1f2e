import { killedAttempts } from '../harness/recovery';
import { scenario, size } from '../harness/scenario';
import { ChaosStack, TIMINGS } from '../harness/stack';
import { between, sleep, summarize } from '../harness/stats';

/** Reap script, wake-up and claim on a loaded 2-core machine. */
const EPSILON_MS = 500;
/** DESIGN §2.4: runnable again within visibility timeout + reaper interval (jittered up to +20%). */
const BOUND_MS = TIMINGS.visibilityMs + TIMINGS.reaperIntervalMs * 1.2 + EPSILON_MS;

scenario(
  {
    id: '01-worker-sigkill',
    title: 'workers (and the API) SIGKILLed repeatedly under load',
    guarantees: ['§2.1 no loss (worker and API kills)', '§2.4 bounded recovery', '§2.3 atomic transitions'],
    ci: true,
    noLossPromised: true,
  },
  (s) => {
    const stack = ChaosStack.create(s.meta.id);
    afterAll(() => stack.close());

    it('loses nothing, and every killed task is runnable again within the bound', () =>
      s.run(async () => {
        const durationMs = size(12_000, 25_000);
        await stack.startRedis({ appendonly: true, appendfsync: 'always' });
        await stack.startApi();
        await stack.startReaper();
        const pool = await stack.workerPool(3);
        const load = stack.load({
          ratePerSec: size(100, 150),
          durationMs,
          msRange: [100, 800],
          maxAttempts: 10,
        });

        // The monkey: a random worker every 1.5-2.5 s (the supervisor respawns it), the API twice. Counted,
        // not timed: on a loaded machine a restarted API or worker can take seconds to come up, and a
        // time-boxed loop then kills too few to prove anything.
        const workerKills = size(4, 9);
        const apiKillsAfter = [0.35, 0.7].map((f) => Math.floor(f * workerKills));
        let apiKills = 0;
        for (let i = 0; i < workerKills; i++) {
          await sleep(between(1500, 2500));
          await stack.until(
            undefined,
            () => [...pool.current].some((w) => w.running),
            'a live worker to kill',
          );
          await pool.killRandom();
          if (apiKills < apiKillsAfter.length && i >= apiKillsAfter[apiKills]!) {
            const api = stack.services.filter((x) => x.kind === 'api' && x.running)[0]!;
            await api.kill();
            apiKills++;
            await stack.startApi({}, `api-${apiKills + 1}`);
          }
        }
        const summary = await load.finished();
        const drainMs = await stack.drain(60_000);
        await pool.stop();

        const { check, invariants } = await stack.judge(s);
        const killed = await killedAttempts(await stack.queueHandle(), pool.kills, stack.records('starts'));
        const recovery = summarize(killed.map((k) => k.recoveryMs));
        const rerun = summarize(killed.flatMap((k) => (k.rerunMs === undefined ? [] : [k.rerunMs])));
        const killedValues = new Set(killed.map((k) => k.value));
        const killedPids = new Set(pool.kills.map((k) => k.pid));
        const effects = stack.records('effects');
        s.measure('worker SIGKILLs', pool.kills.length);
        s.measure('API SIGKILLs', apiKills);
        s.measure('load', summary);
        s.measure('attempts in flight on killed workers', killed.length);
        s.measure('recovery ms (kill → reaper requeued, Redis time)', recovery);
        s.measure('rerun ms (kill → next attempt started)', rerun);
        s.measure('recovery bound ms (visibility + 1.2 × reaper interval + ε)', BOUND_MS);
        s.measure('duplicated values', check.duplicated.length);
        s.measure('drain ms', drainMs);

        expect(check.lost).toEqual([]);
        expect(check.unexpected).toEqual([]);
        expect(invariants.violations).toEqual([]);
        expect(pool.kills.length).toBe(workerKills);
        expect(apiKills).toBe(2);
        expect(killed.length).toBeGreaterThan(0);
        expect(recovery.max).toBeLessThanOrEqual(BOUND_MS);
        // A duplicate is a killed attempt whose effect was done but whose acknowledgement never went out.
        for (const { value } of check.duplicated) {
          expect(killedValues.has(value)).toBe(true);
          expect(effects.some((e) => e.value === value && killedPids.has(e.pid))).toBe(true);
        }
        // Nothing dead: 10 attempts are far more than the kills any one task can meet.
        expect(check.deadLettered).toBe(0);
      }));
  },
);
