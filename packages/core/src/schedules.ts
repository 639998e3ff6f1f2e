import type { Clock } from './clock';
import { CronSchedule, NEVER_MS } from './cron';
import { TqError } from './errors';
import { DEFAULT_TASK_FORMAT, newLocalId, type TaskFormat } from './ids';
import { SCHEDULES_KEY, queueKeys } from './keys';
import { Queue } from './queue';
import { runScript, type RedisClient, type ScriptName } from './scripts';

/** What happens to slots missed by more than the grace (no reaper ran): none run, or one task for them all. */
export type MisfirePolicy = 'skip' | 'run-once';
/** Whether a slot fires while the schedule's previous task is unfinished ('skip': it does not). */
export type OverlapPolicy = 'allow' | 'skip';

/** Schedule ids: a letter or digit, then letters, digits, "_", ".", ":" or "-"; at most 128. */
export const SCHEDULE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
/** Most missed slots counted one by one for the misfire policy; past it the count says "at least". */
export const MISSED_COUNT_MAX = 1000;
/** Most slots one schedule fires per script call; the rest follow in the next call. */
const SLOTS_PER_FIRE = 100;
/** Tries of a change that lost a race with another change (or a firing) before giving up. */
const UPDATE_TRIES = 10;

/** The task a schedule enqueues at each slot. */
export interface ScheduleTask {
  type: string;
  /** Serialized JSON. */
  payload: string;
  priority: number;
  maxAttempts: number;
  timeoutMs?: number;
}

/** What defines a schedule (the API's body, validated). */
export interface ScheduleDefinition {
  id: string;
  queue: string;
  cron: string;
  timezone: string;
  task: ScheduleTask;
  misfire: MisfirePolicy;
  /** A slot later than this (ms) when it could fire is missed, and the misfire policy applies. */
  misfireGraceMs: number;
  overlap: OverlapPolicy;
  paused: boolean;
}

/** A stored schedule: its definition and its firing state. Times in ms since the epoch. */
export interface ScheduleRecord extends ScheduleDefinition {
  /** Counts every change; a change made from an older revision is refused (and retried). */
  revision: number;
  createdAt: number;
  updatedAt: number;
  /** Every slot up to here has been handled (fired or skipped); the next one fires after it. */
  cursor: number;
  /** The next slot to fire, or null while paused. */
  nextAt: number | null;
  lastTaskId?: string;
  lastSlot?: number;
  lastFiredAt?: number;
  counts: {
    /** Tasks enqueued. */
    fired: number;
    /** Slots skipped because the previous task was unfinished (overlap "skip"). */
    skippedOverlap: number;
    /** Slots skipped because they were missed (misfire "skip"). */
    skippedMisfire: number;
    /** Missed slots folded into run-once catch-up tasks. */
    missedRunOnce: number;
  };
}

/** A change to a schedule; `paused: false` resumes it from now on (slots of the pause do not fire). */
export type ScheduleChange = Partial<Omit<ScheduleDefinition, 'id' | 'queue'>>;

/** What one `fireDue` call did in a queue. */
export interface FireResult {
  /** Task ids enqueued, by schedule id. */
  created: Map<string, string[]>;
  /** Schedules that another reaper (or a change) moved first: nothing fired for them here. */
  stale: number;
  overlapSkipped: number;
  misfireSkipped: number;
  /** For each task of an on-time slot: how late it was enqueued (Redis time of the fire - slot), ms. */
  delaysMs: number[];
  /** More schedules were due than `limit`, or a schedule has more due slots than one fire takes: call again. */
  more: boolean;
}

/** The slots to fire for one schedule at `now`, from `cursor` (see {@link planSlots}). */
export interface SlotPlan {
  /** Tasks to enqueue: the slot each stands for, and the missed slots folded into it (run-once). */
  tasks: { slot: number; missed: number }[];
  /** Missed slots the policy skips. */
  misfireSkipped: number;
  newCursor: number;
  /** The next slot after the new cursor (due already when more than `maxSlots` were), or null for none. */
  nextAt: number | null;
}

