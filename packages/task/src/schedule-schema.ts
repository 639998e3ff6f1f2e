import { QUEUE_NAME_PATTERN, SCHEDULE_ID_PATTERN } from '@tq/core';
import { z } from 'zod';
import { LIMITS } from './schema';

/** Limits of a schedule, of a queue's limits, and of the reads of both; each is said in the error past it. */
export const SCHEDULE_LIMITS = {
  /** Longest cron expression. */
  maxCronChars: 200,
  /** Longest time zone name (the longest IANA name is 32 characters). */
  maxTimezoneChars: 64,
  /** Longest misfire grace: 7 days (a slot older than that is missed whatever the grace). */
  maxMisfireGraceMs: 7 * 24 * 3600_000,
  /** Shortest misfire grace: 1 s (a reaper looks about once a second). */
  minMisfireGraceMs: 1000,
  /** Default misfire grace: a slot later than 60 s is missed. */
  defaultMisfireGraceMs: 60_000,
  /** Most schedules in one page of a listing. */
  maxPage: 1000,
  /** Most next runs `GET /schedules/:id` computes. */
  maxRuns: 100,
  /** Most starts per window of a rate limit (the log of starts holds that many: ADR 0028). */
  maxRate: 10_000,
  /** Longest window of a rate limit: 24 h. */
  maxRatePeriodMs: 24 * 3600_000,
  /** Largest concurrency limit (queue or group). */
  maxConcurrency: 1_000_000,
  /** Most groups one read lists. */
  maxGroupsListed: 1000,
} as const;

const int = (field: string, min: number, max: number) =>
  z
    .number({
      // A field left out of an object that needs it (rate without periodMs) is missing, not a wrong type.
      error: (issue) =>
        issue.input === undefined
          ? `${field} is required: a whole number from ${min} to ${max}`
          : `${field} must be a number`,
    })
    .int({ error: `${field} must be a whole number` })
    .min(min, { error: `${field} must be at least ${min}` })
    .max(max, { error: `${field} must be at most ${max}` });

const object = <Shape extends z.ZodRawShape>(shape: Shape, what: string) =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field ${issue.keys.join(', ')}`
        : `${what} must be a JSON object`,
  });

const TYPE_ERROR =
  'type must start with a letter and use only letters, digits, "_", ".", ":" or "-" (at most 100)';
const ID_ERROR = 'id must be 1-128 letters, digits, "_", ".", ":" or "-", starting with a letter or digit';

/** The task fields of a schedule that may change (all but the queue). */
const taskFields = {
  type: z
    .string({ error: 'type is required and must be a string, e.g. "report"' })
    .regex(LIMITS.typePattern, { error: TYPE_ERROR }),
  payload: z.unknown().optional(),
  priority: int('priority', 0, LIMITS.maxPriority).optional(),
  maxAttempts: int('maxAttempts', 1, LIMITS.maxAttempts).optional(),
  timeoutMs: int('timeoutMs', 1, LIMITS.maxTimeoutMs).optional(),
};

const cron = z
  .string({ error: 'cron must be a string, e.g. "0 3 * * *" or "*/10 * * * * *" (seconds first)' })
  .min(1, { error: 'cron must not be empty' })
  .max(SCHEDULE_LIMITS.maxCronChars, {
    error: `cron must be at most ${SCHEDULE_LIMITS.maxCronChars} characters`,
  });
const timezone = z
  .string({ error: 'timezone must be a string: an IANA name such as "Europe/Paris" or "UTC"' })
  .min(1, { error: 'timezone must not be empty' })
  .max(SCHEDULE_LIMITS.maxTimezoneChars, {
    error: `timezone must be at most ${SCHEDULE_LIMITS.maxTimezoneChars} characters`,
  });
const misfire = z.enum(['skip', 'run-once'], {
  error: 'misfire must be "skip" (missed slots do not run) or "run-once" (one task for all of them)',
});
const overlap = z.enum(['allow', 'skip'], {
  error: 'overlap must be "allow" or "skip" (no task while the previous one is unfinished)',
});
const misfireGraceMs = int(
  'misfireGraceMs',
  SCHEDULE_LIMITS.minMisfireGraceMs,
  SCHEDULE_LIMITS.maxMisfireGraceMs,
);
const paused = z.boolean({ error: 'paused must be true or false' });

/**
 * The body of `POST /schedules`: a schedule id, a cron expression (5 fields, or 6 with seconds first) in an
 * IANA time zone (default UTC), the task each slot enqueues, and the misfire and overlap policies. The cron
 * expression and the zone are parsed by the service (croner, Intl), which names the field it refuses.
 */
export const scheduleSubmissionSchema = object(
  {
    id: z.string({ error: `id is required: ${ID_ERROR}` }).regex(SCHEDULE_ID_PATTERN, { error: ID_ERROR }),
    cron,
    timezone: timezone.optional(),
    task: object(
      {
        queue: z
          .string({ error: 'queue is required and must be a string' })
          .regex(QUEUE_NAME_PATTERN, { error: 'queue must be 1-64 letters, digits, "_" or "-"' }),
        ...taskFields,
      },
      'task',
    ),
    misfire: misfire.optional(),
    misfireGraceMs: misfireGraceMs.optional(),
    overlap: overlap.optional(),
    paused: paused.optional(),
  },
  'the schedule',
);

export type ScheduleSubmission = z.infer<typeof scheduleSubmissionSchema>;

/**
 * The body of `PATCH /schedules/:id`: `paused` pauses or resumes; the cron expression, time zone, policies
 * and task template (without its queue, which cannot change) may change too. At least one field.
 */
export const scheduleChangeSchema = object(
  {
    paused: paused.optional(),
    cron: cron.optional(),
    timezone: timezone.optional(),
    misfire: misfire.optional(),
    misfireGraceMs: misfireGraceMs.optional(),
    overlap: overlap.optional(),
    task: z
      .strictObject(taskFields, {
        error: (issue) =>
          issue.code === 'unrecognized_keys'
            ? `unknown field ${issue.keys.join(', ')}` +
              (issue.keys.includes('queue')
                ? ': a schedule cannot move to another queue (delete it and create it again)'
                : '')
            : 'task must be a JSON object',
      })
      .optional(),
  },
  'the change',
).refine((c) => Object.keys(c).length > 0, {
  error:
    'the change is empty: send at least one of paused, cron, timezone, misfire, misfireGraceMs, overlap, task',
});

export type ScheduleChangeBody = z.infer<typeof scheduleChangeSchema>;

const countParam = (name: string, max: number, fallback: number) => {
  const error = `${name} must be a whole number from 1 to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(1, { error }).max(max, { error }).default(fallback);
};

