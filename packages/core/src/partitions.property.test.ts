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
 * current lease tokens are honoured, and the concurrency limit holds across partitions. The operator
 * also resizes the queue and drops drained partitions (ADR 0043) while workers and producers keep the
 * layout they read until they read it again (producers do within the settle time after that layout was
 * replaced, as `QueueDirectory` guarantees): an idempotency key stays one task throughout, and no task
 * is lost.
 */
let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => closeRedis(redis));

type Action =
  | {
      kind: 'enqueue';
      n: number;
      key: 'none' | 'partition' | 'idempotency' | 'group';
      delayMs: number;
      /** -1: the operator's up-to-date queue; else that worker's (maybe older) layout. */
      via: number;
    }
  | { kind: 'claim'; worker: number; count: number }
  | { kind: 'completeAndClaim'; worker: number; pick: number; count: number }
  | { kind: 'complete' | 'fail' | 'release' | 'extend' | 'postpone'; pick: number }
  | { kind: 'reap' | 'promote' | 'requeueDead' | 'togglePause' }
  | { kind: 'cancel'; pick: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'resize'; to: number }
  | { kind: 'dropDrained' }
  | { kind: 'reread'; worker: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('enqueue' as const),
      n: fc.integer({ min: 1, max: 6 }),
      key: fc.constantFrom('none' as const, 'partition' as const, 'idempotency' as const, 'group' as const),
      delayMs: fc.constantFrom(0, 0, 300),
      via: fc.integer({ min: -1, max: 2 }),
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
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('resize' as const), to: fc.integer({ min: 1, max: 5 }) }),
  },
  fc.record({ kind: fc.constantFrom('dropDrained' as const) }),
  fc.record({ kind: fc.constant('reread' as const), worker: fc.integer({ min: 0, max: 2 }) }),
);

const RESIZE = { settleMs: 500, idempotencyWindowMs: 600_000 };

const STATES: TaskStatus[] = ['pending', 'scheduled', 'running', 'retry', 'dead', 'done', 'canceled'];

/** Sequences around resizes: mostly idempotent submissions from old and new layouts, time moving on. */
const aroundResizes: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('enqueue' as const),
      n: fc.integer({ min: 1, max: 6 }),
      key: fc.constantFrom(
        'idempotency' as const,
        'idempotency' as const,
        'none' as const,
        'partition' as const,
      ),
      delayMs: fc.constant(0),
      via: fc.integer({ min: -1, max: 2 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('claim' as const),
      worker: fc.integer({ min: 0, max: 2 }),
      count: fc.integer({ min: 1, max: 6 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('complete' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(100, 400, 1200) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('resize' as const), to: fc.integer({ min: 1, max: 5 }) }),
  },
  fc.record({ kind: fc.constant('reread' as const), worker: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('dropDrained' as const) }),
);

describe('PartitionedQueue invariants under random operation sequences', () => {
  it(
    'keeps each task in one state of its partition, loses and doubles none, honours only current tokens, holds the concurrency limit',
    () => check(fc.array(action, { minLength: 1, maxLength: 30 })),
    300_000,
  );

  it(
    'keeps an idempotency key one task and loses no task across resizes, with old and new layouts in use',
    () => check(fc.array(aroundResizes, { minLength: 10, maxLength: 40, size: 'max' })),
    300_000,
  );
});

async function check(sequences: fc.Arbitrary<Action[]>): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 2, max: 4 }),
      fc.option(fc.integer({ min: 4, max: 6 }), { freq: 2 }),
      sequences,
      async (partitions, concurrency, actions) => {
        const clock = new ManualClock();
        const name = randomQueueName('pprop');
        // The processes opened the queue before it was partitioned (no layout: one partition), as a
        // producer may have when `PUT /queues/:name {partitions}` comes: creation is a resize (ADR 0050).
        const workers = await Promise.all([0, 1, 2].map(() => PartitionedQueue.open(redis, name, clock)));
        let queue = await PartitionedQueue.create(redis, name, partitions, clock, RESIZE);
        if (concurrency !== null) await queue.setLimits({ concurrency });
        // The task each idempotency key was stored as: a key is never stored twice.
        const byKey = new Map<string, string>();
        // After a grow, partitions whose share went down keep the tasks they run (ADR 0043), so the
        // limit is checked strictly only until the first resize.
        let resized = false;
        // When each generation was replaced (clock ms): a process keeps a layout at most the directory's
        // TTL after that, less than the settle time.
        const replacedAt = new Map<number, number>([[0, clock.now()]]);
        /** A producer's queue: its own layout until the settle time after it was replaced, then the current one. */
        const producer = async (via: number): Promise<PartitionedQueue> => {
          if (via < 0) return queue;
          const replaced = replacedAt.get(workers[via]!.layout.generation);
          if (replaced !== undefined && clock.now() >= replaced + RESIZE.settleMs) {
            workers[via] = await PartitionedQueue.open(redis, name, clock);
          }
          return workers[via]!;
        };
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
                  // Every third task in format 1 (ADR 0045): a release before it stored those.
                  id: newTaskId(name, undefined, 0, n % 3 === 0 ? 1 : 2),
                  type: 't',
                  payload: '{}',
                  maxAttempts: 2,
                  delayMs: a.delayMs || undefined,
                  partitionKey: a.key === 'partition' ? `k${n % 3}` : undefined,
                  idempotencyKey: a.key === 'idempotency' ? `i${n % 11}` : undefined,
                  fingerprint: a.key === 'idempotency' ? 'f' : undefined,
                  idempotencyWindowMs: a.key === 'idempotency' ? 600_000 : undefined,
                  group: a.key === 'group' ? `g${n % 2}` : undefined,
                };
              });
              const outcomes = await (await producer(a.via)).enqueue(tasks);
              for (const [i, o] of outcomes.entries()) {
                expect(['created', 'existing']).toContain(o.status);
                expect(parseTaskId(o.id)!.partition ?? 0).toBeLessThan(queue.count);
                const key = tasks[i]!.idempotencyKey;
                if (key !== undefined) {
                  expect(o.id).toBe(byKey.get(key) ?? o.id);
                  byKey.set(key, o.id);
                }
                ids.add(o.id);
              }
              break;
            }
            case 'claim':
              leased((await workers[a.worker]!.claim(a.count, 1000)).tasks);
              break;
            case 'completeAndClaim': {
              const lease = take(a.pick);
              // A worker holds a task of partition i only through a layout that has partition i (it claimed
              // it so): one that opened the queue before a grow reads the layout again first.
              if (lease && (parseTaskId(lease.id)!.partition ?? 0) >= workers[a.worker]!.count) {
                workers[a.worker] = await PartitionedQueue.open(redis, name, clock);
              }
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
            case 'resize':
              try {
                const before = queue.layout.generation;
                queue = await queue.resize(a.to, RESIZE);
                if (queue.layout.generation !== before) replacedAt.set(before, clock.now());
                resized = true;
              } catch (error) {
                // Settling, or limit shares that would not cover every partition.
                expect(['conflict', 'invalid']).toContain((error as { code?: string }).code);
              }
              break;
            case 'dropDrained':
              if ((await queue.dropDrained()).length > 0) {
                replacedAt.set(queue.layout.generation, clock.now());
                queue = await PartitionedQueue.open(redis, name, clock);
              }
              break;
            case 'reread':
              workers[a.worker] = await PartitionedQueue.open(redis, name, clock);
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
          if (concurrency !== null && !resized) {
            expect(stats.counts.running).toBeLessThanOrEqual(concurrency);
          }
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
}