/**
 * Which slots fire now: slots in (cursor, now] that are at most `graceMs` late fire one task each (at
 * most `maxSlots`); older ones are missed: skipped, or run once as one task (`missed` = how many, up to
 * MISSED_COUNT_MAX). Pure: no clock but `now`.
 */
export function planSlots(
  schedule: CronSchedule,
  cursor: number,
  now: number,
  misfire: MisfirePolicy,
  graceMs: number,
  maxSlots = SLOTS_PER_FIRE,
): SlotPlan {
  const tasks: SlotPlan['tasks'] = [];
  let misfireSkipped = 0;
  let newCursor = cursor;
  const onTimeFrom = now - graceMs;
  let slot = schedule.next(cursor);
  if (slot !== null && slot < onTimeFrom) {
    const first = slot;
    let missed = 0;
    while (slot !== null && slot < onTimeFrom && missed < MISSED_COUNT_MAX) {
      missed++;
      slot = schedule.next(slot);
    }
    // Every slot before onTimeFrom is handled by the policy, however many there were.
    newCursor = onTimeFrom - 1;
    if (slot !== null && slot < onTimeFrom) slot = schedule.next(newCursor);
    if (misfire === 'run-once') tasks.push({ slot: first, missed });
    else misfireSkipped = missed;
  }
  while (slot !== null && slot <= now && tasks.length < maxSlots) {
    tasks.push({ slot, missed: 0 });
    newCursor = slot;
    slot = schedule.next(slot);
  }
  return { tasks, misfireSkipped, newCursor, nextAt: slot };
}

/**
 * Cron schedules in Redis (docs/scheduling.md, ADR 0025). Each schedule lives in the hash-tag slot of its
 * target queue (`tq:{q}:schedule:<id>`, indexed by next slot in `tq:{q}:schedules`), so one script can
 * advance its cursor and enqueue its task together; `tq:schedules` maps ids to queues for reads by id and
 * listings without a scan. Any reaper fires due slots with {@link fireDue}: no leader.
 */
export class ScheduleStore {
  /**
   * `taskFormat`: the stored format of the tasks {@link fireDue} enqueues (ADR 0045), like a producer's
   * (TASK_FORMAT): 1 while processes of a release before ADR 0045 still run, else 2 (default).
   */
  constructor(
    readonly redis: RedisClient,
    private readonly clock?: Clock,
    private readonly taskFormat: TaskFormat = DEFAULT_TASK_FORMAT,
  ) {}

  /**
   * Stores a new schedule; its first slot is the first after now. Throws `invalid` (cron, timezone, id),
   * `conflict` when the id is taken, `schedule_limit` when `tq:schedules` holds `maxSchedules` (0 = no
   * limit), `queue_limit` when the queue is new and `tq:queues` is full.
   */
  async create(def: ScheduleDefinition, maxSchedules = 0, maxQueues = 0): Promise<ScheduleRecord> {
    assertScheduleId(def.id);
    const cron = CronSchedule.parse(def.cron, def.timezone);
    const queue = new Queue(this.redis, def.queue, this.clock);
    await queue.addToRegistry(maxQueues);
    await this.claimId(def.id, def.queue, maxSchedules);
    const now = await this.now();
    const nextAt = def.paused ? null : cron.next(now);
    // One instant for createdAt and the cursor: read apart, a second could begin between them, and the
    // schedule fired a slot before its own createdAt.
    const [code] = await this.save(def.queue, now, 'create', '', def.id, nextAt, {
      ...definitionFields(def),
      cursor: now,
    });
    if (code === 'exists') throw taken(def.id, def.queue);
    await queue.confirmInRegistry();
    return (await this.get(def.id))!;
  }

