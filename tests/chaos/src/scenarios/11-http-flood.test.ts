import { outcomes } from '../harness/load';
import { scenario, size } from '../harness/scenario';
import { ChaosStack } from '../harness/stack';
import { summarize } from '../harness/stats';

scenario(
  {
    id: '11-http-flood',
    title: '10,000 submissions over 1000 concurrent sockets while workers drain',
    guarantees: [
      '§2.1 no loss under load',
      'DESIGN §4 API: backpressure (429/503), every 2xx a unique stored task',
    ],
    ci: false,
    noLossPromised: true,
  },
  (s) => {
    const stack = ChaosStack.create(s.meta.id);
    afterAll(() => stack.close());

    it('stores every 2xx once under a unique id, answers only 201/429/503, and loses nothing', () =>
      s.run(async () => {
        const n = size(3000, 10_000);
        await stack.startRedis({ appendonly: true, appendfsync: 'everysec' });
        // Workers slower than the flood and a depth limit, so backpressure (429) shows up.
        const api = await stack.startApi({ QUEUE_MAX_DEPTH: '1000' });
        await stack.startReaper();
        await stack.workerPool(2, { WORKER_CONCURRENCY: '25' });
        const load = stack.load({ count: n, concurrency: 1000, msRange: [50, 100], timeoutMs: 30_000 });
        const summary = await load.finished();
        const drainMs = await stack.drain(90_000);
        const answered = outcomes(stack.history());
        const ids = answered.flatMap((h) => (h.op === 'ok' ? [h.taskId] : []));
        const statuses = [
          ...new Set(answered.flatMap((h) => (h.status === undefined ? [] : [h.status]))),
        ].sort();
        const latency = summarize(answered.map((h) => h.t1! - h.t0!));
        const { check, invariants } = await stack.judge(s);
        s.measure('requests', n);
        s.measure('load', summary);
        s.measure(
          'requests per second (2 shared cores; not a benchmark)',
          Math.round((n / summary.durationMs) * 1000),
        );
        s.measure('latency ms', latency);
        s.measure('statuses', statuses);
        s.measure('unique 2xx ids / 2xx answers', `${new Set(ids).size} / ${ids.length}`);
        s.measure('drain ms', drainMs);

        expect(api.running).toBe(true);
        expect(answered).toHaveLength(n);
        expect(statuses.every((x) => [201, 429, 503].includes(x))).toBe(true);
        expect(summary.byStatus[429]).toBeGreaterThan(0);
        expect(Object.keys(summary.errors)).toEqual([]); // every request got an HTTP answer
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.every((id) => typeof id === 'string' && id.startsWith(`${stack.queue}.`))).toBe(true);
        expect(check.lost).toEqual([]);
        expect(check.unexpected).toEqual([]);
        expect(invariants.violations).toEqual([]);
      }));
  },
);
