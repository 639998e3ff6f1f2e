import {
  ScheduleStore,
  TqError,
  type ScheduleChange,
  type ScheduleDefinition,
  type ScheduleRecord,
} from '@tq/core';
import { toScheduleDetail, toScheduleView, type ScheduleDetail, type ScheduleView } from './schedule';
import {
  SCHEDULE_LIMITS,
  scheduleChangeSchema,
  scheduleGetQuerySchema,
  scheduleListQuerySchema,
  scheduleSubmissionSchema,
} from './schedule-schema';
import { DEFAULTS, fieldErrors, type FieldError } from './schema';

/** What a {@link ScheduleService} enforces. */
export interface ScheduleServiceOptions {
  /** Most schedules tq may hold (SCHEDULE_MAX_COUNT); 0 = no limit. */
  maxSchedules: number;
  /** Most queues tq may hold; a schedule of a new queue counts as one. 0 = no limit. */
  maxQueues: number;
  /** Largest serialized payload of a schedule's task, bytes. */
  maxPayloadBytes: number;
  /** Throws `queue_not_allowed` for a queue submissions may not use (the same policy as tasks). */
  assertQueueAllowed: (queue: string) => void;
}

/** A page of schedules (see {@link ScheduleService.list}). */
export interface SchedulePage {
  /** Schedules of the listing (of the queue, or all). */
  total: number;
  /** Pass it as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
  schedules: ScheduleView[];
}

/**
 * Cron schedules as the APIs and the CLI use them: validates the bodies (errors name each field), applies
 * the defaults, and maps the core store's records to views. Protocol-free: errors are TqErrors.
 */
export class ScheduleService {
  constructor(
    private readonly store: ScheduleStore,
    private readonly options: ScheduleServiceOptions,
  ) {}

  /**
   * Creates a schedule from a `POST /schedules` body. Throws `invalid` (per field, the cron expression and
   * zone included), `too_large`, `queue_not_allowed`, `conflict` (the id is taken), `schedule_limit`,
   * `queue_limit`.
   */
  async create(body: unknown): Promise<ScheduleDetail> {
    const parsed = scheduleSubmissionSchema.safeParse(body);
    if (!parsed.success) throw invalid(fieldErrors(parsed.error), 'the schedule');
    const s = parsed.data;
    this.options.assertQueueAllowed(s.task.queue);
    const def: ScheduleDefinition = {
      id: s.id,
      queue: s.task.queue,
      cron: s.cron,
      timezone: s.timezone ?? 'UTC',
      task: {
        type: s.task.type,
        payload: this.payload(s.task.payload),
        priority: s.task.priority ?? DEFAULTS.priority,
        maxAttempts: s.task.maxAttempts ?? DEFAULTS.maxAttempts,
        timeoutMs: s.task.timeoutMs,
      },
      misfire: s.misfire ?? 'skip',
      misfireGraceMs: s.misfireGraceMs ?? SCHEDULE_LIMITS.defaultMisfireGraceMs,
      overlap: s.overlap ?? 'allow',
      paused: s.paused ?? false,
    };
    const record = await this.store.create(def, this.options.maxSchedules, this.options.maxQueues);
    return toScheduleDetail(record, 5);
  }

  /** The schedule `id` with its next runs (`query.runs`, default 5). Throws `invalid`, `not_found`. */
  async get(id: string, query: unknown = {}): Promise<ScheduleDetail> {
    const parsed = scheduleGetQuerySchema.safeParse(query);
    if (!parsed.success) throw invalid(fieldErrors(parsed.error), 'the query');
    return toScheduleDetail(await this.find(id), parsed.data.runs);
  }

  /** A page of schedules by id (`query`: queue, limit, cursor). Throws `invalid`. */
  async list(query: unknown = {}): Promise<SchedulePage> {
    const parsed = scheduleListQuerySchema.safeParse(query);
    if (!parsed.success) throw invalid(fieldErrors(parsed.error), 'the query');
    const { queue, limit, cursor } = parsed.data;
    const page = await this.store.page({ queue, after: cursor, limit });
    return { total: page.total, nextCursor: page.next, schedules: page.schedules.map(toScheduleView) };
  }

  /**
   * Applies a `PATCH /schedules/:id` body: pause (`paused: true`), resume (`paused: false`: from now on,
   * the slots of the pause do not run), or a new cron, zone, policy or task template. Throws `invalid`,
   * `not_found`, `too_large`, `conflict` (other changes kept winning the race).
   */
  async update(id: string, body: unknown): Promise<ScheduleDetail> {
    const parsed = scheduleChangeSchema.safeParse(body);
    if (!parsed.success) throw invalid(fieldErrors(parsed.error), 'the change');
    const { task, ...rest } = parsed.data;
    const change: ScheduleChange = { ...rest };
    if (task) {
      change.task = {
        type: task.type,
        payload: this.payload(task.payload),
        priority: task.priority ?? DEFAULTS.priority,
        maxAttempts: task.maxAttempts ?? DEFAULTS.maxAttempts,
        timeoutMs: task.timeoutMs,
      };
    }
    return toScheduleDetail(await this.store.update(id, change), 5);
  }

  /** Deletes the schedule `id` (the tasks it enqueued stay). Throws `not_found`. */
  async delete(id: string): Promise<void> {
    await this.store.delete(id);
  }

  private async find(id: string): Promise<ScheduleRecord> {
    const record = await this.store.get(id);
    if (!record) throw new TqError('not_found', `schedule ${JSON.stringify(id)} does not exist`);
    return record;
  }

  private payload(value: unknown): string {
    const payload = JSON.stringify(value ?? null);
    const bytes = Buffer.byteLength(payload);
    if (bytes > this.options.maxPayloadBytes) {
      const message = `payload is ${bytes} bytes serialized; the limit is ${this.options.maxPayloadBytes}`;
      throw new TqError('too_large', `the schedule is too large: ${message}`, {
        errors: [{ field: 'task.payload', message }],
      });
    }
    return payload;
  }
}

/** An `invalid` error summarizing the field errors of `what`. */
function invalid(errors: FieldError[], what: string): TqError {
  const summary = errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
  return new TqError('invalid', `${what} is invalid: ${summary}`, { errors });
}