const queryObject = <Shape extends z.ZodRawShape>(shape: Shape) =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown parameter ${issue.keys.join(', ')}`
        : 'the query must be an object',
  });

/** The query of `GET /schedules`: one queue's (else all), a page of `limit` by id after `cursor`. */
export const scheduleListQuerySchema = queryObject({
  queue: z
    .string({ error: 'queue must be a string' })
    .regex(QUEUE_NAME_PATTERN, { error: 'queue must be 1-64 letters, digits, "_" or "-"' })
    .optional(),
  limit: countParam('limit', SCHEDULE_LIMITS.maxPage, 100),
  cursor: z
    .string({ error: 'cursor must be a string: the nextCursor of the previous page' })
    .regex(SCHEDULE_ID_PATTERN, {
      error: 'cursor is invalid: pass the nextCursor of the previous page as it is',
    })
    .optional(),
});

/** The query of `GET /schedules/:id`: how many next runs to compute. */
export const scheduleGetQuerySchema = queryObject({
  runs: countParam('runs', SCHEDULE_LIMITS.maxRuns, 5),
});

/**
 * The body of `PUT /queues/:name/limits`: every limit the queue has (one left out is removed; `{}` removes
 * them all). ADR 0028.
 */
export const queueLimitsSchema = object(
  {
    rate: object(
      {
        max: int('rate.max', 1, SCHEDULE_LIMITS.maxRate),
        periodMs: int('rate.periodMs', 1, SCHEDULE_LIMITS.maxRatePeriodMs),
      },
      'rate',
    )
      .nullable()
      .optional(),
    concurrency: int('concurrency', 1, SCHEDULE_LIMITS.maxConcurrency).nullable().optional(),
    groupConcurrency: int('groupConcurrency', 1, SCHEDULE_LIMITS.maxConcurrency).nullable().optional(),
  },
  'the limits',
);

export type QueueLimitsBody = z.infer<typeof queueLimitsSchema>;

/** The query of `GET /queues/:name/groups`: the top `limit` groups by backlog. */
export const groupListQuerySchema = queryObject({
  limit: countParam('limit', SCHEDULE_LIMITS.maxGroupsListed, 20),
});
