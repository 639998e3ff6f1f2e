import fc from 'fast-check';
import {
  STATES,
  connect,
  expectConsistent,
  expectedOrder,
  freshQueue,
  listAll,
  newTask,
} from './test-support/fixtures';
import { newTaskId } from './ids';
import type { Queue } from './queue';
import { createRedis } from './connection';
import { CronSchedule } from './cron';
import { ScheduleStore, type MisfirePolicy, type OverlapPolicy } from './schedules';
import type { RedisClient } from './scripts';
import type {
  ArchiveClaim,
  ClaimedTask,
  EventsMode,
  Lease,
  QueueLimits,
  RetentionPolicy,
  TaskRecord,
  TaskStatus,
} from './types';

let redis: RedisClient;
let second: RedisClient;
beforeAll(() => {
  redis = connect();
  // A second reaper's connection: its fires race the first's on the server, not in one pipeline.
  second = createRedis(process.env.REDIS_URL!);
});
afterAll(async () => {
  await redis.quit();
  await second.quit();
});

/** One step a producer, worker, reaper, operator or clock can take. `pick` chooses among the known tasks/leases. */
type Action =
  | { kind: 'enqueue'; priority: number; delayMs: number; maxAttempts: number; group: string | undefined }
  | { kind: 'claim'; count: number; leaseMs: number }
  | { kind: 'completeAndClaim'; pick: number; count: number; leaseMs: number }
  | { kind: 'complete' | 'fail' | 'extend' | 'release'; pick: number; permanent: boolean }
  | { kind: 'reap' | 'promote' | 'requeueDead' }
  | { kind: 'cancel'; pick: number; running: boolean }
  | { kind: 'runNow' | 'finishCanceled'; pick: number }
  | { kind: 'progress'; pick: number; percent: number }
  | { kind: 'listen'; leaseMs: number }
  | { kind: 'eventsMode'; mode: EventsMode }
  | { kind: 'postpone'; pick: number; delayMs: number }
  | { kind: 'limits'; limits: QueueLimits }
  | { kind: 'advance'; ms: number }
  | { kind: 'schedule'; cron: string; misfire: MisfirePolicy; graceMs: number; overlap: OverlapPolicy }
  | { kind: 'fire'; reapers: number }
  | { kind: 'togglePause'; pick: number }
  | { kind: 'archiveClaim'; token: 'a' | 'b'; limit: number }
  | { kind: 'archiveConfirm'; pick: number }
  | { kind: 'trimArchived' }
  | { kind: 'deleteFinished'; pick: number };

/** Retention that would delete every finished task now: while archiving, only the confirmed ones go. */
const TRIM_ALL: RetentionPolicy = {
  finishedMaxAgeMs: 0,
  finishedMaxCount: 0,
  deadMaxAgeMs: 0,
  deadMaxCount: 0,
};

const limits: fc.Arbitrary<QueueLimits> = fc.record(
  {
    rate: fc.record({ max: fc.integer({ min: 1, max: 3 }), periodMs: fc.integer({ min: 200, max: 3000 }) }),
    concurrency: fc.integer({ min: 1, max: 4 }),
    groupConcurrency: fc.integer({ min: 1, max: 2 }),
  },
  { requiredKeys: [] },
);

