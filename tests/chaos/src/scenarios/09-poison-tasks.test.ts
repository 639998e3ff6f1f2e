import { scenario, size } from '../harness/scenario';
import { ChaosStack, TIMINGS } from '../harness/stack';
import { summarize } from '../harness/stats';

/** Claim after the retry falls due: the wake-up, the promote and the claim, on a busy machine. */
const EPSILON_MS = 400;
const THROWERS = [1_000_003, 1_000_050, 1_000_120];
const CRASHER = 1_000_040;

scenario(
  {
    id: '09a-poison-throw',
    title: 'poison tasks that throw on every attempt',
    guarantees: [
      '§2.5 poison tasks end dead after maxAttempts, with their error history, and the queue flows',
    ],
    ci: true,
    noLossPromised: true,
  },
  (s) => {
    const stack = ChaosStack.create(s.meta.id);
    afterAll(() => stack.close());

    it('retries with bounded backoff, then dead-letters with the history; the others complete', () =>
      s.run(async () => {
        const maxAttempts = 4;
        await stack.startRedis();
        await stack.startApi();
        await stack.startReaper();
        await stack.workerPool(2);
        const load = stack.load({
          count: size(150, 300),
          ratePerSec: 50,
          msRange: [20, 200],
          maxAttempts,
          specials: Object.fromEntries(THROWERS.map((v) => [v, { mode: 'throw' }])),
        });
        const summary = await load.finished();
        const drainMs = await stack.drain(60_000);
        const { check, invariants } = await stack.judge(s);
        const dead = await stack.deadTasks();
        const starts = stack.records('starts');

        // Attempt n+1 begins at most min(cap, base * 2^(n-1)) (full jitter) after attempt n failed.
        const lateness: number[] = [];
        for (const value of THROWERS) {
          const begun = starts.filter((x) => x.value === value).sort((a, b) => a.attempt - b.attempt);
          expect(begun.map((x) => x.attempt)).toEqual([1, 2, 3, 4]);
          for (let n = 1; n < begun.length; n++) {
            const ceiling = Math.min(TIMINGS.backoffCapMs, TIMINGS.backoffBaseMs * 2 ** (n - 1));
            lateness.push(begun[n]!.at - begun[n - 1]!.at - ceiling);
          }
        }
        s.measure('poison values (throw)', THROWERS);
        s.measure(
          'dead letters',
          dead.map((t) => ({
            value: (JSON.parse(t.payload) as { value: number }).value,
            reason: t.deadReason,
            attempt: t.attempt,
            errors: t.errors.length,
          })),
        );
        s.measure('retry gap minus backoff ceiling, ms (≤ ε = 400 expected)', summarize(lateness));
        s.measure('load', summary);
        s.measure('drain ms', drainMs);

        expect(check.lost).toEqual([]);
        expect(check.unexpected).toEqual([]);
        expect(check.duplicated).toEqual([]);
        expect(invariants.violations).toEqual([]);
        expect((await stack.deadValues()).sort()).toEqual([...THROWERS].sort());
        expect(check.performed).toBe(summary.ok - THROWERS.length);
        for (const task of dead) {
          expect(task).toMatchObject({ status: 'dead', deadReason: 'max_attempts', attempt: maxAttempts });
          expect(task.errors.map((e) => e.attempt)).toEqual([1, 2, 3, 4]);
          expect(task.lastError).toMatch(/poison value \d+ throws \(attempt 4\)/);
        }
        expect(Math.max(...lateness)).toBeLessThanOrEqual(EPSILON_MS);
      }));
  },
);

scenario(
  {
    id: '09b-poison-crash',
    title: 'a poison task that SIGKILLs its worker on every attempt',
    guarantees: [
      '§2.5 attempts counted at claim: a task that crashes its worker ends dead (lease_expired)',
      '§2.1 no loss',
    ],
    ci: true,
    noLossPromised: true,
  },
  (s) => {
    const stack = ChaosStack.create(s.meta.id);
    afterAll(() => stack.close());

    it('dead after maxAttempts worker deaths; the rest complete', () =>
      s.run(async () => {
        const maxAttempts = 3;
        await stack.startRedis();
        await stack.startApi();
        await stack.startReaper();
        const pool = await stack.workerPool(3);
        const load = stack.load({
          count: size(150, 300),
          ratePerSec: 50,
          msRange: [20, 200],
          maxAttempts,
          specials: { [CRASHER]: { mode: 'crash' } },
        });
        const summary = await load.finished();
        const drainMs = await stack.drain(60_000);
        const deaths = pool.otherDeaths;
        const crashedPids = new Set(pool.everyone.filter((w) => !w.running).map((w) => w.pid));
        await pool.stop();
        const { check, invariants } = await stack.judge(s);
        const dead = await stack.deadTasks();
        const task = dead.find((t) => (JSON.parse(t.payload) as { value: number }).value === CRASHER);
        const collateral = dead.filter((t) => t !== task);
        const starts = stack.records('starts');
        s.measure('worker deaths caused by the poison task', deaths);
        s.measure(
          'dead letter',
          task && {
            reason: task.deadReason,
            attempt: task.attempt,
            errors: task.errors.map((e) => `${e.attempt}: ${e.error}`),
          },
        );
        s.measure(
          'collateral: innocent tasks dead-lettered with it (in flight on its workers at every crash)',
          collateral.length,
        );
        s.measure('duplicated values (tasks in flight on the crashed workers)', check.duplicated.length);
        s.measure('load', summary);
        s.measure('drain ms', drainMs);
        if (collateral.length > 0)
          s.note(
            `${collateral.length} innocent tasks were claimed next to the poison task on each of its ${maxAttempts} attempts (recovered together, claimed together again) and went dead with it: see docs/guarantees.md`,
          );

        expect(check.lost).toEqual([]);
        expect(check.unexpected).toEqual([]);
        expect(invariants.violations).toEqual([]);
        expect(task).toMatchObject({ status: 'dead', deadReason: 'lease_expired', attempt: maxAttempts });
        expect(deaths).toBe(maxAttempts);
        // Any other dead task died with the poison task every time: it never ran on a surviving worker.
        for (const t of collateral) {
          expect(t).toMatchObject({ deadReason: 'lease_expired', attempt: maxAttempts });
          const ran = starts.filter((x) => x.id === t.id);
          expect(ran.every((x) => crashedPids.has(x.pid))).toBe(true);
        }
        expect(check.performed + collateral.length).toBe(summary.ok - 1);
      }));
  },
);
