import { ScheduleStore, type ScheduleDefinition, type TaskRecord, type TaskStatus } from '@tq/core';
import { scenario, size } from '../harness/scenario';
import type { Service } from '../harness/service';
import { ChaosStack } from '../harness/stack';
import { between, sleep } from '../harness/stats';
import { maxInWindow, slotCoverage } from '../harness/windows';

/** The queue's limits: at most RATE_MAX starts in any window of RATE_PERIOD_MS, CONCURRENCY running at once. */
const RATE_MAX = 10;
const RATE_PERIOD_MS = 1000;
const CONCURRENCY = 5;
/** `*\/1 * * * * *`: a slot every whole second. */
const SLOT_MS = 1000;

/**
 * Two schedules on the limited queue: one fires every slot however late (a grace longer than the run), the
 * other folds slots missed by more than 1 s (all reapers down) into one run-once catch-up task.
 */
const SCHEDULES = [
  { id: 'every-second-late-ok', misfireGraceMs: 120_000 },
  { id: 'every-second-run-once', misfireGraceMs: 1000 },
];

scenario(
  {
    id: '14-cron-rate-limits-kills',
    title: 'cron schedules and a rate-limited queue while workers and reapers are SIGKILLed',
    guarantees: [
      'issue 14: each cron slot becomes exactly one task (or is folded into one run-once task), whatever reaper dies',
      'ADR 0028: at most max starts in any sliding window of periodMs, on Redis time, whatever worker dies',
      'ADR 0028: at most `concurrency` tasks running at once',
      '§2.1 no loss (worker and reaper kills)',
    ],
    ci: true,
    noLossPromised: true,
  },
  (s) => {
    const stack = ChaosStack.create(s.meta.id);
    afterAll(() => stack.close());

    it('loses and doubles no slot, and starts no more than the limit in any window', () =>
      s.run(async () => {
        const durationMs = size(8000, 20_000);
        await stack.startRedis({ appendonly: true, appendfsync: 'always' });
        await stack.startApi();
        const queue = await stack.queueHandle();
        await queue.setLimits({
          rate: { max: RATE_MAX, periodMs: RATE_PERIOD_MS },
          concurrency: CONCURRENCY,
        });
        // Every claim writes a `running` event (id: its Redis time): the list of claims, handler or not.
        for (const partition of queue.partitions) await partition.setEventsMode('on');
        const schedules = new ScheduleStore(stack.redisClient());
        const cursors = new Map<string, number>();
        for (const { id, misfireGraceMs } of SCHEDULES) {
          const def: ScheduleDefinition = {
            id: `${stack.queue}-${id}`,
            queue: stack.queue,
            cron: '*/1 * * * * *',
            timezone: 'UTC',
            task: { type: 'cron', payload: JSON.stringify({ ms: 50 }), priority: 0, maxAttempts: 10 },
            misfire: 'run-once',
            misfireGraceMs,
            overlap: 'allow',
            paused: false,
          };
          cursors.set(def.id, (await schedules.create(def)).cursor);
        }

        let reaperSeq = 0;
        const reapers = new Set<Service>();
        const startReaper = async () => {
          const r = await stack.startReaper({}, { name: `reaper-${++reaperSeq}` });
          reapers.add(r);
        };
        await Promise.all([startReaper(), startReaper()]);
        const pool = await stack.workerPool(3, { WORKER_CONCURRENCY: '10' });

        // The concurrency limit, sampled on Redis (the running set) while the run lasts.
        let maxRunning = 0;
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            const running = await stack.stats().then(
              (x) => x.counts.running,
              () => 0,
            );
            maxRunning = Math.max(maxRunning, running);
            await sleep(100);
          }
        })();

        // More than the limit lets start: the limiter holds a backlog the whole run.
        const load = stack.load({
          ratePerSec: size(14, 15),
          durationMs,
          msRange: [50, 400],
          maxAttempts: 10,
        });

        // The monkey, counted: a random worker every 1.5-2.5 s; every other round a reaper too (one of two,
        // so the other fires meanwhile); once, both reapers for 2.5 s (slots go late past the run-once
        // schedule's 1 s grace while no reaper runs).
        const rounds = size(4, 8);
        const bothDownAt = Math.floor(rounds / 2);
        let reaperKills = 0;
        let bothDownMs = 0;
        for (let i = 0; i < rounds; i++) {
          await sleep(between(1500, 2500));
          await stack.until(undefined, () => [...pool.current].some((w) => w.running), 'a live worker');
          await pool.killRandom();
          if (i === bothDownAt) {
            const down = Date.now();
            await Promise.all([...reapers].map((r) => r.kill()));
            reaperKills += reapers.size;
            reapers.clear();
            await sleep(2500);
            await Promise.all([startReaper(), startReaper()]);
            bothDownMs = Date.now() - down;
          } else if (i % 2 === 1) {
            const victim = [...reapers][Math.floor(Math.random() * reapers.size)]!;
            await victim.kill();
            reapers.delete(victim);
            reaperKills++;
            await startReaper();
          }
        }
        const summary = await load.finished();
        // Stop the schedules: their cursors then say which slots they have handled.
        for (const id of cursors.keys()) await schedules.update(id, { paused: true });
        const drainMs = await stack.drain(size(60_000, 120_000));
        sampling = false;
        await sampler;
        await pool.stop();

        const { check, invariants } = await stack.judge(s);
        const tasks = await allTasks(stack, ['done', 'dead']);

        // Slots: each schedule's tasks stand for every slot in (cursor at creation, cursor now] once.
        const coverage = await Promise.all(
          [...cursors].map(async ([id, from]) => {
            const record = (await schedules.get(id))!;
            const fired = tasks.flatMap((t) => (t.schedule?.id === id ? [t.schedule] : []));
            return {
              id,
              ...slotCoverage(fired, from, record.cursor, SLOT_MS),
              tasks: fired.length,
              runOnce: fired.filter((f) => f.missed > 0).length,
              counts: record.counts,
            };
          }),
        );

        // Rate: every start on Redis's clock as the claim recorded it (HandlerContext.startedAt, written by the
        // handler), and the same starts on the worker's clock when the handler began (what a measurement from
        // the workers sees). A worker killed between a claim and its handlers' first line leaves no record:
        // those starts come from the claim's `running` event (its stream id: Redis time, within the script).
        const starts = [...stack.records('starts'), ...stack.records('cron')];
        const recorded = new Map(starts.map((x) => [`${x.id}/${x.attempt}`, x.startedAt]));
        const claimEvents = await runningEvents(stack);
        const claims = tasks.reduce((n, t) => n + t.attempt, 0);
        const unrecorded = claimEvents.filter((e) => !recorded.has(`${e.id}/${e.attempt}`));
        const byRedis = maxInWindow([...recorded.values(), ...unrecorded.map((e) => e.at)], RATE_PERIOD_MS);
        const byWorker = maxInWindow(
          starts.map((x) => x.at),
          RATE_PERIOD_MS,
        );
        const lag = starts.map((x) => x.at - x.startedAt);

        s.measure('worker SIGKILLs', pool.kills.length);
        s.measure('reaper SIGKILLs', reaperKills);
        s.measure('both reapers down, ms', bothDownMs);
        s.measure('load', summary);
        s.measure('drain ms', drainMs);
        s.measure('slots per schedule', coverage);
        s.measure('claims (Σ attempt over all tasks)', claims);
        s.measure('claims (running events)', claimEvents.length);
        s.measure('starts recorded by handlers', starts.length);
        s.measure('claims without a handler record (worker killed first)', unrecorded.length);
        s.measure(
          `most starts in any ${RATE_PERIOD_MS} ms window, Redis claim time (limit ${RATE_MAX})`,
          byRedis,
        );
        s.measure(`most starts in any ${RATE_PERIOD_MS} ms window, worker clock at handler start`, byWorker);
        s.measure('handler start - claim, ms (worker clock - Redis clock; min, max)', [
          Math.min(...lag),
          Math.max(...lag),
        ]);
        s.measure(`most running at once, sampled (limit ${CONCURRENCY})`, maxRunning);

        expect(check.lost).toEqual([]);
        expect(check.unexpected).toEqual([]);
        expect(invariants.violations).toEqual([]);
        expect(check.deadLettered).toBe(0);
        for (const c of coverage) {
          expect({ id: c.id, lost: c.lost, doubled: c.doubled, outside: c.outside }).toEqual({
            id: c.id,
            lost: [],
            doubled: [],
            outside: [],
          });
          expect(c.expected).toBeGreaterThan(durationMs / SLOT_MS / 2);
        }
        expect(byRedis.max).toBeLessThanOrEqual(RATE_MAX);
        // The limiter was (near) the bottleneck, so the check above had starts to hold back: a backlog waited
        // the whole run (10 in some window in every run so far; 8 leaves room for a machine so loaded that
        // 5 running tasks of 50-400 ms cannot turn over 10 times a second).
        expect(byRedis.max).toBeGreaterThanOrEqual(RATE_MAX - 2);
        // The window check saw every claim: the event stream holds one per attempt counted, and every
        // handler record is one of them.
        expect(claimEvents.length).toBe(claims);
        expect(recorded.size).toBe(starts.length);
        expect(claimEvents.length - unrecorded.length).toBe(starts.length);
        expect(maxRunning).toBeLessThanOrEqual(CONCURRENCY);
        expect(pool.kills.length).toBe(rounds);
      }));
  },
);

