import { outcomes } from '../harness/load';
import { scenario } from '../harness/scenario';
import { ChaosStack, needsOneRedisServer } from '../harness/stack';

const MAXMEMORY = '25mb';

scenario(
  {
    id: '10-redis-maxmemory',
    title: `Redis full (maxmemory ${MAXMEMORY}, noeviction) under a flood of submissions`,
    guarantees: [
      'DESIGN §4 API: 503 when Redis refuses writes, never a 2xx without a write',
      '§2.1 no loss, nothing evicted',
      '§2.7 bounded memory: retention frees it',
    ],
    ci: true,
    noLossPromised: true,
    unavailable: () => needsOneRedisServer('fills (maxmemory) and reads the memory of'),
  },
  (s) => {
    const stack = ChaosStack.create(s.meta.id);
    afterAll(() => stack.close());

    it('answers 503 when full, evicts nothing, drains, and accepts new tasks again', () =>
      s.run(async () => {
        await stack.startRedis({ extraArgs: ['--maxmemory', MAXMEMORY, '--maxmemory-policy', 'noeviction'] });
        const api = await stack.startApi();
        const redis = stack.redisClient();

        // Flood with 4 KiB payloads and nobody working, until Redis has refused 200 writes.
        const flood = stack.load({
          concurrency: 100,
          padBytes: 4096,
          msRange: [0, 20],
          stopAfter: { status: 503, count: 200 },
          count: 40_000,
        });
        const floodSummary = await flood.finished();
        const usedAtFull = infoField(await redis.info('memory'), 'used_memory_human');
        const statuses = Object.keys(floodSummary.byStatus).map(Number);
        s.measure('flood', floodSummary);
        s.measure('used memory when full', usedAtFull);
        expect(floodSummary.byStatus[503]).toBeGreaterThanOrEqual(200);
        expect(statuses.every((x) => [201, 429, 503].includes(x))).toBe(true);
        expect(api.running).toBe(true);

        // Workers and reaper start: acknowledgements must work on a full Redis, and retention frees memory.
        const reaper = await stack.startReaper({ RETENTION_FINISHED_MAX_AGE_MS: '1000' });
        const pool = await stack.workerPool(2, { WORKER_CONCURRENCY: '50', CLAIM_BATCH: '50' });
        const drainMs = await stack.drain(90_000);
        s.measure('drain ms (of the full queue)', drainMs);
        await stack.until(
          undefined,
          async () => (await stack.stats()).counts.done === 0,
          'retention trims the done tasks',
          10_000,
        );
        s.measure('used memory after retention', infoField(await redis.info('memory'), 'used_memory_human'));

        // Once retention has trimmed the done tasks, new submissions are accepted again.
        const after = stack.load({ count: 500, concurrency: 20, msRange: [0, 20] });
        const afterSummary = await after.finished();
        await stack.drain(30_000);
        await pool.stop();
        // Quiesced before the invariant scan: with a retention of 1 s the reaper trims done tasks between
        // the scan's SCAN and its HGETALL of a key (read back empty: 'its hash says undefined').
        await reaper.kill();
        s.measure('submissions after the drain', afterSummary);
        const evicted = Number(infoField(await redis.info('stats'), 'evicted_keys'));
        s.measure('evicted_keys', evicted);
        const firstOk = outcomes(stack.history()).filter((h) => h.value > 2_000_000 && h.op === 'ok').length;

        const { check, invariants } = await stack.judge(s);
        expect(evicted).toBe(0);
        expect(check.lost).toEqual([]);
        expect(check.unexpected).toEqual([]);
        expect(invariants.violations).toEqual([]);
        expect(firstOk).toBe(500);
        expect(afterSummary.byStatus).toEqual({ 201: 500 });
      }));
  },
);

function infoField(info: string, field: string): string {
  const match = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  return match ? match[1]!.trim() : '';
}