  /** The schedule `id`, or null. */
  async get(id: string): Promise<ScheduleRecord | null> {
    if (!SCHEDULE_ID_PATTERN.test(id)) return null;
    const queue = await this.redis.hget(SCHEDULES_KEY, id);
    if (queue === null) return null;
    return toRecord(queue, await this.redis.hgetall(scheduleKey(queue, id)));
  }

  /** Every schedule (of `queue` only, when given), by id: the registry, then one read per schedule; no scan. */
  async list(queue?: string): Promise<ScheduleRecord[]> {
    const entries = Object.entries(await this.redis.hgetall(SCHEDULES_KEY))
      .filter(([, q]) => queue === undefined || q === queue)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    // One read per schedule, sent together (a Cluster pipeline cannot span the queues' slots).
    const hashes = await Promise.all(entries.map(([id, q]) => this.redis.hgetall(scheduleKey(q, id))));
    const records: ScheduleRecord[] = [];
    entries.forEach(([, q], i) => {
      const record = toRecord(q, hashes[i]!);
      if (record) records.push(record);
    });
    return records;
  }

  /**
   * A page of the schedules (of `queue` only, when given), by id: at most `limit` after the id `after`. Reads
   * the registry (at most SCHEDULE_MAX_COUNT fields), then one hash per schedule of the page; no scan.
   * `total` counts the schedules of the listing (of `queue`, or all), `next` is the id to pass as `after`
   * for the next page (null at the end).
   */
  async page(options: {
    queue?: string;
    after?: string;
    limit: number;
  }): Promise<{ total: number; schedules: ScheduleRecord[]; next: string | null }> {
    const { queue, after, limit } = options;
    const entries = Object.entries(await this.redis.hgetall(SCHEDULES_KEY))
      .filter(([, q]) => queue === undefined || q === queue)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const from = after === undefined ? entries : entries.filter(([id]) => id > after);
    const chosen = from.slice(0, limit);
    const hashes = await Promise.all(chosen.map(([id, q]) => this.redis.hgetall(scheduleKey(q, id))));
    const schedules: ScheduleRecord[] = [];
    chosen.forEach(([, q], i) => {
      const record = toRecord(q, hashes[i]!);
      if (record) schedules.push(record);
    });
    const next = from.length > limit ? chosen[chosen.length - 1]![0] : null;
    return { total: entries.length, schedules, next };
  }

  /**
   * Changes a schedule. A new cron or time zone, or a resume, starts from now: slots before it do not
   * fire. Throws `not_found`, `invalid`, or `conflict` when other changes kept winning the race.
   */
  async update(id: string, change: ScheduleChange): Promise<ScheduleRecord> {
    for (let attempt = 0; attempt < UPDATE_TRIES; attempt++) {
      const current = await this.get(id);
      if (!current) throw notFound(id);
      const next: ScheduleDefinition = { ...current, ...change, id, queue: current.queue };
      const cron = CronSchedule.parse(next.cron, next.timezone);
      const now = await this.now();
      const restart =
        next.cron !== current.cron || next.timezone !== current.timezone || (current.paused && !next.paused);
      const cursor = restart ? Math.max(now, current.cursor) : current.cursor;
      const nextAt = next.paused ? null : cron.next(cursor);
      const [code] = await this.save(current.queue, now, 'update', String(current.revision), id, nextAt, {
        ...definitionFields(next),
        cursor,
      });
      if (code === 'ok') return (await this.get(id))!;
      if (code === 'not_found') throw notFound(id);
    }
    throw new TqError('conflict', `schedule ${id} kept changing while this change was applied; try again`);
  }

  /** Deletes a schedule; tasks it enqueued stay. Throws `not_found`. */
  async delete(id: string): Promise<void> {
    const queue = SCHEDULE_ID_PATTERN.test(id) ? await this.redis.hget(SCHEDULES_KEY, id) : null;
    if (queue === null) throw notFound(id);
    const k = queueKeys(queue);
    await this.run('delete_schedule', [k.schedules, k.schedulePrefix + id], [id]);
    await this.redis.hdel(SCHEDULES_KEY, id);
  }

