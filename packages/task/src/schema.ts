import {
  DEFAULT_MAX_ATTEMPTS,
  MAX_CURSOR_CHARS,
  MAX_PARTITIONS,
  QUEUE_NAME_PATTERN,
  TASK_STATES,
  maxMergedCursorChars,
} from '@tq/core';
import { z } from 'zod';
import { TRACEPARENT_PATTERN } from './trace-context';

/** Limits of a submission; each is said in the error a user gets past it. */
export const LIMITS = {
  typePattern: /^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/,
  idempotencyKeyPattern: /^[\x21-\x7e]{1,255}$/,
  maxPriority: 9,
  maxAttempts: 1000,
  /** Longest delay or distance of runAt into the future: 365 days. */
  maxDelayMs: 365 * 24 * 3600_000,
  /** Longest handler timeout: 12 h (SQS's longest visibility). */
  maxTimeoutMs: 12 * 3600_000,
  /** Default size limit of a serialized payload: 1 MiB, like SQS. */
  defaultMaxPayloadBytes: 1024 * 1024,
  maxBatch: 1000,
  /** Longest idempotency window a submission may ask for: 30 days, like IDEMPOTENCY_TTL_MS. */
  maxIdempotencyTtlMs: 30 * 24 * 3600_000,
  /** Most tasks in one page of a task list. */
  maxPageLimit: 1000,
  /** A fair group (a tenant, a customer): printable ASCII without spaces, at most 128 characters. */
  groupPattern: /^[\x21-\x7e]{1,128}$/,
  /** A partition key (ADR 0040): printable ASCII without spaces, at most 255 characters, like an idempotency key. */
  partitionKeyPattern: /^[\x21-\x7e]{1,255}$/,
  /** Longest task-list cursor: a merged cursor of a queue with the most partitions (ADR 0042). */
  maxTaskCursorChars: maxMergedCursorChars(MAX_PARTITIONS),
} as const;

/** Defaults applied to a submission. */
export const DEFAULTS = { queue: 'default', priority: 0, maxAttempts: DEFAULT_MAX_ATTEMPTS } as const;

const TYPE_ERROR =
  'type must start with a letter and use only letters, digits, "_", ".", ":" or "-" (at most 100)';

/** The largest time a JavaScript Date holds (year 275760). */
const MAX_EPOCH_MS = 8.64e15;
const RUN_AT_ERROR =
  'runAt must be an ISO 8601 date-time (e.g. "2026-01-01T12:00:00Z") or epoch milliseconds';

const int = (field: string, min: number, max: number) =>
  z
    .number({ error: `${field} must be a number` })
    .int({ error: `${field} must be a whole number` })
    .min(min, { error: `${field} must be at least ${min}` })
    .max(max, { error: `${field} must be at most ${max}` });

