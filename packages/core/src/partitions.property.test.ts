import { randomQueueName } from '@tq/testing';
import fc from 'fast-check';
import { ManualClock } from './clock';
import { closeRedis } from './connection';
import { newTaskId, parseTaskId } from './ids';
import { PartitionedQueue } from './partitions';
import type { RedisClient } from './scripts';
import { connect, expectConsistent } from './test-support/fixtures';
import type { ClaimedTask, TaskStatus } from './types';

/**
 * The randomized state machine of a partitioned queue (ADR 0040), on a single Redis (`test`) and on a
 * 3-master Cluster (`test:cluster`): producers, several workers with their own claim rotation, the
 * reaper and an operator act in random order; after every step each task is in exactly one state of the
 * partition its id names, the logical counts add up to every task created (none lost, none twice), only
 * current lease tokens are honoured, and the concurrency limit holds across partitions.
 */
let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => closeRedis(redis));

type Action =
  | { kind: 'enqueue'; n: number; key: 'none' | 'partition' | 'idempotency' | 'group'; delayMs: number }
  | { kind: 'claim'; worker: number; count: number }
  | { kind: 'completeAndClaim'; worker: number; pick: number; count: number }
  | { kind: 'complete' | 'fail' | 'release' | 'extend' | 'postpone'; pick: number }
  | { kind: 'reap' | 'promote' | 'requeueDead' | 'togglePause' }
  | { kind: 'cancel'; pick: number }
  | { kind: 'advance'; ms: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('enqueue' as const),
      n: fc.integer({ min: 1, max: 6 }),
      key: fc.constantFrom('none' as const, 'partition' as const, 'idempotency' as const, 'group' as const),
      delayMs: fc.constantFrom(0, 0, 300),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('claim' as const),
      worker: fc.integer({ min: 0, max: 2 }),
      count: fc.integer({ min: 1, max: 4 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('completeAndClaim' as const),
      worker: fc.integer({ min: 0, max: 2 }),
      pick: fc.nat(),
      count: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'complete' as const,
        'fail' as const,
        'release' as const,
        'extend' as const,
        'postpone' as const,
      ),
      pick: fc.nat(),
    }),
  },
  fc.record({
    kind: fc.constantFrom(
      'reap' as const,
      'promote' as const,
      'requeueDead' as const,
      'togglePause' as const,
    ),
  }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(100, 400, 1200) }),
);

const STATES: TaskStatus[] = ['pending', 'scheduled', 'running', 'retry', 'dead', 'done', 'canceled'];

describe('PartitionedQueue invariants under random operation sequences', () => {
  it('keeps each task in one state of its partition, loses and doubles none, honours only current tokens, holds the concurrency limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 4 }),
        fc.option(fc.integer({ min: 4, max: 6 }), { freq: 2 }),
        fc.array(action, { minLength: 1, maxLength: 30 }),
        async (partitions, concurrency, actions) => {
          const clock = new ManualClock();
          const name = randomQueueName('pprop');
          const queue = await PartitionedQueue.create(redis, name, partitions, clock);
          if (concurrency !== null) await queue.setLimits({ concurrency });
          const workers = [0, 1, 2].map(() => new PartitionedQueue(redis, name, queue.layout, clock));
          const ids = new Set<string>();
          let leases: ClaimedTask[] = [];
          const stale: ClaimedTask[] = [];
          let paused = false;
          let serial = 0;
          const take = (pick: number): ClaimedTask | undefined => {
            if (leases.length === 0) return undefined;
            const [lease] = leases.splice(pick % leases.length, 1);
            return lease;
          };
          const leased = (tasks: ClaimedTask[]) => {
            for (const t of tasks) {
              expect(leases.some((l) => l.id === t.id)).toBe(false);
              expect(ids.has(t.id)).toBe(true);
            }
            leases.push(...tasks);
          };
          for (const a of actions) {
            switch (a.kind) {
              case 'enqueue': {
                const tasks = Array.from({ length: a.n }, () => {
                  const n = serial++;
                  return {
                    id: newTaskId(name),
                    type: 't',
                    payload: '{}',
                    maxAttempts: 2,
                    delayMs: a.delayMs || undefined,
                    partitionKey: a.key === 'partition' ? `k${n % 3}` : undefined,
                    idempotencyKey: a.key === 'idempotency' ? `i${n % 5}` : undefined,
                    fingerprint: a.key === 'idempotency' ? 'f' : undefined,
                    idempotencyWindowMs: a.key === 'idempotency' ? 600_000 : undefined,
                    group: a.key === 'group' ? `g${n % 2}` : undefined,
                  };
                });
                for (const o of await queue.enqueue(tasks)) {
                  expect(['created', 'existing']).toContain(o.status);
                  expect(parseTaskId(o.id)!.partition ?? 0).toBeLessThan(partitions);
                  ids.add(o.id);
                }
                break;
              }
              case 'claim':
                leased((await workers[a.worker]!.claim(a.count, 1000)).tasks);
                break;
              case 'completeAndClaim': {
                const lease = take(a.pick);
                const r = await workers[a.worker]!.completeAndClaim(lease ? [lease] : [], a.count, 1000);
                if (lease) stale.push(lease);
                leased(r.claim.tasks);
                break;
              }
              case 'complete':
              case 'fail':
              case 'release':
              case 'extend':
              case 'postpone': {
                const lease = take(a.pick);
                if (!lease) break;
                if (a.kind === 'extend') {
                  const [code] = await queue.extend([lease], 1000);
                  if (code === 'ok') leases.push(lease);
                  else stale.push(lease);
                  break;
                }
                if (a.kind === 'complete') await queue.complete([lease]);
                else if (a.kind === 'fail') await queue.fail([{ ...lease, error: 'e', retryDelayMs: 200 }]);
                else if (a.kind === 'release') await queue.release([lease]);
                else await queue.postpone([{ ...lease, delayMs: 200, retryDelayMs: 200 }]);
                stale.push(lease);
                break;
              }
              case 'reap': {
                const { recovered, dead } = await queue.reap();
                const gone = new Set([...recovered, ...dead]);
                stale.push(...leases.filter((l) => gone.has(l.id)));
                leases = leases.filter((l) => !gone.has(l.id));
                break;
              }
              case 'promote':
                await queue.promote();
                break;
              case 'requeueDead':
                await queue.requeueDead();
                break;
              case 'togglePause':
                paused = !paused;
                await (paused ? queue.pause() : queue.resume());
                break;
              case 'cancel': {
                const all = [...ids];
                await queue.cancel(all[a.pick % all.length] ?? newTaskId(name)).catch(() => undefined);
                break;
              }
              case 'advance':
                clock.advance(a.ms);
                break;
            }
            // Invariants after every step.
            for (const p of queue.partitions) {
              await expectConsistent(
                p,
                [...ids].filter((id) => (parseTaskId(id)!.partition ?? 0) === p.partition),
              );
            }
            const stats = await queue.stats();
            expect(STATES.reduce((n, s) => n + stats.counts[s], 0)).toBe(ids.size);
            if (concurrency !== null) expect(stats.counts.running).toBeLessThanOrEqual(concurrency);
            // A lease that ended (or was reaped) is never honoured again.
            for (const old of stale.splice(0)) {
              if (leases.some((l) => l.id === old.id && l.token === old.token)) continue;
              expect(await queue.complete([old])).not.toEqual(['ok']);
            }
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 300_000);
});
