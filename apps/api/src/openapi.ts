import { DEFAULT_SCAN_BUDGET, MAX_CURSOR_CHARS, TASK_STATES } from '@tq/core';
import {
  LIMITS,
  SCHEDULE_LIMITS,
  MAX_HISTORY_MINUTES,
  MAX_HISTORY_PAGE,
  MAX_WORKERS_LISTED,
  DEFAULT_ACTION_LIMIT,
  MAX_ACTION_TASKS,
  TASK_ACTIONS,
  batchSubmissionSchema,
  queueLimitsSchema,
  scheduleChangeSchema,
  scheduleSubmissionSchema,
  taskActionSchema,
  queueCreateSchema,
  taskSubmissionSchema,
} from '@tq/task';
import { z } from 'zod';
import { ENVELOPE_SLACK_BYTES, MAX_JSON_DEPTH } from './json-body';
import { MAX_IDS } from './request-params';

/** A JSON Schema of a zod schema, as the request validation sees its input (no $schema: it is embedded). */
function fromZod(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const response = (name: string) => ({ $ref: `#/components/responses/${name}` });
const param = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const json = (schema: object, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const problemResponse = (description: string, headers: Record<string, object> = {}) => ({
  description,
  headers,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 0 } },
};
const ids = {
  type: 'array',
  minItems: 1,
  maxItems: MAX_IDS,
  items: { type: 'string', description: 'A task id of this queue.' },
};
/** Open routes: no bearer token needed even when tokens are configured. */
const open = { security: [] };
/** Routes that need an admin token (API_TOKENS); a producer token gets 403. */
const adminOnly = { security: [{ bearerAuth: ['admin'] }] };
const timestamp = { type: 'string', format: 'date-time' };
const nullable = (schema: object) => ({ oneOf: [schema, { type: 'null' }] });
const eventStream = (description: string) => ({
  description,
  content: { 'text/event-stream': { schema: { type: 'string', description: 'Server-sent events.' } } },
});

/**
 * The OpenAPI 3.1 description of the API, served at GET /openapi.json. openapi.test.ts checks that
 * its paths and methods are exactly the routes the app serves, and that open routes are the ones
 * without a token. The submission schemas come from the zod schemas that validate requests.
 */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'tq producer API',
    version: '0.1.0',
    description:
      'Submit, inspect and cancel tasks of the tq distributed task queue; inspect, pause and redrive queues. ' +
      'Errors are RFC 9457 problem details. See docs/api.md.',
    license: { name: 'MIT', identifier: 'MIT' },
  },
  servers: [
    {
      url: '/',
      description:
        'The origin that serves this document at /openapi.json (http://localhost:8080 with scripts/start-local.sh).',
    },
  ],
  security: [{ bearerAuth: [] }],
  paths: {
    '/tasks': {
      get: {
        operationId: 'searchTasks',
        summary: 'Search the task history (PostgreSQL): finished tasks, newest finished first',
        description:
          'Finished tasks (done, dead, canceled) the archivers stored in PostgreSQL, by queue, type, status and ' +
          'finish time (from inclusive, to exclusive), newest finished first. Pass nextCursor as cursor for the ' +
          'next page: pages neither skip nor repeat a task while new ones are archived. A task shows here once ' +
          'archived, normally within a second or two of finishing (tq_archive_lag_seconds). 404 when this API ' +
          'has no DATABASE_URL (no task history); 503 when PostgreSQL does not answer. docs/history.md.',
        parameters: [
          param('HistoryQueue'),
          param('Type'),
          param('HistoryStatus'),
          param('From'),
          param('To'),
          param('HistoryCursor'),
          param('HistoryLimit'),
        ],
        responses: {
          '200': json(ref('HistoryPage'), 'The page.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '404': response('HistoryOff'),
          '503': response('HistoryUnavailable'),
        },
      },
      post: {
        operationId: 'submitTask',
        summary: 'Submit a task',
        description:
          'Stores a task, pending (or scheduled with delayMs / runAt). With an Idempotency-Key header or an ' +
          'idempotencyKey field, a replay of the same submission answers the earlier task with 200.',
        parameters: [param('IdempotencyKey'), param('Traceparent')],
        requestBody: { required: true, content: { 'application/json': { schema: ref('TaskSubmission') } } },
        responses: {
          '201': {
            ...json(ref('Task'), 'Stored.'),
            headers: { Location: { description: 'The task: /tasks/{id}.', schema: { type: 'string' } } },
          },
          '200': {
            ...json(ref('Task'), 'An idempotent replay: the task stored earlier under this key.'),
            headers: {
              Location: { description: 'The task: /tasks/{id}.', schema: { type: 'string' } },
              'Idempotent-Replayed': { schema: { type: 'string', const: 'true' } },
            },
          },
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '403': response('QueueRefused'),
          '409': response('Conflict'),
          '413': response('PayloadTooLarge'),
          '415': response('UnsupportedMediaType'),
          '429': response('QueueFull'),
          '503': response('Unavailable'),
        },
      },
    },
    '/tasks/batch': {
      post: {
        operationId: 'submitTasks',
        summary: `Submit up to ${LIMITS.maxBatch} tasks`,
        description:
          'Each task is stored or refused on its own; results keep the request order. 200 when every task was ' +
          'stored or replayed, 207 when at least one was refused. Idempotency keys go in each task.',
        requestBody: { required: true, content: { 'application/json': { schema: ref('BatchSubmission') } } },
        responses: {
          '200': json(ref('BatchResult'), 'Every task stored (201) or replayed (200).'),
          '207': {
            ...json(ref('BatchResult'), 'At least one task refused; see each result.'),
            headers: retryAfter,
          },
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '413': response('PayloadTooLarge'),
          '415': response('UnsupportedMediaType'),
          '503': response('Unavailable'),
        },
      },
    },
    '/tasks/{id}': {
      parameters: [param('TaskId')],
      get: {
        operationId: 'getTask',
        summary: 'Read a task',
        description:
          'From Redis; when Redis no longer has it (retention deleted it) and a task history is configured ' +
          '(DATABASE_URL), from PostgreSQL. `source` says which. 503 when the store asked does not answer.',
        responses: {
          '200': json(ref('Task'), 'The task.'),
          '401': response('Unauthorized'),
          '404': response('NotFound'),
          '503': response('Unavailable'),
        },
      },
      delete: {
        operationId: 'cancelTask',
        ...adminOnly,
        summary: 'Cancel a task that is not running',
        responses: {
          '200': json(ref('Task'), 'Canceled; the task with status "canceled".'),
          '401': response('Unauthorized'),
          '403': response('Forbidden'),
          '404': response('NotFound'),
          '409': response('Conflict'),
          '503': response('Unavailable'),
        },
      },
    },
    '/tasks/{id}/run': {
      parameters: [param('TaskId')],
      post: {
        operationId: 'runTask',
        ...adminOnly,
        summary: 'Run a scheduled or retry task now',
        description:
          'The task goes to pending at once instead of waiting for its time; a retry keeps its attempts and ' +
          'error history. 409 in any other state, saying which.',
        responses: {
          '200': json(ref('Task'), 'The task, now pending.'),
          '401': response('Unauthorized'),
          '403': response('Forbidden'),
          '404': response('NotFound'),
          '409': response('Conflict'),
          '503': response('Unavailable'),
        },
      },
    },
    '/tasks/{id}/retry': {
      parameters: [param('TaskId')],
      post: {
        operationId: 'retryTask',
        ...adminOnly,
        summary: 'Retry a dead task: back to pending with a fresh set of attempts',
        description: 'Its error history is kept. 409 when the task is not dead, saying its state.',
        responses: {
          '200': json(ref('Task'), 'The task, now pending.'),
          '401': response('Unauthorized'),
          '403': response('Forbidden'),
          '404': response('NotFound'),
          '409': response('Conflict'),
          '503': response('Unavailable'),
        },
      },
    },
    '/tasks/{id}/cancel': {
      parameters: [param('TaskId')],
      post: {
        operationId: 'cancelAnyTask',
        ...adminOnly,
        summary: 'Cancel a task, running ones included',
        description:
          'A pending, scheduled or retry task is canceled at once (200). A running task gets a cancel request ' +
          'bound to its current lease (202, the task with cancelRequestedAt): its worker sees it at its next ' +
          'lease extension (within a third of the visibility timeout), aborts the handler (its AbortSignal ' +
          'fires) and ends the task canceled: not retried, not dead. Should the handler finish first, the task ' +
          'ends as the handler says. 409 for a finished task. DELETE /tasks/{id} cancels only tasks that are ' +
          'not running (409 for a running one), as before. docs/worker.md#canceling-a-running-task.',
        responses: {
          '200': json(ref('Task'), 'Canceled; the task with status "canceled".'),
          '202': json(ref('Task'), 'Running: the cancel is requested; the task with cancelRequestedAt.'),
          '401': response('Unauthorized'),
          '403': response('Forbidden'),
          '404': response('NotFound'),
          '409': response('Conflict'),
          '503': response('Unavailable'),
        },
      },
    },
    '/tasks/{id}/record': {
      parameters: [param('TaskId')],
      delete: {
        operationId: 'deleteFinishedTask',
        ...adminOnly,
        summary: 'Delete a finished task (done, dead, canceled) for good, in Redis and the task history',
        description:
          'Redis first (a tombstone keeps an archiver that read it from writing it back), then its row in the ' +
          'task history when DATABASE_URL is set; a 503 from PostgreSQL after Redis answered is finished by ' +
          'the same call again. 409 for a task that is not finished: cancel it first. docs/history.md.',
        responses: {
          '200': json(ref('DeletedTask'), 'Deleted; where it was.'),
          '401': response('Unauthorized'),
          '403': response('Forbidden'),
          '404': response('NotFound'),
          '409': response('Conflict'),
          '503': response('Unavailable'),
        },
      },
    },
    '/tasks/{id}/events': {
      parameters: [param('TaskId')],
      get: {
        operationId: 'streamTaskEvents',
        summary: 'Server-sent events of one task: progress, state changes, then the finished task',
        description:
          'A text/event-stream. First a `task` event (the task as GET /tasks/{id} shows it), then `progress` and ' +
          '`state` events, and when the task is done, dead or canceled a last `task` event with its result; then ' +
          'the server closes the stream. Reconnect with Last-Event-ID to resume. Keep-alive comments come every ' +
          'SSE_HEARTBEAT_MS. See docs/client.md for the wire format.',
        parameters: [param('LastEventId')],
        responses: {
          '200': eventStream('The event stream.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '404': response('NotFound'),
          '409': response('EventsOff'),
          '503': response('Unavailable'),
        },
      },
    },
    '/queues': {
      get: {
        operationId: 'listQueues',
        summary: 'Every queue that has received a task, with its stats',
        responses: {
          '200': json(
            {
              type: 'object',
              required: ['queues'],
              properties: { queues: { type: 'array', items: ref('Queue') } },
            },
            'The queues, by name.',
          ),
          '401': response('Unauthorized'),
          '503': response('Unavailable'),
        },
      },
    },
    '/queues/{name}': {
      parameters: [param('QueueName')],
      get: {
        operationId: 'getQueue',
        summary: 'Counts per state, oldest pending age, paused',
        responses: {
          '200': json(ref('Queue'), 'The queue.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '404': response('NotFound'),
          '503': response('Unavailable'),
        },
      },
      put: {
        operationId: 'createQueue',
        ...adminOnly,
        summary: 'Create a queue of N partitions (spread over the masters of a Redis Cluster)',
        description:
          'Sets the partition count of a new queue (ADR 0040, docs/scaling.md): 201 when created, 200 when it ' +
          'already has that count, 409 when it has another (a queue that received tasks without a count has 1). ' +
          'Each partition has its own hash tag; producers spread tasks over them (partitionKey, else the ' +
          'idempotency key, else the group, else evenly) and the queue is still read as one.',
        requestBody: { required: true, content: { 'application/json': { schema: ref('QueueCreate') } } },
        responses: {
          '200': json(ref('Queue'), 'The queue already had this partition count.'),
          '201': json(ref('Queue'), 'The queue was created.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '403': response('QueueRefused'),
          '409': response('Conflict'),
          '413': response('PayloadTooLarge'),
          '415': response('UnsupportedMediaType'),
          '503': response('Unavailable'),
        },
      },
      delete: {
        operationId: 'deleteQueue',
        ...adminOnly,
        summary: 'Delete a queue that holds no task',
        description:
          'Removes the queue from tq:queues (GET /queues, the reaper) and deletes its settings, when it holds ' +
          'no task in any of its seven states; 409 names the counts otherwise. A later submission creates it anew.',
        responses: {
          '204': { description: 'Deleted.' },
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '403': response('Forbidden'),
          '404': response('NotFound'),
          '409': response('Conflict'),
          '503': response('Unavailable'),
        },
      },
    },
    '/queues/{name}/events': {
      parameters: [param('QueueName')],
      get: {
        operationId: 'streamQueueEvents',
        summary: 'Server-sent events of a queue: every state change of its tasks',
        description:
          'A text/event-stream of `state` events (no progress) until the client leaves. Reconnect with ' +
          'Last-Event-ID to resume; a `reset` event says events after it were trimmed from the stream. See ' +
          'docs/client.md for the wire format.',
        parameters: [param('LastEventId')],
        responses: {
          '200': eventStream('The event stream.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '404': response('NotFound'),
          '409': response('EventsOff'),
          '503': response('Unavailable'),
        },
      },
      put: {
        operationId: 'setQueueEvents',
        summary: 'Set when task events are written: auto (while someone listens), on, off',
        ...adminOnly,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['mode'],
                additionalProperties: false,
                properties: { mode: { type: 'string', enum: ['auto', 'on', 'off'] } },
              },
            },
          },
        },
        responses: {
          '200': json(ref('Queue'), 'The queue, with its events mode.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '403': response('Forbidden'),
          '404': response('NotFound'),
          '413': response('PayloadTooLarge'),
          '415': response('UnsupportedMediaType'),
          '503': response('Unavailable'),
        },
      },
    },
    '/queues/{name}/resize': {
      parameters: [param('QueueName')],
      post: {
        operationId: 'resizeQueue',
        ...adminOnly,
        summary: 'Change the partition count of a queue',
        description:
          'ADR 0043, docs/scaling.md "Resizing": more partitions are added online; fewer drain (workers keep ' +
          'claiming the removed partitions until they are empty). The same count again removes the drained ' +
          'partitions once empty. Keyed tasks keep the old count for 30 s, and an idempotency key is never ' +
          'stored twice because the count changed. 409 while the previous resize settles (30 s) or when another ' +
          'resize won.',
        requestBody: { required: true, content: { 'application/json': { schema: ref('QueueCreate') } } },
        responses: {
          '200': json(ref('Queue'), 'Resized (or drained partitions removed).'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '403': response('Forbidden'),
          '404': response('NotFound'),
          '409': response('Conflict'),
          '413': response('PayloadTooLarge'),
          '415': response('UnsupportedMediaType'),
          '503': response('Unavailable'),
        },
      },
    },
    '/queues/{name}/pause': {
      parameters: [param('QueueName')],
      post: {
        operationId: 'pauseQueue',
        ...adminOnly,
        summary: 'Stop workers from claiming tasks of the queue (submissions still succeed)',
        responses: {
          '200': json(ref('Queue'), 'Paused.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '403': response('Forbidden'),
          '404': response('NotFound'),
          '503': response('Unavailable'),
        },
      },
    },
    '/queues/{name}/resume': {
      parameters: [param('QueueName')],
      post: {
        operationId: 'resumeQueue',
        ...adminOnly,
        summary: 'Let workers claim tasks of the queue again',
        responses: {
          '200': json(ref('Queue'), 'Resumed.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '403': response('Forbidden'),
          '404': response('NotFound'),
          '503': response('Unavailable'),
        },
      },
    },
    '/queues/{name}/tasks': {
      parameters: [param('QueueName')],
      get: {
        operationId: 'listTasks',
        summary: 'A page of the tasks in one state',
        description:
          'Pending tasks in claim order (priority 9 first, oldest first); scheduled, retry and running due ' +
          'first; dead, done and canceled newest first. Pass nextCursor as cursor for the next page. A page ' +
          `examines at most ${DEFAULT_SCAN_BUDGET} entries, so with a type filter it may hold fewer than limit ` +
          'tasks (even none) and still have a nextCursor. Pending tasks with a fair group wait in their ' +
          "group's lists: state=pending lists those without a group (inGroups counts the others), " +
          'state=pending&group=g those of group g (GET /queues/{name}/groups names the groups). What a page ' +
          'guarantees while tasks move: docs/api.md.',
        parameters: [param('State'), param('Limit'), param('Cursor'), param('Type'), param('Group')],
        responses: {
          '200': json(ref('TaskPage'), 'The page.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '404': response('NotFound'),
          '503': response('Unavailable'),
        },
      },
    },
    '/queues/{name}/dead': {
      parameters: [param('QueueName')],
      get: {
        operationId: 'listDeadTasks',
        summary: 'A page of dead tasks, newest first (the same as GET /queues/{name}/tasks?state=dead)',
        parameters: [param('Limit'), param('Cursor'), param('Type')],
        responses: {
          '200': json(ref('TaskPage'), 'The page.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '404': response('NotFound'),
          '503': response('Unavailable'),
        },
      },
      delete: {
        operationId: 'purgeDeadTasks',
        ...adminOnly,
        summary: 'Delete dead tasks for good: the given ids, or all',
        parameters: [param('Ids')],
        requestBody: { required: false, content: { 'application/json': { schema: ref('DeadIds') } } },
        responses: {
          '200': json(
            { type: 'object', required: ['purged'], properties: { purged: { type: 'integer', minimum: 0 } } },
            'How many dead tasks were deleted.',
          ),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '403': response('Forbidden'),
          '404': response('NotFound'),
          '413': response('PayloadTooLarge'),
          '415': response('UnsupportedMediaType'),
          '503': response('Unavailable'),
        },
      },
    },
    '/queues/{name}/dead/requeue': {
      parameters: [param('QueueName')],
      post: {
        operationId: 'requeueDeadTasks',
        ...adminOnly,
        summary: 'The redrive: dead tasks back to pending with fresh attempts, the given ids or all',
        requestBody: { required: false, content: { 'application/json': { schema: ref('DeadIds') } } },
        responses: {
          '200': json(
            {
              type: 'object',
              required: ['requeued', 'notDead'],
              properties: {
                requeued: { type: 'array', items: { type: 'string' } },
                notDead: {
                  type: 'array',
                  items: { type: 'string' },
                  description: 'Given ids that were not dead.',
                },
              },
            },
            'What was requeued.',
          ),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '403': response('Forbidden'),
          '404': response('NotFound'),
          '413': response('PayloadTooLarge'),
          '415': response('UnsupportedMediaType'),
          '503': response('Unavailable'),
        },
      },
    },
    '/queues/{name}/limits': {
      parameters: [param('QueueName')],
      get: {
        operationId: 'getQueueLimits',
        summary: "The queue's rate, concurrency and group concurrency limits (null: none)",
        responses: {
          '200': json(ref('QueueLimits'), 'The limits.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '404': response('NotFound'),
          '503': response('Unavailable'),
        },
      },
      put: {
        operationId: 'setQueueLimits',
        ...adminOnly,
        summary: "Replace the queue's limits (a limit left out or null is removed; {} removes them all)",
        description:
          'rate: at most max task starts in any window of periodMs on the Redis clock (a sliding window, ' +
          'not fixed windows); concurrency: at most this many tasks running at once across all workers; ' +
          'groupConcurrency: the same for each fair group. Enforced inside the claim script, whatever the ' +
          'number of workers; idle workers are woken. docs/scheduling.md, ADR 0028.',
        requestBody: { required: true, content: { 'application/json': { schema: ref('QueueLimitsBody') } } },
        responses: {
          '200': json(ref('QueueLimits'), 'The limits now.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '403': response('Forbidden'),
          '404': response('NotFound'),
          '413': response('PayloadTooLarge'),
          '415': response('UnsupportedMediaType'),
          '503': response('Unavailable'),
        },
      },
    },
    '/queues/{name}/groups': {
      parameters: [param('QueueName')],
      get: {
        operationId: 'listGroups',
        summary: 'The fair groups with the most pending tasks (top N by backlog), with their running tasks',
        description:
          'Read at one instant in O(log groups + limit), whatever the number of groups. total counts the groups ' +
          'with pending tasks, running the groups with running tasks. Groups are never a metric label.',
        parameters: [
          {
            name: 'limit',
            in: 'query',
            required: false,
            description: 'Most groups in the answer.',
            schema: { type: 'integer', minimum: 1, maximum: SCHEDULE_LIMITS.maxGroupsListed, default: 20 },
          },
        ],
        responses: {
          '200': json(ref('GroupList'), 'The groups, most pending first.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '404': response('NotFound'),
          '503': response('Unavailable'),
        },
      },
    },
    '/schedules': {
      get: {
        operationId: 'listSchedules',
        summary: 'A page of the cron schedules, by id',
        parameters: [
          {
            name: 'queue',
            in: 'query',
            required: false,
            description: 'Only the schedules of this queue.',
            schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
          },
          {
            name: 'limit',
            in: 'query',
            required: false,
            description: 'Most schedules in the page.',
            schema: { type: 'integer', minimum: 1, maximum: SCHEDULE_LIMITS.maxPage, default: 100 },
          },
          {
            name: 'cursor',
            in: 'query',
            required: false,
            description: 'The nextCursor of the previous page; omit for the first page.',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': json(ref('SchedulePage'), 'The page.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '503': response('Unavailable'),
        },
      },
      post: {
        operationId: 'createSchedule',
        ...adminOnly,
        summary: 'Create a cron schedule: one task per slot of a cron expression in a time zone',
        description:
          'Any reaper fires a due slot; each slot becomes exactly one task (ADR 0025). The first slot is the ' +
          'first after now. cron has 5 fields, or 6 with seconds first; timezone is an IANA name (default UTC). ' +
          'docs/scheduling.md.',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref('ScheduleSubmission') } },
        },
        responses: {
          '201': {
            ...json(ref('ScheduleDetail'), 'Created.'),
            headers: {
              Location: { description: 'The schedule: /schedules/{id}.', schema: { type: 'string' } },
            },
          },
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '403': response('ScheduleRefused'),
          '409': response('Conflict'),
          '413': response('PayloadTooLarge'),
          '415': response('UnsupportedMediaType'),
          '503': response('Unavailable'),
        },
      },
    },
    '/schedules/{id}': {
      parameters: [param('ScheduleId')],
      get: {
        operationId: 'getSchedule',
        summary: 'A schedule, with its next runs',
        parameters: [
          {
            name: 'runs',
            in: 'query',
            required: false,
            description: 'How many next runs to list.',
            schema: { type: 'integer', minimum: 1, maximum: SCHEDULE_LIMITS.maxRuns, default: 5 },
          },
        ],
        responses: {
          '200': json(ref('ScheduleDetail'), 'The schedule.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '404': response('NotFound'),
          '503': response('Unavailable'),
        },
      },
      patch: {
        operationId: 'updateSchedule',
        ...adminOnly,
        summary: 'Pause or resume a schedule, or change its cron, time zone, policies or task',
        description:
          'paused: true pauses; paused: false resumes from now on (the slots of the pause do not run). A new cron ' +
          'or time zone applies from now; the task template and the policies from the next slot. The queue ' +
          'cannot change.',
        requestBody: { required: true, content: { 'application/json': { schema: ref('ScheduleChange') } } },
        responses: {
          '200': json(ref('ScheduleDetail'), 'The schedule now.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '403': response('Forbidden'),
          '404': response('NotFound'),
          '409': response('Conflict'),
          '413': response('PayloadTooLarge'),
          '415': response('UnsupportedMediaType'),
          '503': response('Unavailable'),
        },
      },
      delete: {
        operationId: 'deleteSchedule',
        ...adminOnly,
        summary: 'Delete a schedule (the tasks it enqueued stay)',
        responses: {
          '204': { description: 'Deleted.' },
          '401': response('Unauthorized'),
          '403': response('Forbidden'),
          '404': response('NotFound'),
          '503': response('Unavailable'),
        },
      },
    },
    '/queues/{name}/tasks/actions': {
      parameters: [param('QueueName')],
      post: {
        operationId: 'actOnTasks',
        ...adminOnly,
        summary: 'One action (run, retry, cancel, delete) on many tasks: by ids, or one page of a state',
        description:
          `By ids: up to ${MAX_ACTION_TASKS} task ids of this queue. By state: the next page of the tasks in ` +
          `that state (as GET /queues/{name}/tasks lists them, optionally of one type), at most limit ` +
          `(default ${DEFAULT_ACTION_LIMIT}, at most ${MAX_ACTION_TASKS}); send nextCursor back as cursor to go ` +
          "on, until it is null. Each task is checked by the action's script: those in another state are " +
          'listed in refused with their state. The states per action: run scheduled, retry; retry dead; cancel ' +
          'pending, scheduled, retry, running; delete done, dead, canceled.',
        requestBody: { required: true, content: { 'application/json': { schema: ref('TaskAction') } } },
        responses: {
          '200': json(ref('TaskActionOutcome'), 'What the action did.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '403': response('Forbidden'),
          '404': response('NotFound'),
          '413': response('PayloadTooLarge'),
          '415': response('UnsupportedMediaType'),
          '503': response('Unavailable'),
        },
      },
    },
    '/workers': {
      get: {
        operationId: 'listWorkers',
        summary: 'The live workers, from their heartbeats',
        description:
          'Workers write a heartbeat every HEARTBEAT_INTERVAL_MS (5 s by default) that lives three intervals: a ' +
          'worker that stops (killed, or cut off from Redis) disappears within that time; one that stops ' +
          'gracefully disappears at once. Sorted by host, then id.',
        parameters: [
          {
            name: 'queue',
            in: 'query',
            required: false,
            description: 'Only the workers that claim from this queue.',
            schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
          },
          {
            name: 'limit',
            in: 'query',
            required: false,
            description: 'Most workers in the answer.',
            schema: { type: 'integer', minimum: 1, maximum: MAX_WORKERS_LISTED, default: MAX_WORKERS_LISTED },
          },
        ],
        responses: {
          '200': json(
            {
              type: 'object',
              required: ['total', 'workers'],
              properties: {
                total: { type: 'integer', minimum: 0, description: 'Live workers, of every queue.' },
                workers: { type: 'array', items: ref('Worker') },
              },
            },
            'The workers.',
          ),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '503': response('Unavailable'),
        },
      },
    },
    '/stats/history': {
      get: {
        operationId: 'getHistory',
        summary: 'Processed and failed attempts per minute, for one queue or all',
        description:
          'Counted in Redis by the scripts that end attempts (complete, fail, and the reaper for expired leases) ' +
          'and kept 24 h, so this works without Prometheus. processed counts every attempt that ended ' +
          '(completed or failed); failed the failed ones (retried, dead, lease expired). The last point is the ' +
          'current minute, still counting.',
        parameters: [
          {
            name: 'queue',
            in: 'query',
            required: false,
            description: 'One queue; without it, the sum over every queue.',
            schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
          },
          {
            name: 'minutes',
            in: 'query',
            required: false,
            description: 'How many minutes, the current one included.',
            schema: { type: 'integer', minimum: 1, maximum: MAX_HISTORY_MINUTES, default: 60 },
          },
        ],
        responses: {
          '200': json(ref('History'), 'One point per minute, oldest first.'),
          '400': response('BadRequest'),
          '401': response('Unauthorized'),
          '404': response('NotFound'),
          '503': response('Unavailable'),
        },
      },
    },
    '/healthz': {
      get: {
        operationId: 'health',
        summary: 'Liveness: the process serves HTTP (Redis is not asked)',
        ...open,
        responses: { '200': json(ref('Status'), 'Alive.') },
      },
    },
    '/readyz': {
      get: {
        operationId: 'ready',
        summary: 'Readiness: Redis answers PING within REDIS_COMMAND_TIMEOUT_MS',
        ...open,
        responses: { '200': json(ref('Status'), 'Ready.'), '503': response('Unavailable') },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (text exposition format)',
        ...open,
        responses: {
          '200': { description: 'The metrics.', content: { 'text/plain': { schema: { type: 'string' } } } },
        },
      },
    },
    '/ui/{path}': {
      get: {
        operationId: 'dashboard',
        summary: 'The web dashboard: its static files (docs/dashboard.md)',
        description:
          'Public files with no data in them (index.html for an empty path); every API call the page makes ' +
          'carries the bearer token the operator enters. Served from DASHBOARD_DIR; 404 when it holds no build. ' +
          'GET /ui (no slash) redirects to ui/.',
        ...open,
        parameters: [
          {
            name: 'path',
            in: 'path',
            required: true,
            description:
              'A file of the bundle, e.g. assets/index-C6PJ4qbH.js; may contain slashes; empty for index.html.',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': { description: 'The file (text/html, text/javascript, text/css or application/json).' },
          '301': { description: 'For /ui: Location ui/ (relative, so a proxy prefix is kept).' },
          '404': response('NotFound'),
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openApi',
        summary: 'This document',
        responses: {
          '200': json({ type: 'object' }, 'The OpenAPI 3.1 document.'),
          '401': response('Unauthorized'),
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        description:
          'A producer token (API_PRODUCER_TOKENS) submits tasks and reads everything; an admin token ' +
          '(API_TOKENS) may also call the operations whose security names the role "admin" (pause, resume, ' +
          'redrive, purge, cancel and the other task actions, limits, schedules); a producer token gets 403 there. With no token ' +
          'configured, authentication is off.',
      },
    },
    parameters: {
      TaskId: {
        name: 'id',
        in: 'path',
        required: true,
        description:
          'A task id: "<queue>.<local id>" (20 base62 characters; a 26-character ULID before ADR 0045).',
        schema: { type: 'string' },
      },
      ScheduleId: {
        name: 'id',
        in: 'path',
        required: true,
        schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' },
      },
      QueueName: {
        name: 'name',
        in: 'path',
        required: true,
        schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
      },
      IdempotencyKey: {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'Instead of the idempotencyKey field (if both are sent they must be equal).',
        schema: { type: 'string', pattern: LIMITS.idempotencyKeyPattern.source },
      },
      Traceparent: {
        name: 'traceparent',
        in: 'header',
        required: false,
        description:
          'W3C Trace Context: the task carries it, and the worker starts its process span as a child. Ignored when ' +
          'not valid; the traceparent field of the body wins over it.',
        schema: { type: 'string' },
      },
      LastEventId: {
        name: 'Last-Event-ID',
        in: 'header',
        required: false,
        description:
          'Resume after this event id, as sent in `id:` lines: `<ms>-<seq>`, or on the stream of a partitioned ' +
          "queue every partition's position joined by `_` (ADR 0042).",
        schema: { type: 'string', pattern: '^[0-9]+-[0-9]+(_[0-9]+-[0-9]+)*$' },
      },
      State: {
        name: 'state',
        in: 'query',
        required: true,
        schema: { type: 'string', enum: [...TASK_STATES] },
      },
      Limit: {
        name: 'limit',
        in: 'query',
        required: false,
        description: 'Most tasks in the page.',
        schema: { type: 'integer', minimum: 1, maximum: LIMITS.maxPageLimit, default: 50 },
      },
      Cursor: {
        name: 'cursor',
        in: 'query',
        required: false,
        description:
          "The nextCursor of the previous page, as it is; omit for the first page. A partitioned queue's " +
          'cursor holds one position per partition, so it grows with the partition count (ADR 0042).',
        schema: {
          type: 'string',
          minLength: 1,
          maxLength: LIMITS.maxTaskCursorChars,
          pattern: '^[A-Za-z0-9_-]+$',
        },
      },
      Type: {
        name: 'type',
        in: 'query',
        required: false,
        description: 'Only tasks of this type.',
        schema: { type: 'string', pattern: LIMITS.typePattern.source },
      },
      Group: {
        name: 'group',
        in: 'query',
        required: false,
        description:
          "With state=pending: the pending tasks of this fair group (they wait in the group's own lists).",
        schema: { type: 'string', pattern: LIMITS.groupPattern.source },
      },
      HistoryQueue: {
        name: 'queue',
        in: 'query',
        required: false,
        description: 'Only tasks of this queue.',
        schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
      },
      HistoryStatus: {
        name: 'status',
        in: 'query',
        required: false,
        description: 'Only tasks that finished in this state.',
        schema: { type: 'string', enum: ['done', 'dead', 'canceled'] },
      },
      From: {
        name: 'from',
        in: 'query',
        required: false,
        description: 'Only tasks that finished at or after this time: ISO 8601 or epoch milliseconds.',
        schema: { type: 'string' },
      },
      To: {
        name: 'to',
        in: 'query',
        required: false,
        description: 'Only tasks that finished before this time: ISO 8601 or epoch milliseconds.',
        schema: { type: 'string' },
      },
      HistoryCursor: {
        name: 'cursor',
        in: 'query',
        required: false,
        description: 'The nextCursor of the previous page, as it is; omit for the first page.',
        schema: { type: 'string', minLength: 1, maxLength: MAX_CURSOR_CHARS },
      },
      HistoryLimit: {
        name: 'limit',
        in: 'query',
        required: false,
        description: 'Most tasks in the page.',
        schema: { type: 'integer', minimum: 1, maximum: MAX_HISTORY_PAGE, default: 50 },
      },
      Ids: {
        name: 'ids',
        in: 'query',
        required: false,
        description: 'Task ids, repeated or comma-separated, instead of the body.',
        style: 'form',
        explode: true,
        schema: ids,
      },
    },
    responses: {
      BadRequest: problemResponse(
        'Malformed JSON, or an invalid field (errors names each field and what is allowed).',
      ),
      Unauthorized: problemResponse('Tokens are configured and the bearer token is missing or wrong.', {
        'WWW-Authenticate': { schema: { type: 'string' } },
      }),
      Forbidden: problemResponse('The route needs an admin token; this is a producer token.'),
      NotFound: problemResponse('No such task or queue.'),
      Conflict: problemResponse(
        'The idempotency key was used for a different submission, or the task is running or finished.',
      ),
      PayloadTooLarge: problemResponse(
        `The payload is over MAX_PAYLOAD_BYTES, or the body over MAX_PAYLOAD_BYTES + ${ENVELOPE_SLACK_BYTES} bytes.`,
      ),
      UnsupportedMediaType: problemResponse('The body is not application/json (UTF-8, not content-encoded).'),
      EventsOff: problemResponse(
        'Events are off for the queue (PUT /queues/{name}/events turns them on): poll GET /tasks/{id} instead.',
      ),
      QueueFull: problemResponse('The queue is over QUEUE_MAX_DEPTH waiting tasks: back off.', retryAfter),
      ScheduleRefused: problemResponse(
        'A producer token (forbidden), the queue is not in QUEUE_NAMES_ALLOWED (queue-not-allowed), tq already ' +
          'holds SCHEDULE_MAX_COUNT schedules (schedule-limit-reached), or the queue is new and tq holds ' +
          'QUEUE_MAX_COUNT queues (queue-limit-reached).',
      ),
      QueueRefused: problemResponse(
        'The queue is not in QUEUE_NAMES_ALLOWED (queue-not-allowed), or it is new and tq already holds ' +
          'QUEUE_MAX_COUNT queues (queue-limit-reached).',
      ),
      HistoryOff: problemResponse(
        'No task history: this API has no DATABASE_URL (docs/history.md). Finished tasks still in Redis are ' +
          'listed by GET /queues/{name}/tasks.',
      ),
      HistoryUnavailable: problemResponse(
        'PostgreSQL (the task history) did not answer or refused the query; nothing changed, retry.',
        retryAfter,
      ),
      Unavailable: problemResponse(
        'Redis did not answer within REDIS_COMMAND_TIMEOUT_MS, or cannot take writes; the outcome is unknown, retry.',
        retryAfter,
      ),
    },
    schemas: {
      QueueCreate: fromZod(queueCreateSchema),
      TaskSubmission: {
        ...fromZod(taskSubmissionSchema),
        description: `A task. At most ${MAX_JSON_DEPTH} levels of nesting in the whole body; give delayMs or runAt, not both.`,
      },
      BatchSubmission: {
        ...fromZod(batchSubmissionSchema),
        properties: {
          tasks: { type: 'array', minItems: 1, maxItems: LIMITS.maxBatch, items: ref('TaskSubmission') },
        },
      },
      Task: {
        type: 'object',
        required: [
          'id',
          'queue',
          'type',
          'payload',
          'status',
          'priority',
          'attempt',
          'maxAttempts',
          'createdAt',
          'partition',
        ],
        properties: {
          id: { type: 'string', examples: ['default.01JD3Z5Q6M8W2K4N7P9R1T3V5X'] },
          queue: { type: 'string' },
          type: { type: 'string' },
          payload: { description: 'The JSON payload as submitted.' },
          status: {
            type: 'string',
            enum: [...TASK_STATES],
          },
          priority: { type: 'integer', minimum: 0, maximum: LIMITS.maxPriority },
          attempt: { type: 'integer', minimum: 0, description: 'Attempts started so far.' },
          maxAttempts: { type: 'integer', minimum: 1 },
          timeoutMs: nullable({ type: 'integer' }),
          createdAt: timestamp,
          runAt: nullable(timestamp),
          startedAt: nullable(timestamp),
          finishedAt: nullable(timestamp),
          result: { description: 'The handler result (JSON), or null.' },
          lastError: nullable({ type: 'string' }),
          errors: {
            type: 'array',
            items: {
              type: 'object',
              properties: { attempt: { type: 'integer' }, at: timestamp, error: { type: 'string' } },
            },
          },
          deadReason: nullable({ type: 'string' }),
          idempotencyKey: nullable({ type: 'string' }),
          progress: {
            description:
              'The last progress a handler reported: a number 0-100 or a JSON object (at most 1024 bytes); null when none.',
          },
          traceparent: nullable({
            type: 'string',
            description: 'The W3C traceparent the task was submitted with.',
          }),
          cancelRequestedAt: nullable({
            ...timestamp,
            description:
              'While running: when an operator asked to cancel this attempt (POST /tasks/{id}/cancel); its worker ' +
              'ends it canceled within one lease-extension tick.',
          }),
          group: {
            ...nullable({ type: 'string' }),
            description: 'The fair group the task waits in (docs/scheduling.md); null when none.',
          },
          schedule: {
            ...nullable({
              type: 'object',
              required: ['id', 'slot', 'missed'],
              properties: {
                id: { type: 'string' },
                slot: timestamp,
                missed: {
                  type: 'integer',
                  minimum: 0,
                  description: 'For a run-once catch-up, the missed slots it stands for; 0 otherwise.',
                },
              },
            }),
            description:
              'The cron schedule that enqueued the task, and the slot it stands for; null when none.',
          },
          partition: {
            type: 'integer',
            minimum: 0,
            description:
              'The partition of a partitioned queue that holds the task (its id names it: ' +
              '<queue>.<partition>.<local id>); 0 otherwise.',
          },
          workerId: nullable({
            type: 'string',
            description:
              'The id of the worker that ran the latest attempt (GET /workers lists live workers by it); null before ' +
              'one ran.',
          }),
          source: {
            type: 'string',
            enum: ['redis', 'archive'],
            description:
              'Where the task was read: redis (live), or archive (the task history in PostgreSQL, after Redis ' +
              'retention deleted it).',
          },
        },
      },
      DeletedTask: {
        type: 'object',
        required: ['id', 'redis', 'archive'],
        properties: {
          id: { type: 'string' },
          redis: { type: 'boolean', description: 'Whether Redis held it (and deleted it now).' },
          archive: { type: 'boolean', description: 'Whether the task history held a row (deleted now).' },
        },
      },
      TaskAction: {
        ...fromZod(taskActionSchema),
        description: 'Give ids, or state (with optional type, group, limit, cursor): not both.',
      },
      TaskActionOutcome: {
        type: 'object',
        required: ['queue', 'action', 'state', 'applied', 'cancelRequested', 'refused', 'nextCursor'],
        properties: {
          queue: { type: 'string' },
          action: { type: 'string', enum: [...TASK_ACTIONS] },
          state: nullable({ type: 'string', enum: [...TASK_STATES] }),
          applied: { type: 'array', items: { type: 'string' }, description: 'The tasks changed.' },
          cancelRequested: {
            type: 'array',
            items: { type: 'string' },
            description:
              'Running tasks whose cancel was requested: each ends canceled at its next lease extension.',
          },
          refused: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'status', 'reason'],
              properties: {
                id: { type: 'string' },
                status: nullable({ type: 'string', enum: [...TASK_STATES] }),
                reason: { type: 'string', description: "The task's state and what to do instead." },
              },
            },
          },
          nextCursor: nullable({
            type: 'string',
            description: 'By state: send it as cursor for the next page; null at the end, and for ids.',
          }),
        },
      },
      BatchResult: {
        type: 'object',
        required: ['created', 'replayed', 'failed', 'results'],
        properties: {
          created: { type: 'integer' },
          replayed: { type: 'integer' },
          failed: { type: 'integer' },
          results: {
            type: 'array',
            items: {
              oneOf: [
                {
                  type: 'object',
                  required: ['index', 'status', 'task'],
                  properties: { index: { type: 'integer' }, status: { enum: [200, 201] }, task: ref('Task') },
                },
                {
                  allOf: [
                    ref('Problem'),
                    { type: 'object', required: ['index'], properties: { index: { type: 'integer' } } },
                  ],
                  description: 'A refused task: status 400, 409, 413 or 429.',
                },
              ],
            },
          },
        },
      },
      Queue: {
        type: 'object',
        required: [
          'name',
          'paused',
          'counts',
          'waiting',
          'oldestPendingAgeMs',
          'expiredLeases',
          'events',
          'partitions',
          'draining',
        ],
        properties: {
          name: { type: 'string' },
          paused: { type: 'boolean' },
          counts: {
            type: 'object',
            properties: Object.fromEntries(TASK_STATES.map((s) => [s, { type: 'integer' }])),
          },
          waiting: {
            type: 'integer',
            description: 'pending + scheduled + retry: what QUEUE_MAX_DEPTH limits.',
          },
          oldestPendingAgeMs: nullable({ type: 'integer' }),
          expiredLeases: {
            type: 'integer',
            description: 'Running tasks past their lease, not yet recovered.',
          },
          events: {
            type: 'string',
            enum: ['auto', 'on', 'off'],
            description: 'When task events are written: auto (while an event stream is open), on, off.',
          },
          partitions: {
            type: 'integer',
            minimum: 1,
            description:
              'Partitions of the queue (PUT /queues/{name}; docs/scaling.md); 1 for a plain queue. ' +
              'Counts the draining ones until they are removed.',
          },
          draining: {
            type: 'array',
            items: { type: 'integer', minimum: 0 },
            description:
              'Partitions draining after a shrink (POST /queues/{name}/resize): workers serve them until they ' +
              'hold no task, then the reaper removes them; empty when none.',
          },
        },
      },
      TaskSummary: {
        type: 'object',
        description: 'A task as a list shows it: GET /tasks/{id} has its payload, result and error history.',
        required: [
          'id',
          'queue',
          'type',
          'status',
          'priority',
          'attempt',
          'maxAttempts',
          'createdAt',
          'runAt',
          'startedAt',
          'finishedAt',
          'lastError',
          'deadReason',
          'leaseExpiresAt',
        ],
        properties: {
          id: { type: 'string' },
          queue: { type: 'string' },
          type: { type: 'string' },
          status: { type: 'string', enum: [...TASK_STATES] },
          priority: { type: 'integer', minimum: 0, maximum: LIMITS.maxPriority },
          attempt: { type: 'integer', minimum: 0 },
          maxAttempts: { type: 'integer', minimum: 1 },
          createdAt: timestamp,
          runAt: nullable(timestamp),
          startedAt: nullable(timestamp),
          finishedAt: nullable(timestamp),
          lastError: { ...nullable({ type: 'string' }), description: 'Cut at 500 bytes.' },
          deadReason: nullable({ type: 'string' }),
          leaseExpiresAt: {
            ...nullable(timestamp),
            description: 'Running tasks: when the lease expires unless the worker extends it.',
          },
        },
      },
      TaskPage: {
        type: 'object',
        required: ['queue', 'state', 'type', 'group', 'inGroups', 'total', 'scanned', 'nextCursor', 'tasks'],
        properties: {
          queue: { type: 'string' },
          state: { type: 'string', enum: [...TASK_STATES] },
          type: { ...nullable({ type: 'string' }), description: 'The type filter, or null.' },
          group: {
            ...nullable({ type: 'string' }),
            description: 'State pending: the fair group listed, or null (the tasks without a group).',
          },
          inGroups: {
            type: 'integer',
            minimum: 0,
            description:
              'State pending without group: pending tasks that wait in fair groups and are not listed here ' +
              '(list them with group); otherwise 0.',
          },
          total: {
            type: 'integer',
            minimum: 0,
            description:
              'Tasks in the state now (state pending: in the lists walked, of group or of no group).',
          },
          scanned: {
            type: 'integer',
            minimum: 0,
            description: 'Entries examined; more than the tasks listed when the type filter skipped some.',
          },
          nextCursor: {
            ...nullable({ type: 'string' }),
            description: 'Pass it as cursor for the next page; null when the walk reached the end.',
          },
          tasks: { type: 'array', items: ref('TaskSummary') },
        },
      },
      HistoryPage: {
        type: 'object',
        required: ['nextCursor', 'tasks'],
        properties: {
          nextCursor: {
            ...nullable({ type: 'string' }),
            description: 'Pass it as cursor for the next page; null on the last page.',
          },
          tasks: { type: 'array', items: ref('TaskSummary') },
        },
      },
      Worker: {
        type: 'object',
        required: [
          'id',
          'host',
          'pid',
          'queues',
          'concurrency',
          'busySlots',
          'version',
          'startedAt',
          'lastBeatAt',
          'expiresAt',
          'runningTaskIds',
        ],
        properties: {
          id: { type: 'string', description: 'Unique per worker process: <host>-<pid>-<random>.' },
          host: { type: 'string' },
          pid: { type: 'integer' },
          queues: { type: 'array', items: { type: 'string' } },
          concurrency: { type: 'integer', minimum: 1, description: 'Slots: tasks it runs at once at most.' },
          busySlots: { type: 'integer', minimum: 0, description: 'Slots busy at its last heartbeat.' },
          version: { type: 'string', description: 'The version of @tq/worker it runs.' },
          startedAt: timestamp,
          lastBeatAt: { ...timestamp, description: 'Its last heartbeat (Redis time).' },
          expiresAt: { ...timestamp, description: 'When it leaves the list unless it beats again.' },
          runningTaskIds: {
            type: 'array',
            maxItems: 100,
            items: { type: 'string' },
            description: 'Tasks it runs now, at most 100 (busySlots says how many).',
          },
        },
      },
      History: {
        type: 'object',
        required: ['queue', 'minutes', 'from', 'now', 'totals', 'points'],
        properties: {
          queue: { ...nullable({ type: 'string' }), description: 'The queue, or null for every queue.' },
          minutes: { type: 'integer', minimum: 1, maximum: MAX_HISTORY_MINUTES },
          from: { ...timestamp, description: 'Start of the first minute.' },
          now: { ...timestamp, description: 'Redis time of the read.' },
          totals: {
            type: 'object',
            required: ['processed', 'failed'],
            properties: { processed: { type: 'integer' }, failed: { type: 'integer' } },
          },
          points: {
            type: 'array',
            maxItems: MAX_HISTORY_MINUTES,
            items: {
              type: 'object',
              required: ['at', 'processed', 'failed'],
              properties: {
                at: { ...timestamp, description: 'Start of the minute.' },
                processed: {
                  type: 'integer',
                  minimum: 0,
                  description: 'Attempts that ended (completed or failed).',
                },
                failed: { type: 'integer', minimum: 0, description: 'Attempts that failed.' },
              },
            },
          },
        },
      },
      QueueLimitsBody: {
        ...fromZod(queueLimitsSchema),
        description: 'Every limit the queue has: a limit left out or null is removed.',
      },
      QueueLimits: {
        type: 'object',
        required: ['queue', 'rate', 'concurrency', 'groupConcurrency'],
        properties: {
          queue: { type: 'string' },
          rate: nullable({
            type: 'object',
            required: ['max', 'periodMs'],
            properties: { max: { type: 'integer' }, periodMs: { type: 'integer' } },
            description: 'At most max task starts in any window of periodMs.',
          }),
          concurrency: nullable({ type: 'integer', description: 'Most tasks running at once.' }),
          groupConcurrency: nullable({
            type: 'integer',
            description: 'Most tasks of one group running at once.',
          }),
        },
      },
      GroupList: {
        type: 'object',
        required: ['queue', 'total', 'running', 'groups'],
        properties: {
          queue: { type: 'string' },
          total: { type: 'integer', minimum: 0, description: 'Groups with pending tasks.' },
          running: { type: 'integer', minimum: 0, description: 'Groups with running tasks.' },
          groups: {
            type: 'array',
            maxItems: SCHEDULE_LIMITS.maxGroupsListed,
            items: {
              type: 'object',
              required: ['group', 'pending', 'running'],
              properties: {
                group: { type: 'string' },
                pending: { type: 'integer', minimum: 0 },
                running: { type: 'integer', minimum: 0 },
              },
            },
          },
        },
      },
      ScheduleSubmission: {
        ...fromZod(scheduleSubmissionSchema),
        description:
          'A schedule. Defaults: timezone UTC, misfire skip, misfireGraceMs 60000, overlap allow, paused false; ' +
          'the task takes priority 0 and maxAttempts 5 like a submission.',
      },
      ScheduleChange: {
        ...fromZod(scheduleChangeSchema),
        description: 'At least one field; the task template, when given, replaces the whole template.',
      },
      Schedule: {
        type: 'object',
        required: [
          'id',
          'queue',
          'cron',
          'timezone',
          'task',
          'misfire',
          'misfireGraceMs',
          'overlap',
          'paused',
          'revision',
          'createdAt',
          'updatedAt',
          'nextRunAt',
          'last',
          'counts',
        ],
        properties: {
          id: { type: 'string' },
          queue: { type: 'string' },
          cron: { type: 'string' },
          timezone: { type: 'string' },
          task: {
            type: 'object',
            required: ['queue', 'type', 'payload', 'priority', 'maxAttempts', 'timeoutMs'],
            properties: {
              queue: { type: 'string' },
              type: { type: 'string' },
              payload: { description: 'The JSON payload each task gets.' },
              priority: { type: 'integer', minimum: 0, maximum: LIMITS.maxPriority },
              maxAttempts: { type: 'integer', minimum: 1 },
              timeoutMs: nullable({ type: 'integer' }),
            },
          },
          misfire: { type: 'string', enum: ['skip', 'run-once'] },
          misfireGraceMs: { type: 'integer' },
          overlap: { type: 'string', enum: ['allow', 'skip'] },
          paused: { type: 'boolean' },
          revision: { type: 'integer', description: 'Counts changes and firings.' },
          createdAt: timestamp,
          updatedAt: timestamp,
          nextRunAt: { ...nullable(timestamp), description: 'The next slot; null while paused.' },
          last: nullable({
            type: 'object',
            required: ['taskId', 'slot', 'firedAt'],
            properties: {
              taskId: { type: 'string' },
              slot: nullable(timestamp),
              firedAt: nullable(timestamp),
            },
            description: 'The last task it enqueued.',
          }),
          counts: {
            type: 'object',
            required: ['fired', 'skippedOverlap', 'skippedMisfire', 'missedRunOnce'],
            properties: {
              fired: { type: 'integer', description: 'Tasks enqueued.' },
              skippedOverlap: {
                type: 'integer',
                description: 'Slots skipped while the previous task was unfinished (overlap skip).',
              },
              skippedMisfire: { type: 'integer', description: 'Missed slots skipped (misfire skip).' },
              missedRunOnce: { type: 'integer', description: 'Missed slots folded into run-once tasks.' },
            },
          },
        },
      },
      ScheduleDetail: {
        allOf: [
          ref('Schedule'),
          {
            type: 'object',
            required: ['nextRuns'],
            properties: {
              nextRuns: {
                type: 'array',
                maxItems: SCHEDULE_LIMITS.maxRuns,
                items: timestamp,
                description: 'The next slots from nextRunAt on; empty while paused.',
              },
            },
          },
        ],
      },
      SchedulePage: {
        type: 'object',
        required: ['total', 'nextCursor', 'schedules'],
        properties: {
          total: {
            type: 'integer',
            minimum: 0,
            description: 'Schedules of the listing (the queue, or all).',
          },
          nextCursor: {
            ...nullable({ type: 'string' }),
            description: 'Pass it as cursor for the next page; null on the last page.',
          },
          schedules: { type: 'array', maxItems: SCHEDULE_LIMITS.maxPage, items: ref('Schedule') },
        },
      },
      DeadIds: {
        type: 'object',
        additionalProperties: false,
        properties: { ids },
        description: 'Omit the body (or ids) to act on every dead task of the queue.',
      },
      Status: { type: 'object', required: ['status'], properties: { status: { type: 'string' } } },
      Problem: {
        type: 'object',
        description: 'RFC 9457 problem details.',
        required: ['type', 'title', 'status', 'detail'],
        properties: {
          type: { type: 'string', format: 'uri', examples: ['urn:tq:problem:invalid-request'] },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          instance: { type: 'string' },
          errors: {
            type: 'array',
            items: {
              type: 'object',
              required: ['field', 'message'],
              properties: {
                field: { type: 'string', description: 'A dotted path; "" for the whole body.' },
                message: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
} as const;