// Enqueues and claims weigh more, so that runs reach the limits often.
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('enqueue' as const),
      priority: fc.integer({ min: 0, max: 9 }),
      delayMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3000 })),
      maxAttempts: fc.constantFrom(1, 2, 3, 5), // 5: format 2 leaves it out (ADR 0045)
      group: fc.constantFrom(undefined, 'a', 'b'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('claim' as const),
      count: fc.integer({ min: 1, max: 4 }),
      leaseMs: fc.integer({ min: 100, max: 2000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('completeAndClaim' as const),
      pick: fc.nat(),
      count: fc.integer({ min: 1, max: 4 }),
      leaseMs: fc.integer({ min: 100, max: 2000 }),
    }),
  },
  fc.record({
    kind: fc.constantFrom('complete' as const, 'fail' as const, 'extend' as const, 'release' as const),
    pick: fc.nat(),
    permanent: fc.boolean(),
  }),
  fc.record({ kind: fc.constantFrom('reap' as const, 'promote' as const, 'requeueDead' as const) }),
  {
    // An operator's cancel and the worker's answer to it weigh more: the answer needs a request first.
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat(), running: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('finishCanceled' as const), pick: fc.nat() }) },
  fc.record({ kind: fc.constant('runNow' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('progress' as const),
    pick: fc.nat(),
    percent: fc.integer({ min: 0, max: 100 }),
  }),
  fc.record({ kind: fc.constant('listen' as const), leaseMs: fc.integer({ min: 1, max: 4000 }) }),
  fc.record({
    kind: fc.constantFrom('eventsMode' as const),
    mode: fc.constantFrom<EventsMode>('auto', 'on', 'off'),
  }),
  fc.record({
    kind: fc.constant('postpone' as const),
    pick: fc.nat(),
    delayMs: fc.integer({ min: 0, max: 2000 }),
  }),
  fc.record({ kind: fc.constant('limits' as const), limits }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 2500 }) }),
  fc.record({
    kind: fc.constant('schedule' as const),
    cron: fc.constantFrom('*/1 * * * * *', '*/2 * * * * *', '*/3 * * * * *', '0 * * * * *'),
    misfire: fc.constantFrom('skip' as const, 'run-once' as const),
    graceMs: fc.integer({ min: 1000, max: 4000 }),
    overlap: fc.constantFrom('allow' as const, 'skip' as const),
  }),
  fc.record({ kind: fc.constant('fire' as const), reapers: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('togglePause' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('archiveClaim' as const),
    token: fc.constantFrom('a' as const, 'b' as const),
    limit: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({ kind: fc.constant('archiveConfirm' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('trimArchived' as const) }),
  fc.record({ kind: fc.constant('deleteFinished' as const), pick: fc.nat() }),
);

/**
 * The oldest-pending age stats reports is the true oldest runnable task: it is the ready time of one of
 * them (a pending task, or a scheduled/retry task already due), and no pending task that never went
 * through a promotion (no runAt) nor any due task is older. A task promoted late is the documented slack.
 */
async function expectTrueOldestPending(queue: Queue, states: Record<string, string>): Promise<void> {
  const stats = await queue.stats();
  const pending = await Promise.all(
    Object.keys(states)
      .filter((id) => states[id] === 'pending')
      .map(async (id) => (await queue.getTask(id))!),
  );
  const due: number[] = [];
  for (const key of [queue.keys.scheduled, queue.keys.retry]) {
    const [, score] = await redis.zrange(key, '0', '0', 'WITHSCORES');
    if (score !== undefined && Number(score) <= stats.now) due.push(Number(score));
  }
  const readyAt = (t: TaskRecord) => t.readyAt ?? t.createdAt;
  const candidates = [...pending.map(readyAt), ...due];
  if (candidates.length === 0) {
    expect(stats.oldestPendingAgeMs).toBeNull();
    return;
  }
  const reported = stats.now - stats.oldestPendingAgeMs!;
  expect(candidates).toContain(reported);
  const neverPromoted = pending.filter((t) => t.runAt === undefined);
  for (const at of [...neverPromoted.map(readyAt), ...due]) expect(reported).toBeLessThanOrEqual(at);
}

/** The model of one schedule: the slots it must account for are those after `from`, minus its pauses. */
interface ScheduleModel {
  id: string;
  cron: CronSchedule;
  from: number;
  /** (after, until] ranges of slots a pause took out. */
  paused: [number, number][];
}

describe('Queue invariants under random operation sequences', () => {
  it('keeps every task in exactly one state, with a hash that agrees, honours only current lease tokens, streams each change while events are on, and never exceeds a limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<EventsMode>('auto', 'on', 'off'),
        fc.array(action, { minLength: 1, maxLength: 25, size: 'medium' }),
        fc.integer({ min: 1, max: 7 }),
        fc.option(limits, { freq: 3 }),
        async (initialMode, actions, pageSize, initialLimits) => {
          const { queue, clock } = freshQueue(redis);
          // The events model: the mode, and until when (manual clock) an event reader's lease lasts.
          let mode = initialMode;
          await queue.setEventsMode(mode);
          let listenedUntil = -Infinity;
          let lastEventId = '0-0';
          let before: Record<string, TaskStatus> = {};
          // The progress each task's hash must show: the value of the last accepted report.
          const progress = new Map<string, string>();
          // Two reapers' stores: fires from both race for the same slots.
          const stores = [new ScheduleStore(redis, clock), new ScheduleStore(second, clock)];
          const schedules: ScheduleModel[] = [];
          const ids: string[] = [];
          // Every lease ever handed out, including ones a "crashed" worker never acknowledges.
          const leases: Lease[] = [];
          // The model: the one token that may act on each task right now.
          const current = new Map<string, string>();
          // The leases an operator asked to cancel (ADR 0019): a request binds to the lease it was made in.
          const cancelRequested = new Set<string>();
          // The model of the per-minute history: attempts that ended, and those that failed.
          const ended = { processed: 0, failed: 0 };
          // The archive model (ADR 0030): PostgreSQL's rows (id -> status and version), and the claims read
          // but not yet written and confirmed.
          const archived = new Map<string, { status: TaskStatus; version: string }>();
          const claims: { token: string; claim: ArchiveClaim }[] = [];
          const forget = (gone: string[]) => {
            for (const id of gone) {
              ids.splice(ids.indexOf(id), 1);
              current.delete(id);
              progress.delete(id);
              for (let i = leases.length - 1; i >= 0; i--) if (leases[i]!.id === id) leases.splice(i, 1);
            }
          };

          // The model of the limits: those in force, the group of each task, and the start times (on the
          // model's clock) since the rate limit last changed.
          let inForce: QueueLimits = initialLimits ?? {};
          await queue.setLimits(inForce);
          const groupOf = new Map<string, string | undefined>();
          let starts: number[] = [];

          // A claim's tasks start at one instant: no limit may be exceeded then. A claim that starts a task
          // had room under every limit; the running counts are the model's (current leases).
          const expectWithinLimits = (claimed: ClaimedTask[], runningBefore: number) => {
            if (claimed.length === 0) return;
            const now = clock.now();
            if (inForce.concurrency !== undefined) {
              expect([runningBefore, current.size]).toEqual([
                runningBefore,
                Math.min(current.size, inForce.concurrency),
              ]);
            }
            if (inForce.groupConcurrency !== undefined) {
              const perGroup = new Map<string, number>();
              for (const id of current.keys()) {
                const group = groupOf.get(id);
                if (group !== undefined) perGroup.set(group, (perGroup.get(group) ?? 0) + 1);
              }
              for (const [group, n] of perGroup)
                expect([group, n]).toEqual([group, Math.min(n, inForce.groupConcurrency)]);
            }
            if (inForce.rate) {
              for (const _ of claimed) starts.push(now);
              const { max, periodMs } = inForce.rate;
              const inWindow = starts.filter((at) => at >= now - periodMs).length;
              expect(['starts in window', inWindow]).toEqual(['starts in window', Math.min(inWindow, max)]);
            }
          };

          const expectCodes = (lease: Lease, code: string, extend = false) => {
            const valid = current.get(lease.id) === lease.token;
            expect([lease.token, valid ? 'current' : 'stale', code]).toEqual([
              lease.token,
              valid ? 'current' : 'stale',
              valid ? expect.not.stringMatching(/lease_lost|not_found/) : 'lease_lost',
            ]);
            // An extension tells a worker of a cancel request made during its lease, and only then.
            if (extend && valid && code.startsWith('cancel') !== cancelRequested.has(lease.token))
              expect([lease.token, 'extend', code]).toEqual([lease.token, 'extend', 'cancel_requested']);
          };

          for (const a of actions) {
            switch (a.kind) {
              case 'enqueue': {
                const t = newTask(queue, {
                  // Every third task in format 1, as a release before ADR 0045 stored it: both formats
                  // go through every operation side by side.
                  id: newTaskId(queue.name, undefined, 0, ids.length % 3 === 0 ? 1 : 2),
                  priority: a.priority,
                  delayMs: a.delayMs || undefined,
                  maxAttempts: a.maxAttempts,
                  group: a.group,
                });
                await queue.enqueue([t]);
                ids.push(t.id);
                groupOf.set(t.id, a.group);
                break;
              }
              case 'claim': {
                const runningBefore = current.size;
                const { tasks } = await queue.claim(a.count, a.leaseMs);
                for (const t of tasks) {
                  expect(t.attempt).toBeLessThanOrEqual(t.maxAttempts);
                  current.set(t.id, t.token);
                  leases.push(t);
                }
                expectWithinLimits(tasks, runningBefore);
                break;
              }
              case 'completeAndClaim': {
                // Zero or one lease to complete (a worker may have none buffered), then the claim.
                const lease =
                  leases.length > 0 && a.pick % 3 !== 0 ? leases[a.pick % leases.length]! : undefined;
                const { codes, claim } = await queue.completeAndClaim(
                  lease ? [lease] : [],
                  a.count,
                  a.leaseMs,
                );
                expect(codes).toHaveLength(lease ? 1 : 0);
                if (lease) {
                  expectCodes(lease, codes[0]!);
                  if (codes[0] !== 'lease_lost') current.delete(lease.id);
                  if (codes[0] === 'ok') ended.processed++;
                }
                const runningBefore = current.size;
                for (const t of claim.tasks) {
                  expect(t.attempt).toBeLessThanOrEqual(t.maxAttempts);
                  current.set(t.id, t.token);
                  leases.push(t);
                }
                expectWithinLimits(claim.tasks, runningBefore);
                break;
              }
              case 'complete':
              case 'fail':
              case 'extend':
              case 'release': {
                if (leases.length === 0) break;
                const lease = leases[a.pick % leases.length]!;
                const [code] =
                  a.kind === 'complete'
                    ? await queue.complete([lease])
                    : a.kind === 'fail'
                      ? await queue.fail([
                          {
                            ...lease,
                            error: 'boom',
                            retryDelayMs: 500,
                            permanentReason: a.permanent ? 'permanent' : undefined,
                          },
                        ])
                      : a.kind === 'extend'
                        ? await queue.extend([lease], 1000)
                        : await queue.release([lease]);
                expectCodes(lease, code!, a.kind === 'extend');
                if (code === 'ok' && a.kind === 'complete') ended.processed++;
                if (code === 'retry' || code === 'dead') {
                  ended.processed++;
                  ended.failed++;
                }
                if (code !== 'lease_lost' && a.kind !== 'extend') current.delete(lease.id);
                break;
              }
              case 'reap': {
                const { recovered, dead, canceled } = await queue.reap();
                ended.processed += recovered.length + dead.length + canceled.length;
                ended.failed += recovered.length + dead.length;
                // An expired lease an operator asked to cancel ends canceled; any other is recovered or dead.
                for (const id of [...recovered, ...dead, ...canceled]) {
                  expect([id, cancelRequested.has(current.get(id)!)]).toEqual([id, canceled.includes(id)]);
                  current.delete(id);
                }
                break;
              }
              case 'promote':
                await queue.promote();
                break;
              case 'requeueDead': {
                // The redrive of all: each task dead at the start back in pending once, attempts reset.
                const before = await expectConsistent(queue, ids);
                const { requeued } = await queue.requeueDead(undefined, 2);
                expect(requeued.sort()).toEqual(ids.filter((id) => before[id] === 'dead').sort());
                break;
              }
              case 'cancel': {
                if (ids.length === 0) break;
                // An operator's cancel from the running list picks among the leased tasks (most still run).
                const id =
                  a.running && leases.length > 0
                    ? leases[a.pick % leases.length]!.id
                    : ids[a.pick % ids.length]!;
                if (!a.running) {
                  await queue.cancel(id).catch((e: { code?: string }) => {
                    expect(e.code).toBe('conflict');
                  });
                  break;
                }
                // An operator's cancel of any task: a running one gets a request bound to its lease.
                const { code, status } = (await queue.cancelTasks([id], true))[0]!;
                const was = before[id] ?? 'pending';
                expect([id, code, status]).toEqual([
                  id,
                  was === 'running'
                    ? 'cancel_requested'
                    : ['done', 'dead', 'canceled'].includes(was)
                      ? 'finished'
                      : 'canceled',
                  was,
                ]);
                if (code === 'cancel_requested') cancelRequested.add(current.get(id)!);
                break;
              }
              case 'runNow': {
                if (ids.length === 0) break;
                const id = ids[a.pick % ids.length]!;
                const { code, status } = (await queue.runNow([id]))[0]!;
                const was = before[id] ?? 'pending';
                expect([id, code, status]).toEqual([
                  id,
                  was === 'scheduled' || was === 'retry' ? 'pending' : 'not_waiting',
                  was,
                ]);
                break;
              }
              case 'finishCanceled': {
                if (leases.length === 0) break;
                // Mostly what a worker does (a lease it was told to cancel), else any lease, stale ones too.
                const told = leases.filter((l) => cancelRequested.has(l.token));
                const from = told.length > 0 && a.pick % 4 !== 0 ? told : leases;
                const lease = from[a.pick % from.length]!;
                const [code] = await queue.finishCanceled([lease]);
                const valid = current.get(lease.id) === lease.token;
                expect([lease.token, code]).toEqual([
                  lease.token,
                  !valid ? 'lease_lost' : cancelRequested.has(lease.token) ? 'ok' : 'not_requested',
                ]);
                if (code === 'ok') {
                  ended.processed++;
                  current.delete(lease.id);
                }
                break;
              }
              case 'progress': {
                if (leases.length === 0) break;
                const lease = leases[a.pick % leases.length]!;
                const code = await queue.progress(lease, a.percent);
                expectCodes(lease, code);
                if (code === 'ok') progress.set(lease.id, String(a.percent));
                break;
              }
              case 'listen':
                expect(await queue.listenEvents(a.leaseMs)).toBe(mode);
                if (mode === 'auto') listenedUntil = Math.max(listenedUntil, clock.now() + a.leaseMs);
                break;
              case 'eventsMode':
                await queue.setEventsMode(a.mode);
                mode = a.mode;
                break;
              case 'postpone': {
                if (leases.length === 0) break;
                const lease = leases[a.pick % leases.length]!;
                const [code] = await queue.postpone([{ ...lease, delayMs: a.delayMs, retryDelayMs: 500 }], 2);
                expectCodes(lease, code!);
                if (code === 'retry' || code === 'dead') {
                  ended.processed++;
                  ended.failed++;
                }
                if (code !== 'lease_lost') current.delete(lease.id);
                break;
              }
              case 'limits':
                await queue.setLimits(a.limits);
                if (JSON.stringify(a.limits.rate) !== JSON.stringify(inForce.rate)) starts = [];
                inForce = a.limits;
                break;
              case 'advance':
                clock.advance(a.ms);
                break;
              case 'schedule': {
                const id = `${queue.name}-${schedules.length}`;
                const created = await stores[0]!.create({
                  id,
                  queue: queue.name,
                  cron: a.cron,
                  timezone: 'UTC',
                  task: { type: 'cron', payload: '{}', priority: 0, maxAttempts: 2 },
                  misfire: a.misfire,
                  misfireGraceMs: a.graceMs,
                  overlap: a.overlap,
                  paused: false,
                });
                schedules.push({
                  id,
                  cron: CronSchedule.parse(a.cron, 'UTC'),
                  from: created.cursor,
                  paused: [],
                });
                break;
              }
              case 'fire': {
                const fires = await Promise.all(
                  Array.from({ length: a.reapers }, (_, r) => stores[r % 2]!.fireDue(queue.name)),
                );
                for (const f of fires) for (const created of f.created.values()) ids.push(...created);
                break;
              }
              case 'togglePause': {
                if (schedules.length === 0) break;
                const model = schedules[a.pick % schedules.length]!;
                const before = (await stores[1]!.get(model.id))!;
                const after = await stores[1]!.update(model.id, { paused: !before.paused });
                if (before.paused) model.paused.push([before.cursor, after.cursor]);
                break;
              }
              case 'archiveClaim': {
                const claim = await queue.archiveClaim(a.token, 5000, a.limit, 1 << 20);
                if (claim.code === 'ok') claims.push({ token: a.token, claim });
                else expect(claim.tasks).toEqual([]);
                break;
              }
              case 'archiveConfirm': {
                if (claims.length === 0) break;
                const { token, claim } = claims.splice(a.pick % claims.length, 1)[0]!;
                // The archiver's upsert: a row is replaced only by a later version of the same task.
                for (const { record, version } of claim.tasks) {
                  const row = archived.get(record.id);
                  if (!row || Number(row.version) < Number(version))
                    archived.set(record.id, { status: record.status, version });
                }
                const codes = await queue.archiveConfirm(
                  token,
                  claim,
                  claim.tasks.map((t) => ({ id: t.record.id, status: t.record.status, version: t.version })),
                );
                codes.forEach((code, i) => {
                  if (code === 'deleted') archived.delete(claim.tasks[i]!.record.id);
                });
                break;
              }
              case 'trimArchived': {
                const finished = await Promise.all(ids.map((id) => queue.getTask(id)));
                const result = await queue.trim(TRIM_ALL, 1000, { holdMax: 0 });
                expect(result.dropped).toEqual([]);
                const gone = ids.filter((_, i) => finished[i] !== null);
                const after = await Promise.all(gone.map((id) => queue.getTask(id)));
                const trimmed = gone.filter((_, i) => after[i] === null);
                // Retention deleted only what PostgreSQL holds, in the very state Redis had.
                for (const id of trimmed) {
                  const record = finished[ids.indexOf(id)]!;
                  expect([id, archived.get(id)]).toEqual([
                    id,
                    { status: record.status, version: String(record.finishedAt) },
                  ]);
                }
                forget(trimmed);
                break;
              }
              case 'deleteFinished': {
                if (ids.length === 0) break;
                const id = ids[a.pick % ids.length]!;
                const { code } = await queue.deleteFinished(id);
                if (code === 'deleted') {
                  archived.delete(id); // TaskService deletes the row too
                  forget([id]);
                }
                break;
              }
            }
            // Every task marked archived at its current state has exactly that state in the archive.
            for (const id of ids) {
              const mark = await redis.hmget(
                queue.keys.taskPrefix + id.slice(id.indexOf('.') + 1),
                'status',
                'finishedAt',
                'archived',
              );
              if (mark[2] && mark[2] === `${mark[0]}:${mark[1]}`)
                expect([id, archived.get(id)]).toEqual([id, { status: mark[0], version: mark[1] }]);
            }
            const states = await expectConsistent(queue, ids);
            for (const [id, state] of Object.entries(states)) {
              expect([id, state === 'running']).toEqual([id, current.has(id)]);
            }
            for (const [id, value] of progress) expect((await queue.getTask(id))!.progress).toBe(value);
            // A running task shows a cancel request exactly while one is bound to its current lease.
            for (const [id, token] of current) {
              const requested = (await queue.getTask(id))!.cancelRequestedAt !== undefined;
              expect([id, requested]).toEqual([id, cancelRequested.has(token)]);
            }

            // Events: written exactly while the mode says so; then every change of state is in the stream,
            // and each task's last state event is the state it is in.
            const { events } = await queue.readEvents(lastEventId);
            lastEventId = events.at(-1)?.id ?? lastEventId;
            const writing = mode === 'on' || (mode === 'auto' && listenedUntil > clock.now());
            const lastState = new Map<string, string>();
            for (const e of events) if (e.kind !== 'progress') lastState.set(e.taskId, e.kind);
            if (!writing) expect(events).toEqual([]);
            else {
              for (const [id, state] of Object.entries(states)) {
                if (before[id] !== state) expect([id, lastState.get(id)]).toEqual([id, state]);
              }
              for (const [id, kind] of lastState) expect([id, kind]).toEqual([id, states[id]]);
            }
            before = states;
            await expectTrueOldestPending(queue, states);
          }
          for (const id of ids) {
            const record = (await queue.getTask(id))!;
            expect(record.attempt).toBeLessThanOrEqual(record.maxAttempts);
          }
          // Every slot of every schedule, up to its cursor, was handled exactly once: fired as one task (or
          // folded into a run-once task), or skipped by the overlap or misfire policy, or taken out by a pause.
          for (const model of schedules) {
            const record = (await stores[0]!.get(model.id))!;
            const tasks = (await Promise.all(ids.map((id) => queue.getTask(id))))
              .map((t) => t?.schedule)
              .filter((s) => s?.id === model.id);
            const slots = tasks.map((t) => t!.slot);
            expect(new Set(slots).size).toBe(slots.length);
            const expected: number[] = [];
            for (
              let at = model.cron.next(model.from);
              at !== null && at <= record.cursor;
              at = model.cron.next(at)
            ) {
              if (!model.paused.some(([after, until]) => at > after && at <= until)) expected.push(at);
            }
            for (const slot of slots) expect(expected).toContain(slot);
            const { fired, skippedOverlap, skippedMisfire, missedRunOnce } = record.counts;
            const onTime = tasks.filter((t) => t!.missed === 0).length;
            expect([model.id, fired, onTime + missedRunOnce + skippedOverlap + skippedMisfire]).toEqual([
              model.id,
              tasks.length,
              expected.length,
            ]);
          }
          // Every ended attempt was counted once, in the per-minute history.
          const history = await queue.history(1440);
          const total = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
          expect({ processed: total(history.processed), failed: total(history.failed) }).toEqual(ended);
          // Paging through each state lists exactly its tasks, in its order.
          for (const state of STATES) {
            const { ids: listed } = await listAll(queue, state, { limit: pageSize });
            expect([state, listed]).toEqual([state, await expectedOrder(queue, state)]);
          }
        },
      ),
      {
        numRuns: 40,
        examples: [
          // A group at its limit gets a new task: it must not take a turn until one of its tasks ends.
          [
            'off',
            [
              { kind: 'enqueue', priority: 0, delayMs: 0, maxAttempts: 1, group: 'a' },
              { kind: 'enqueue', priority: 0, delayMs: 0, maxAttempts: 1, group: 'a' },
              { kind: 'claim', count: 1, leaseMs: 1000 },
              { kind: 'enqueue', priority: 0, delayMs: 0, maxAttempts: 1, group: 'a' },
              { kind: 'claim', count: 2, leaseMs: 1000 },
            ],
            1,
            { groupConcurrency: 1 },
          ],
          // The task actions end to end: running tasks canceled through their lease (by the worker, and by
          // the reaper once the lease expired), a scheduled and a retry task run now.
          [
            'on',
            [
              { kind: 'enqueue', priority: 0, delayMs: 0, maxAttempts: 2, group: undefined },
              { kind: 'enqueue', priority: 0, delayMs: 0, maxAttempts: 2, group: 'a' },
              { kind: 'claim', count: 2, leaseMs: 1000 },
              { kind: 'cancel', pick: 0, running: true },
              { kind: 'cancel', pick: 1, running: true },
              { kind: 'extend', pick: 0, permanent: false },
              { kind: 'finishCanceled', pick: 1 },
              { kind: 'enqueue', priority: 0, delayMs: 1000, maxAttempts: 2, group: undefined },
              { kind: 'runNow', pick: 2 },
              { kind: 'advance', ms: 1001 },
              { kind: 'reap' },
              { kind: 'claim', count: 1, leaseMs: 1000 },
              { kind: 'extend', pick: 2, permanent: false },
              { kind: 'complete', pick: 2, permanent: false },
              { kind: 'enqueue', priority: 0, delayMs: 0, maxAttempts: 2, group: undefined },
              { kind: 'claim', count: 1, leaseMs: 1000 },
              { kind: 'fail', pick: 3, permanent: false },
              { kind: 'runNow', pick: 3 },
            ],
            1,
            null,
          ],
        ],
      },
    );
    // A fixed amount of work (40 runs of up to 25 steps, medium-sized), a few seconds on a quiet machine; a
    // machine shared by several test runs has taken over 30 s, and at load average 38 over 180 s (a
    // deadline costs time only when the test fails anyway).
  }, 600_000);
});