  /**
   * Fires the due slots of up to `limit` schedules of `queue` (the reaper, when `Queue.due` says a slot
   * has come). Reads them, plans each one's slots (see {@link planSlots}), and fires all in one script
   * that skips any schedule changed since the read: each slot becomes exactly one task, whatever the
   * number of reapers doing this at once.
   */
  async fireDue(queue: string, limit = 50): Promise<FireResult> {
    const k = queueKeys(queue);
    const [nowReply, rows] = (await this.run(
      'due_schedules',
      [k.schedules, k.schedulePrefix],
      [this.clockArg(), limit],
    )) as [number, (string | null)[]];
    const now = Number(nowReply);
    const result: FireResult = {
      created: new Map(),
      stale: 0,
      overlapSkipped: 0,
      misfireSkipped: 0,
      delaysMs: [],
      more: rows.length / 7 >= limit,
    };
    const slots = new Map<string, { slot: number; missed: number }>();
    // Counted for the schedules this call fired: a stale one's slots are another reaper's to count.
    const misfireSkipped = new Map<string, number>();
    const args: (string | number)[] = [this.clockArg(), k.wakeChannel];
    for (let i = 0; i < rows.length; i += 7) {
      const [id, rev, cursor, cron, timezone, misfire, grace] = rows.slice(i, i + 7) as [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      let plan: SlotPlan;
      try {
        plan = planSlots(
          CronSchedule.parse(cron, timezone),
          Number(cursor),
          now,
          misfire as MisfirePolicy,
          Number(grace),
        );
      } catch {
        // Stored by an older version, or edited by hand: skip it rather than stop the queue's others.
        continue;
      }
      misfireSkipped.set(id, plan.misfireSkipped);
      // More slots than one fire takes (a long catch-up) are due already: fire again in the same pass.
      if (plan.nextAt !== null && plan.nextAt <= now) result.more = true;
      args.push(id, rev, cursor, plan.newCursor, plan.nextAt ?? NEVER_MS, plan.misfireSkipped);
      args.push(plan.tasks.length);
      for (const t of plan.tasks) {
        const local = newLocalId(now, this.taskFormat); // its length tells fire_schedules the format
        slots.set(local, t);
        args.push(local, t.slot, t.missed);
      }
    }
    if (args.length === 2) return result;
    const replies = (await this.run(
      'fire_schedules',
      [k.schedules, k.schedulePrefix, k.pendingPrefix, k.taskPrefix, k.meta, k.events],
      args,
    )) as [string, string, string[], number][];
    for (const [id, code, created, overlapSkipped] of replies) {
      if (code === 'stale') {
        result.stale++;
        continue;
      }
      result.created.set(
        id,
        created.map((local) => `${queue}.${local}`),
      );
      for (const local of created) {
        const t = slots.get(local)!;
        if (t.missed === 0) result.delaysMs.push(now - t.slot);
      }
      result.overlapSkipped += Number(overlapSkipped);
      result.misfireSkipped += misfireSkipped.get(id) ?? 0;
    }
    return result;
  }

  /** Redis time (or the injected clock's), ms. */
  async now(): Promise<number> {
    if (this.clock) return this.clock.now();
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  /** Points `id` at `queue` in the registry, or throws when another queue holds a schedule of that id. */
  private async claimId(id: string, queue: string, maxSchedules: number): Promise<void> {
    const claim = (force: boolean) =>
      this.run('register_schedule', [SCHEDULES_KEY], [id, queue, maxSchedules, force ? '1' : '0']) as Promise<
        [string, string?]
      >;
    const [code, other] = await claim(false);
    if (code === 'full') {
      throw new TqError(
        'schedule_limit',
        `tq already holds ${maxSchedules} schedules, the most allowed (SCHEDULE_MAX_COUNT): delete one first`,
        { maxSchedules },
      );
    }
    if (code === 'taken') {
      // The registry entry outlives a schedule whose creation stopped half-way; only a real one is a conflict.
      if ((await this.redis.exists(scheduleKey(other!, id))) === 1) throw taken(id, other!);
      await claim(true);
    }
  }

  /** `now`: the change's time, as createdAt (create) and updatedAt. */
  private save(
    queue: string,
    now: number,
    mode: 'create' | 'update',
    revision: string,
    id: string,
    nextAt: number | null,
    fields: Record<string, string | number | undefined>,
  ): Promise<[string, number?]> {
    const k = queueKeys(queue);
    const pairs: (string | number)[] = [];
    for (const [field, value] of Object.entries(fields)) pairs.push(field, value ?? '');
    return this.run(
      'save_schedule',
      [k.schedules, k.schedulePrefix + id, k.registered],
      [now, mode, revision, id, nextAt ?? NEVER_MS, ...pairs],
    ) as Promise<[string, number?]>;
  }

  private run(name: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown> {
    return runScript(this.redis, name, keys, args);
  }

  private clockArg(): string {
    return this.clock ? String(this.clock.now()) : '';
  }
}

/** Throws `invalid` unless `id` is a valid schedule id. */
export function assertScheduleId(id: string): void {
  if (!SCHEDULE_ID_PATTERN.test(id)) {
    const message = 'id must be 1-128 letters, digits, "_", ".", ":" or "-", starting with a letter or digit';
    throw new TqError('invalid', `the schedule is invalid: id: ${message}`, {
      errors: [{ field: 'id', message }],
    });
  }
}

function scheduleKey(queue: string, id: string): string {
  return queueKeys(queue).schedulePrefix + id;
}

/** The hash fields of a definition ('' deletes a field). */
function definitionFields(def: ScheduleDefinition): Record<string, string | number | undefined> {
  return {
    queue: def.queue,
    cron: def.cron,
    timezone: def.timezone,
    misfire: def.misfire,
    misfireGraceMs: def.misfireGraceMs,
    overlap: def.overlap,
    paused: def.paused ? '1' : '',
    type: def.task.type,
    payload: def.task.payload,
    priority: def.task.priority,
    maxAttempts: def.task.maxAttempts,
    timeoutMs: def.task.timeoutMs,
  };
}

function toRecord(queue: string, h: Record<string, string>): ScheduleRecord | null {
  if (h.rev === undefined) return null;
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const nextAt = h.paused ? null : (CronSchedule.tryNext(h.cron!, h.timezone!, Number(h.cursor)) ?? null);
  return {
    id: h.id!,
    queue,
    cron: h.cron!,
    timezone: h.timezone!,
    task: {
      type: h.type!,
      payload: h.payload!,
      priority: Number(h.priority ?? 0),
      maxAttempts: Number(h.maxAttempts),
      timeoutMs: num(h.timeoutMs),
    },
    misfire: h.misfire as MisfirePolicy,
    misfireGraceMs: Number(h.misfireGraceMs),
    overlap: h.overlap as OverlapPolicy,
    paused: h.paused === '1',
    revision: Number(h.rev),
    createdAt: Number(h.createdAt),
    updatedAt: Number(h.updatedAt),
    cursor: Number(h.cursor),
    nextAt,
    lastTaskId: h.lastTaskId === undefined ? undefined : `${queue}.${h.lastTaskId}`,
    lastSlot: num(h.lastSlot),
    lastFiredAt: num(h.lastFiredAt),
    counts: {
      fired: Number(h.fired ?? 0),
      skippedOverlap: Number(h.skippedOverlap ?? 0),
      skippedMisfire: Number(h.skippedMisfire ?? 0),
      missedRunOnce: Number(h.missedRunOnce ?? 0),
    },
  };
}

function notFound(id: string): TqError {
  return new TqError('not_found', `schedule ${JSON.stringify(id)} does not exist`);
}

function taken(id: string, queue: string): TqError {
  return new TqError(
    'conflict',
    `schedule ${JSON.stringify(id)} already exists (queue ${queue}): change it with PATCH, or delete it first`,
  );
}