/** The queue's `running` events (one per claim of a task): task id, attempt, Redis time of the claim, ms. */
async function runningEvents(stack: ChaosStack): Promise<{ id: string; attempt: number; at: number }[]> {
  const events = [];
  for (const partition of (await stack.queueHandle()).partitions) {
    const entries = await stack.redisClient().xrange(partition.keys.events, '-', '+');
    // A task id names its partition when it is not 0 (ADR 0040): <queue>.<partition>.<local id>.
    const prefix = partition.partition > 0 ? `${stack.queue}.${partition.partition}.` : `${stack.queue}.`;
    events.push(
      ...entries.flatMap(([streamId, fields]) => {
        const f = new Map<string, string>();
        for (let i = 0; i < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
        if (f.get('e') !== 'running') return [];
        return [
          { id: `${prefix}${f.get('t')}`, attempt: Number(f.get('v')), at: Number(streamId.split('-')[0]) },
        ];
      }),
    );
  }
  return events;
}

/** Every task of the stack's queue in `states`, read whole. */
async function allTasks(stack: ChaosStack, states: TaskStatus[]): Promise<TaskRecord[]> {
  const tasks: TaskRecord[] = [];
  for (const queue of (await stack.queueHandle()).partitions) {
    for (const state of states) {
      let cursor: string | undefined;
      do {
        const page = await queue.listTasks(state, { limit: 1000, cursor });
        const records = await Promise.all(page.tasks.map((t) => queue.getTask(t.id)));
        tasks.push(...records.filter((r): r is TaskRecord => r !== null));
        cursor = page.next ?? undefined;
      } while (cursor !== undefined);
    }
  }
  return tasks;
}