/** The body of `POST /tasks` (and each item of a batch). */
export const taskSubmissionSchema = z
  .strictObject(
    {
      type: z
        .string({ error: 'type is required and must be a string, e.g. "email"' })
        .regex(LIMITS.typePattern, { error: TYPE_ERROR }),
      payload: z.unknown().optional(),
      queue: z
        .string({ error: 'queue must be a string' })
        .regex(QUEUE_NAME_PATTERN, { error: 'queue must be 1-64 letters, digits, "_" or "-"' })
        .optional(),
      priority: int('priority', 0, LIMITS.maxPriority).optional(),
      delayMs: int('delayMs', 0, LIMITS.maxDelayMs).optional(),
      runAt: z
        .union([
          z.iso.datetime({ offset: true, error: RUN_AT_ERROR }),
          z
            .number({ error: RUN_AT_ERROR })
            .int({ error: RUN_AT_ERROR })
            .nonnegative({ error: RUN_AT_ERROR })
            .max(MAX_EPOCH_MS, { error: RUN_AT_ERROR }),
        ])
        .optional(),
      maxAttempts: int('maxAttempts', 1, LIMITS.maxAttempts).optional(),
      timeoutMs: int('timeoutMs', 1, LIMITS.maxTimeoutMs).optional(),
      idempotencyKey: z
        .string({ error: 'idempotencyKey must be a string' })
        .regex(LIMITS.idempotencyKeyPattern, {
          error: 'idempotencyKey must be 1-255 printable ASCII characters',
        })
        .optional(),
      // A key only needs to outlive its sender's retries: @tq/client asks for a short window for the keys
      // it generates, so they leave Redis long before the API's IDEMPOTENCY_TTL_MS (24 h).
      idempotencyTtlMs: int('idempotencyTtlMs', 1000, LIMITS.maxIdempotencyTtlMs)
        .describe(
          "Remember the idempotency key this long (ms) instead of the API's IDEMPOTENCY_TTL_MS, if shorter.",
        )
        .optional(),
      group: z
        .string({ error: 'group must be a string, e.g. a tenant id' })
        .regex(LIMITS.groupPattern, {
          error: 'group must be 1-128 printable ASCII characters without spaces, e.g. a tenant id',
        })
        .describe(
          'The fair group (a tenant, a customer): claims take the groups with ready tasks in turn (docs/scheduling.md).',
        )
        .optional(),
      partitionKey: z
        .string({ error: 'partitionKey must be a string, e.g. a customer id' })
        .regex(LIMITS.partitionKeyPattern, {
          error: 'partitionKey must be 1-255 printable ASCII characters without spaces, e.g. a customer id',
        })
        .describe(
          'Partitioned queues: tasks with the same key go to the same partition, so their order holds (docs/scaling.md). Ignored by a queue of one partition.',
        )
        .optional(),
      traceparent: z
        .string({ error: 'traceparent must be a string' })
        .regex(TRACEPARENT_PATTERN, {
          error:
            'traceparent must be a W3C traceparent: "00-<32 hex trace id>-<16 hex span id>-<2 hex flags>", lowercase',
        })
        .optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown field ${issue.keys.join(', ')}`
          : 'the task must be a JSON object',
    },
  )
  .refine((t) => t.delayMs === undefined || t.runAt === undefined, {
    error: 'give delayMs or runAt, not both',
    path: ['runAt'],
  });

export type TaskSubmission = z.infer<typeof taskSubmissionSchema>;

/** The whole numbers (`min`, `max`) each number field of a submission takes, as the schema says. */
const SUBMISSION_RANGES = new Map<string, readonly [number, number]>([
  ['priority', [0, LIMITS.maxPriority]],
  ['delayMs', [0, LIMITS.maxDelayMs]],
  ['maxAttempts', [1, LIMITS.maxAttempts]],
  ['timeoutMs', [1, LIMITS.maxTimeoutMs]],
  ['idempotencyTtlMs', [1000, LIMITS.maxIdempotencyTtlMs]],
  ['runAt', [0, MAX_EPOCH_MS]],
]);

/** The pattern of each string field of a submission, as the schema says. */
const SUBMISSION_PATTERNS = new Map<string, RegExp>([
  ['type', LIMITS.typePattern],
  ['queue', QUEUE_NAME_PATTERN],
  ['idempotencyKey', LIMITS.idempotencyKeyPattern],
  ['group', LIMITS.groupPattern],
  ['partitionKey', LIMITS.partitionKeyPattern],
  ['traceparent', TRACEPARENT_PATTERN],
]);

/**
 * `taskSubmissionSchema.safeParse(body)`, with a shortcut for submissions that are plainly valid: a plain
 * object of the schema's fields, each with a value the schema accepts (`runAt` as a number; as a string it
 * goes through zod), is copied as it is. Anything else is parsed by the schema, so every error is the
 * schema's, word for word. zod was ~0.6 µs of the ~7 µs of producer CPU per enqueued task.
 */
export function parseTaskSubmission(body: unknown): ReturnType<typeof taskSubmissionSchema.safeParse> {
  if (isPlainlyValid(body)) return { success: true, data: { ...body } };
  return taskSubmissionSchema.safeParse(body);
}

function isPlainlyValid(body: unknown): body is TaskSubmission {
  if (typeof body !== 'object' || body === null || Object.getPrototypeOf(body) !== Object.prototype) {
    return false;
  }
  const fields = body as Record<string, unknown>;
  if (typeof fields.type !== 'string') return false;
  for (const key of Object.keys(fields)) {
    if (key === 'payload') continue;
    const pattern = SUBMISSION_PATTERNS.get(key);
    const range = SUBMISSION_RANGES.get(key);
    if (!pattern && !range) return false;
    const value = fields[key];
    if (value === undefined) continue;
    if (pattern) {
      if (typeof value !== 'string' || !pattern.test(value)) return false;
    } else if (
      !Number.isSafeInteger(value) ||
      (value as number) < range![0] ||
      (value as number) > range![1]
    ) {
      return false;
    }
  }
  return fields.delayMs === undefined || fields.runAt === undefined;
}

/** The body of `POST /tasks/batch`. */
export const batchSubmissionSchema = z.strictObject(
  {
    tasks: z
      .array(z.unknown(), { error: 'tasks must be an array of task objects' })
      .min(1, { error: 'tasks must hold at least 1 task' })
      .max(LIMITS.maxBatch, { error: `tasks must hold at most ${LIMITS.maxBatch} tasks` }),
  },
  { error: 'the body must be a JSON object {"tasks": [...]}' },
);

/** A query parameter `name`: a whole number from 1 to `max` (a string in a query string), default `fallback`. */
const countParam = (name: string, max: number, fallback: number) => {
  const error = `${name} must be a whole number from 1 to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(1, { error }).max(max, { error }).default(fallback);
};

/** An optional `cursor` query parameter: the nextCursor of the previous page, as it is. */
const cursorParam = (max: number = MAX_CURSOR_CHARS) =>
  z
    .string({ error: 'cursor must be a string: the nextCursor of the previous page' })
    .min(1, { error: 'cursor must not be empty: omit it for the first page' })
    .max(max, {
      error: 'cursor is invalid: pass the nextCursor of the previous page as it is',
    })
    .optional();

/** A query string's parameters: unknown ones are refused, with `hint` added when one of them is `hinted`. */
const queryObject = <Shape extends z.ZodRawShape>(shape: Shape, hinted?: { name: string; hint: string }) =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown parameter ${issue.keys.join(', ')}` +
          (hinted && issue.keys.includes(hinted.name) ? `: ${hinted.hint}` : '')
        : 'the query must be an object',
  });

/** An optional `group`: the pending tasks of one fair group, which wait in its own lists (docs/scheduling.md). */
const pendingGroupParam = () =>
  z
    .string({ error: 'group must be a string, e.g. a tenant id' })
    .regex(LIMITS.groupPattern, {
      error: 'group must be 1-128 printable ASCII characters without spaces, e.g. a tenant id',
    })
    .optional();

/** `group` goes with state pending: only pending tasks wait per group. */
const onlyPendingHasGroups = (query: { state?: string; group?: string }, ctx: z.RefinementCtx) => {
  if (query.group !== undefined && query.state !== undefined && query.state !== 'pending') {
    ctx.addIssue({
      code: 'custom',
      path: ['group'],
      message: `group lists pending tasks only (they wait per group); drop it for state ${query.state}`,
    });
  }
};

/**
 * Which page of a queue's tasks to list (the query of `GET /queues/:name/tasks`): numbers may come as
 * strings, as a query string holds them. Unknown fields are refused, so a typo is not silently ignored.
 */
export const taskListQuerySchema = queryObject(
  {
    state: z.enum(TASK_STATES, { error: `state is required and must be one of ${TASK_STATES.join(', ')}` }),
    limit: countParam('limit', LIMITS.maxPageLimit, 50),
    // A partitioned queue's cursor holds one cursor per partition (ADR 0042).
    cursor: cursorParam(LIMITS.maxTaskCursorChars),
    type: z
      .string({ error: 'type must be a string' })
      .regex(LIMITS.typePattern, { error: TYPE_ERROR })
      .optional(),
    group: pendingGroupParam(),
  },
  { name: 'offset', hint: 'pages are cursor-based; pass the nextCursor of a page as cursor' },
).superRefine(onlyPendingHasGroups);

export type TaskListQuery = z.input<typeof taskListQuerySchema>;

/** Most workers one read of the registry returns. */
export const MAX_WORKERS_LISTED = 1000;

/** An optional `queue` query parameter. */
const queueParam = () =>
  z
    .string({ error: 'queue must be a string' })
    .regex(QUEUE_NAME_PATTERN, { error: 'queue must be 1-64 letters, digits, "_" or "-"' })
    .optional();

/** The query of `GET /workers`: only the workers of one queue, at most `limit` of them. */
export const workerListQuerySchema = queryObject({
  queue: queueParam(),
  limit: countParam('limit', MAX_WORKERS_LISTED, MAX_WORKERS_LISTED),
});

/** The longest history window, minutes (24 h: what Redis keeps). */
export const MAX_HISTORY_MINUTES = 1440;

/** The query of `GET /stats/history`: one queue (else all of them) over the last `minutes`. */
export const historyQuerySchema = queryObject({
  queue: queueParam(),
  minutes: countParam('minutes', MAX_HISTORY_MINUTES, 60),
});

/** Most tasks in one page of a history search. */
export const MAX_HISTORY_PAGE = 1000;

/** A time in a query string: an ISO 8601 date-time with an offset, or epoch milliseconds; read as ms. */
const timeParam = (name: string) => {
  const error = `${name} must be an ISO 8601 date-time (e.g. "2026-01-01T12:00:00Z") or epoch milliseconds`;
  return z
    .string({ error })
    .refine(
      (raw) =>
        /^\d{1,15}$/.test(raw) ||
        (z.iso.datetime({ offset: true }).safeParse(raw).success && !Number.isNaN(Date.parse(raw))),
      { error },
    )
    .transform((raw) => (/^\d+$/.test(raw) ? Number(raw) : Date.parse(raw)))
    .refine((ms) => ms <= MAX_EPOCH_MS, { error })
    .optional();
};

/**
 * The query of `GET /tasks`, a search of the task history (PostgreSQL): by queue, type, finished state and
 * finish time (`from` inclusive, `to` exclusive), cursor-paged, newest finished first.
 */
export const historySearchQuerySchema = queryObject(
  {
    queue: queueParam(),
    type: z
      .string({ error: 'type must be a string' })
      .regex(LIMITS.typePattern, { error: TYPE_ERROR })
      .optional(),
    status: z
      .enum(['done', 'dead', 'canceled'], {
        error: 'status must be done, dead or canceled: the history holds finished tasks only',
      })
      .optional(),
    from: timeParam('from'),
    to: timeParam('to'),
    cursor: cursorParam(),
    limit: countParam('limit', MAX_HISTORY_PAGE, 50),
  },
  { name: 'state', hint: 'the history search filters by status (done, dead or canceled)' },
).refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
  error: 'from must be before to',
  path: ['to'],
});

export type HistorySearchQuery = z.input<typeof historySearchQuerySchema>;

/** One problem with a field: where (a dotted path, '' for the whole body) and what is wrong. */
export interface FieldError {
  field: string;
  message: string;
}

/** Turns zod issues into field errors users can act on. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ field: issue.path.map(String).join('.'), message: issue.message }));
}

/** The operator's task actions (ADR 0019): run now, retry a dead task, cancel, delete a finished task. */
export const TASK_ACTIONS = ['run', 'retry', 'cancel', 'delete'] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];

/** The states each action applies to: a bulk action by state names one of these. */
export const ACTION_STATES: Readonly<Record<TaskAction, readonly (typeof TASK_STATES)[number][]>> = {
  run: ['scheduled', 'retry'],
  retry: ['dead'],
  cancel: ['pending', 'scheduled', 'retry', 'running'],
  delete: ['done', 'dead', 'canceled'],
};

/** Most ids one bulk action may name, and most tasks one bulk action by state acts on per call. */
export const MAX_ACTION_TASKS = 1000;
/** Tasks a bulk action by state acts on per call when the request gives no limit. */
export const DEFAULT_ACTION_LIMIT = 100;

/**
 * The body of `POST /queues/:name/tasks/actions`: an action on the given `ids`, or on one page of the tasks
 * in `state` (at most `limit`, optionally of one `type`, from `cursor`: the previous answer's nextCursor).
 */
export const taskActionSchema = z
  .strictObject(
    {
      action: z.enum(TASK_ACTIONS, {
        error: `action is required and must be one of ${TASK_ACTIONS.join(', ')}`,
      }),
      ids: z
        .array(z.string({ error: 'each id must be a string' }), { error: 'ids must be an array of task ids' })
        .min(1, { error: 'ids must name at least one task; omit it and give state to act on a state' })
        .max(MAX_ACTION_TASKS, {
          error: `ids may name at most ${MAX_ACTION_TASKS} tasks; send several requests, or act by state`,
        })
        .optional(),
      state: z.enum(TASK_STATES, { error: `state must be one of ${TASK_STATES.join(', ')}` }).optional(),
      type: z
        .string({ error: 'type must be a string' })
        .regex(LIMITS.typePattern, { error: TYPE_ERROR })
        .optional(),
      limit: int('limit', 1, MAX_ACTION_TASKS).optional(),
      cursor: z
        .string({ error: 'cursor must be a string' })
        .min(1, { error: 'cursor must not be empty' })
        .max(LIMITS.maxTaskCursorChars, {
          error: `cursor must be at most ${LIMITS.maxTaskCursorChars} characters`,
        })
        .optional(),
      group: pendingGroupParam(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown field ${issue.keys.join(', ')}; the fields are action, ids or state, type, group, limit, cursor`
          : 'the body must be a JSON object {"action": ..., "ids": [...]} or {"action": ..., "state": ...}',
    },
  )
  .superRefine((body, ctx) => {
    if ((body.ids === undefined) === (body.state === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'give either ids or state, not both and not neither',
      });
      return;
    }
    onlyPendingHasGroups(body, ctx);
    if (body.ids !== undefined) {
      for (const field of ['type', 'group', 'limit', 'cursor'] as const) {
        if (body[field] !== undefined)
          ctx.addIssue({ code: 'custom', path: [field], message: `${field} goes with state, not with ids` });
      }
    }
    if (body.state !== undefined && !ACTION_STATES[body.action].includes(body.state)) {
      ctx.addIssue({
        code: 'custom',
        path: ['state'],
        message: `${body.action} applies to ${ACTION_STATES[body.action].join(', ')} tasks, not ${body.state}`,
      });
    }
  });

export type TaskActionRequest = z.output<typeof taskActionSchema>;

/** The body of `PUT /queues/:name`: how many partitions the queue has (ADR 0040). */
export const queueCreateSchema = z.strictObject(
  {
    partitions: int('partitions', 1, MAX_PARTITIONS).describe(
      'Partitions of the queue (1 = a plain queue): each has its own hash tag, so one queue spreads over the masters of a Redis Cluster (docs/scaling.md). Set once; another count later is a conflict.',
    ),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field ${issue.keys.join(', ')}; the body is {"partitions": N}`
        : `the body must be a JSON object {"partitions": N} with N from 1 to ${MAX_PARTITIONS}`,
  },
);
