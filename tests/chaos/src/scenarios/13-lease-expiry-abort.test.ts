import { newTaskId } from '@tq/core';
import { FaultProxy } from '../harness/fault-proxy';
import { scrape, sumMetric } from '../harness/metrics';
import { scenario } from '../harness/scenario';
import { ChaosStack, needsOneRedisServer } from '../harness/stack';
import { sleep, summarize } from '../harness/stats';

/** The setting: a 1 s lease, extended every third of it. */
const LEASE_MS = 1000;
const TICK_MS = Math.floor(LEASE_MS / 3);
const TASKS = 5;
/** Each first attempt sleeps this long unless aborted; later attempts return at once. */
const HANDLER_MS = 30_000;

scenario(
  {
    id: '13-lease-expiry-abort',
    title: 'a worker whose link hangs stops its handlers when their leases expire, not when Redis answers',
    guarantees: [
      '§2.2 at-least-once with fencing: a worker never keeps running a task past its lease',
      'docs/worker.md: the lease timer runs on the worker clock, from the claim or the last accepted extend',
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

    it('aborts every handler within one lease-keeper tick of its lease expiry while the link hangs', () =>
      s.run(async () => {
        const redis = await stack.startRedis();
        proxy = await FaultProxy.start({ host: '127.0.0.1', port: redis.port });
        // Worker A reaches Redis through the proxy; its command timeout (5 s) is what a hung extend
        // used to wait for before the handler was aborted.
        const victim = await stack.startWorker('worker-a', {
          REDIS_URL: proxy.url,
          VISIBILITY_TIMEOUT_MS: String(LEASE_MS),
          WORKER_CONCURRENCY: String(TASKS),
        });
        // Partition 0 (the whole queue unless TQ_TEST_PARTITIONS): the test reads its running set by id.
        const queue = (await stack.queueHandle()).partitions[0]!;
        const ids = Array.from({ length: TASKS }, () => newTaskId(stack.queue));
        await queue.enqueue(
          ids.map((id, i) => ({
            id,
            type: 'chaos',
            payload: JSON.stringify({ value: i + 1, ms: HANDLER_MS, fastFromAttempt: 2 }),
            maxAttempts: 3,
          })),
        );
        await stack.until(
          victim,
          () => stack.records('starts').filter((r) => r.pid === victim.pid).length === TASKS,
          'worker A runs every task',
        );
        // Cut right after the leases were extended once, so the timer must have moved with an extend.
        const extended = sumMetric(await scrape(victim.metricsUrl), 'tq_lease_extensions_total');
        await stack.until(
          victim,
          async () => sumMetric(await scrape(victim.metricsUrl), 'tq_lease_extensions_total') > extended,
          'an extend accepted',
        );
        proxy.setMode('blackhole');
        const cutAt = Date.now();
        // Nothing crosses the proxy any more: the lease deadlines Redis holds now are the final ones.
        await sleep(50);
        const client = stack.redisClient();
        const deadlines = new Map<string, number>();
        for (const id of ids) {
          const score = await client.zscore(queue.keys.running, id.slice(id.indexOf('.') + 1));
          deadlines.set(id, Number(score));
        }
        // Another worker and a reaper take over once the leases expire.
        const reaper = await stack.startReaper();
        const other = await stack.startWorker('worker-b');

        const aborts = await stack.until(
          victim,
          () => {
            const mine = stack.records('aborts').filter((r) => r.pid === victim.pid);
            return mine.length === TASKS && mine;
          },
          'worker A aborts every handler',
          10_000,
        );
        await stack.until(
          other,
          () => stack.records('effects').filter((r) => r.pid === other.pid).length === TASKS,
          'worker B performs every task',
          15_000,
        );
        proxy.setMode('pass');
        const drainMs = await stack.drain(30_000);

        const starts = stack.records('starts');
        const delays = aborts.map((a) => a.at - deadlines.get(a.id)!);
        const overlaps = aborts.map((a) => {
          const taken = starts.find((r) => r.id === a.id && r.pid === other.pid)!;
          return a.at - taken.at; // > 0: both workers ran the task at once for that long
        });
        s.measure('lease ms / lease-keeper tick ms', `${LEASE_MS} / ${TICK_MS}`);
        s.measure('link hung (cut after an accepted extend → healed), ms', Date.now() - cutAt);
        s.measure(
          'abort delay after lease expiry, ms (abort time − Redis lease deadline)',
          summarize(delays),
        );
        s.measure('worker B started the task, ms after A aborted it', summarize(overlaps.map((o) => -o)));
        s.measure(
          'abort reasons',
          aborts.map((a) => a.reason),
        );
        s.measure('drain ms', drainMs);
        s.note(`abort delays after lease expiry (ms): ${delays.join(', ')}`);

        for (const a of aborts) expect(a.reason).toBe('LeaseLostError');
        // The timer fires at (claim or extend sent) + lease ≤ Redis's deadline; timer lateness on a busy
        // machine is what can put it after. One tick is the bound the keeper's own tick used to give.
        for (const delay of delays) expect(delay).toBeLessThanOrEqual(TICK_MS);
        // So A has stopped before B, which needs the reaper to recover the task first, starts it.
        for (const overlap of overlaps) expect(overlap).toBeLessThanOrEqual(TICK_MS);
        const done = await Promise.all(ids.map((id) => queue.getTask(id)));
        for (const task of done) expect(task).toMatchObject({ status: 'done', attempt: 2 });
        expect(victim.running).toBe(true);
        expect(reaper.running).toBe(true);
      }));
  },
);
