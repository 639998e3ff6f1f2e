import {
  Metadata,
  Server,
  ServerCredentials,
  loadPackageDefinition,
  status as GrpcStatus,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type ServiceError,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { loadSync } from '@grpc/proto-loader';
import { TqError, parseTaskId, type TaskEvent } from '@tq/core';
import type { Logger } from '@tq/ops';
import type { BatchItemResult, StoredTask, Task, TaskService } from '@tq/task';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { ApiMetrics } from '../api-metrics';
import type { Auth } from '../auth';
import type { ApiConfig, TokenScope } from '../config';
import { problemOf } from '../error-handler';
import { compareEventIds, eventMessage, type EventStreams } from '../event-streams';
import { ENVELOPE_SLACK_BYTES, MAX_JSON_DEPTH } from '../json-body';
import {
  HttpProblem,
  PROBLEMS,
  PROBLEM_OF_CODE,
  RETRY_AFTER_SECONDS,
  invalidRequest,
  problemType,
} from '../problem';
import { toQueueView, type QueueView } from '../queue-view';
import { checkQueueName } from '../request-params';
import type { ProtoGrpcType } from './generated/tq';
import type { BatchResult } from './generated/tq/v1/BatchResult';
import type { Problem } from './generated/tq/v1/Problem';
import type { Queue } from './generated/tq/v1/Queue';
import type { SubmitRequest__Output } from './generated/tq/v1/SubmitRequest';
import type { Task as TaskMessage } from './generated/tq/v1/Task';
import type { TaskServiceHandlers } from './generated/tq/v1/TaskService';
import type { WatchRequest__Output } from './generated/tq/v1/WatchRequest';
import type { WatchResponse } from './generated/tq/v1/WatchResponse';
import { LOADER_OPTIONS, loadTqProto, withFileDependencies } from './proto';
import { NotJsonError, fromValue, toValue } from './values';

/** The service name health checks and reflection report. */
export const SERVICE_NAME = 'tq.v1.TaskService';
/** The methods, for the metrics' `method` label (bounded). */
const METHODS = ['Submit', 'SubmitBatch', 'Get', 'Cancel', 'Watch', 'GetQueue', 'ListQueues'] as const;
type Method = (typeof METHODS)[number];
const FINISHED = new Set(['done', 'dead', 'canceled']);
/** How often a Watch polls a task whose queue writes no events (mode off), ms. */
export const WATCH_POLL_MS = 500;

/** What the gRPC server needs: what the HTTP app has. */
export interface GrpcDeps {
  service: TaskService;
  config: ApiConfig;
  /** The app's logger, errors through withSafeErrors. */
  logger: Logger;
  registry: Registry;
  metrics: ApiMetrics;
  auth: Auth;
  events: EventStreams;
}

/** A listening gRPC server. */
export interface RunningGrpc {
  port: number;
  /**
   * Stops taking calls, reports NOT_SERVING, ends open Watch streams (UNAVAILABLE: call again elsewhere) and
   * waits for the unary calls in flight, up to `timeoutMs`; then cuts what is left.
   */
  stop(timeoutMs: number): Promise<void>;
}

/**
 * Serves tq.v1.TaskService (proto/tq/v1/tq.proto) on `config.GRPC_PORT`, with grpc.health.v1 health checking
 * and server reflection. Every method calls the HTTP routes' TaskService with the same body, the same limits,
 * the same tokens and the same error table (PROBLEMS' grpc column): docs/grpc.md.
 */
export async function startGrpcServer(deps: GrpcDeps): Promise<RunningGrpc> {
  const { config, logger } = deps;
  const definition = loadTqProto();
  const proto = loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  const server = new Server({
    // The HTTP API's body limit: a payload of MAX_PAYLOAD_BYTES and the message around it.
    'grpc.max_receive_message_length': config.MAX_PAYLOAD_BYTES + ENVELOPE_SLACK_BYTES,
  });
  const watches = new Set<() => void>();
  server.addService(keepingDecodeErrors(proto.tq.v1.TaskService.service), handlers(deps, watches));
  const health = new HealthImplementation({ '': 'SERVING', [SERVICE_NAME]: 'SERVING' });
  health.addToServer(server);
  // Reflection describes the health service too, so tools list it beside tq.v1.TaskService, and each file
  // names the files it needs (withFileDependencies).
  new ReflectionService(
    withFileDependencies({ ...definition, ...loadSync(healthProtoPath, LOADER_OPTIONS) }),
  ).addToServer(server);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`0.0.0.0:${config.GRPC_PORT}`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  logger.info({ port }, 'gRPC listening');

  const stop = async (timeoutMs: number) => {
    health.setStatus('', 'NOT_SERVING');
    health.setStatus(SERVICE_NAME, 'NOT_SERVING');
    for (const end of [...watches]) end();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        logger.warn({ timeoutMs }, 'gRPC calls still in flight at the shutdown timeout: cutting them');
        server.forceShutdown();
        resolve();
      }, timeoutMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  };
  let stopping: Promise<void> | undefined;
  return { port, stop: (timeoutMs) => (stopping ??= stop(timeoutMs)) };
}

/** The metrics: tq_grpc_requests_total and tq_grpc_request_duration_seconds by method and status code name. */
export function createGrpcMetrics(registry: Registry): {
  requests: Counter<'method' | 'code'>;
  duration: Histogram<'method' | 'code'>;
} {
  const requests = new Counter({
    name: 'tq_grpc_requests_total',
    help: 'gRPC calls answered, by method and status code (a Watch when its stream ends).',
    labelNames: ['method', 'code'],
    registers: [registry],
  });
  // Every method's OK series exists from the start, so rate() sees a 0 before the first call.
  for (const method of METHODS) requests.inc({ method, code: 'OK' }, 0);
  const duration = new Histogram({
    name: 'tq_grpc_request_duration_seconds',
    help: 'Time from a gRPC call to its status (a Watch: the whole stream), by method and status code.',
    labelNames: ['method', 'code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { requests, duration };
}

/** Marks a request message that could not be decoded, with protobufjs's reason. */
const UNDECODABLE = Symbol('undecodable request');

/**
 * `service` with each request decoder answering a marked object instead of throwing, so the method refuses
 * the call (assertDecoded) like any other bad request: INVALID_ARGUMENT, logged and counted. grpc-js would
 * answer a decoder's error itself: INTERNAL "Error deserializing request", with no log line and no metric
 * (a payload nested past PROTO_RECURSION_LIMIT messages, or bytes of another schema).
 */
function keepingDecodeErrors(service: ServiceDefinition): ServiceDefinition {
  return Object.fromEntries(
    Object.entries(service).map(([name, method]) => [
      name,
      {
        ...method,
        requestDeserialize: (bytes: Buffer): unknown => {
          try {
            return method.requestDeserialize(bytes);
          } catch (error) {
            return { [UNDECODABLE]: error instanceof Error ? error.message : String(error) };
          }
        },
      },
    ]),
  );
}

/** Refuses a request keepingDecodeErrors marked (INVALID_ARGUMENT), saying why and what to change. */
function assertDecoded(request: unknown, method: Method): void {
  if (typeof request !== 'object' || request === null || !(UNDECODABLE in request)) return;
  const reason = String(request[UNDECODABLE]);
  const fix = /depth exceeded/.test(reason)
    ? `a payload nests at most ${MAX_JSON_DEPTH} arrays or objects`
    : 'send a tq.v1 message built from proto/tq/v1/tq.proto';
  throw invalidRequest([
    { field: '', message: `the ${method} request could not be decoded (${reason}): ${fix}` },
  ]);
}

/** A request's task id; an unset one is INVALID_ARGUMENT (as an unset queue name is), not NOT_FOUND. */
function requiredId(id: string): string {
  if (id === '') {
    throw invalidRequest([{ field: 'id', message: 'id is required: a task id is "<queue>.<local id>"' }]);
  }
  return id;
}

/** A refusal as a gRPC error: the problem's status, its detail, and its type and field errors as trailers. */
function toServiceError(problem: HttpProblem): Partial<ServiceError> {
  const spec = PROBLEMS[problem.kind];
  const metadata = new Metadata();
  metadata.set('tq-problem-type', problemType(problem.kind));
  if (spec.retryAfter) metadata.set('retry-after', String(RETRY_AFTER_SECONDS));
  if (problem.options.errors?.length) {
    metadata.set('tq-field-errors-bin', Buffer.from(JSON.stringify(problem.options.errors)));
  }
  return { code: spec.grpc, details: problem.detail, metadata };
}

function handlers(deps: GrpcDeps, watches: Set<() => void>): TaskServiceHandlers {
  const { service, config, metrics, auth, events } = deps;
  const logger = deps.logger.child({ component: 'grpc' });
  const audit = deps.logger.child({ component: 'audit' });
  const grpcMetrics = createGrpcMetrics(deps.registry);
  const problemOptions = { logger, redisCommandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS };
  const watchLimit = config.SSE_MAX_CLIENTS;

  const record = (method: Method, start: bigint, code: GrpcStatus) => {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const labels = { method, code: GrpcStatus[code] ?? String(code) };
    grpcMetrics.requests.inc(labels);
    grpcMetrics.duration.observe(labels, seconds);
    logger.info({ method, code: labels.code, ms: Math.round(seconds * 10_000) / 10 }, 'call');
  };
  const authorization = (metadata: Metadata): string | undefined => {
    const value = metadata.get('authorization')[0];
    return typeof value === 'string' ? value : undefined;
  };
  const text = (metadata: Metadata, key: string): string | undefined => {
    const value = metadata.get(key)[0];
    return typeof value === 'string' ? value : undefined;
  };

  /** A unary method: authorized with `scope`, answered with fn's message or the problem its error maps to. */
  function unary<Req, Res>(
    method: Method,
    scope: TokenScope,
    fn: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
  ) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      const start = process.hrtime.bigint();
      (async () => {
        const caller = auth.check(authorization(call.metadata), scope, `grpc ${method}`);
        assertDecoded(call.request, method);
        const answer = await fn(call.request, call);
        if (scope === 'admin') audit.info({ token: caller.name, method: `grpc ${method}` }, 'admin action');
        return answer;
      })().then(
        (answer) => {
          record(method, start, GrpcStatus.OK);
          callback(null, answer);
        },
        (error: unknown) => {
          const problem = problemOf(error, problemOptions, { method: `grpc ${method}` });
          const { reason } = PROBLEMS[problem.kind];
          if (reason && (method === 'Submit' || method === 'SubmitBatch')) metrics.rejected.inc({ reason });
          const failure = toServiceError(problem);
          record(method, start, failure.code!);
          callback(failure);
        },
      );
    };
  }

  return {
    Submit: unary('Submit', 'producer', async (request: SubmitRequest__Output, call) => {
      const { task, created } = await service.submit(
        submissionBody(request, '', 1),
        text(call.metadata, 'idempotency-key'),
        text(call.metadata, 'traceparent'),
      );
      metrics.submitted(task.queue, created);
      return { task: toTaskMessage(task), replayed: !created };
    }),

    SubmitBatch: unary('SubmitBatch', 'producer', async (request, call) => {
      if (call.metadata.get('idempotency-key').length > 0) {
        throw invalidRequest([
          {
            field: 'idempotency-key',
            message: 'a batch takes no idempotency-key metadata: give each task its own idempotencyKey field',
          },
        ]);
      }
      const items = request.tasks.map((t, i) => submissionBody(t, `tasks.${i}.`, 3));
      let created = 0;
      let replayed = 0;
      const results = (await service.submitBatch({ tasks: items })).map((result): BatchResult => {
        if ('task' in result) {
          if (result.created) created++;
          else replayed++;
          metrics.submitted(result.task.queue, result.created);
          return {
            index: result.index,
            stored: { task: toTaskMessage(result.task), replayed: !result.created },
          };
        }
        const problem = batchProblem(result);
        metrics.rejected.inc({ reason: PROBLEMS[problem.kind].reason ?? 'invalid' });
        return { index: result.index, error: problemMessage(problem) };
      });
      return { created, replayed, failed: results.length - created - replayed, results };
    }),

    Get: unary('Get', 'producer', async (request) => ({
      task: toTaskMessage(await service.get(requiredId(request.id))),
    })),

    Cancel: unary('Cancel', 'admin', async (request) => ({
      task: toTaskMessage(await service.cancel(requiredId(request.id))),
    })),

    GetQueue: unary('GetQueue', 'producer', async (request) => ({
      queue: toQueueMessage(toQueueView(await service.queueStats(checkQueueName(request.name)))),
    })),

    ListQueues: unary('ListQueues', 'producer', async () => ({
      queues: (await service.listQueues()).map((q) => toQueueMessage(toQueueView(q))),
    })),

    Watch: (call: ServerWritableStream<WatchRequest__Output, WatchResponse>) => {
      const start = process.hrtime.bigint();
      let ended = false;
      let cleanup = () => {};
      const end = (error?: unknown) => {
        if (ended) return;
        ended = true;
        cleanup();
        watches.delete(shutdown);
        if (error === undefined) {
          record('Watch', start, GrpcStatus.OK);
          call.end();
          return;
        }
        const failure = toServiceError(problemOf(error, problemOptions, { method: 'grpc Watch' }));
        record('Watch', start, failure.code!);
        call.emit('error', failure);
      };
      const shutdown = () =>
        end(
          new HttpProblem(
            'unavailable',
            'this API process is shutting down: call Watch again (another replica will serve it)',
          ),
        );
      call.on('cancelled', () => {
        if (ended) return;
        ended = true;
        cleanup();
        watches.delete(shutdown);
        record('Watch', start, GrpcStatus.CANCELLED);
      });
      const send = (message: WatchResponse) => {
        if (!ended) call.write(message);
      };
      (async () => {
        auth.check(authorization(call.metadata), 'producer', 'grpc Watch');
        assertDecoded(call.request, 'Watch');
        const id = requiredId(call.request.id);
        const queue = parseTaskId(id)?.queue;
        if (!queue)
          throw new TqError('not_found', `task ${id} does not exist: a task id is "<queue>.<local id>"`);
        events.assertCapacity();
        if (watches.size >= watchLimit) {
          throw new HttpProblem(
            'unavailable',
            `this API process serves its maximum of ${watchLimit} Watch streams (SSE_MAX_CLIENTS): retry later, or poll Get`,
          );
        }
        watches.add(shutdown);
        // A call cancelled while the watch was being set up has run its cleanup already: run this one now.
        await watchTask(service, events, id, queue, send, end, (fn) => {
          if (ended) fn();
          else cleanup = fn;
        });
      })().catch(end);
    },
  };
}

/**
 * Streams task `id`: the task, then its state changes and progress, then the finished task. Follows the
 * queue's event stream through the API's one EventFeed (as GET /tasks/{id}/events does); polls the task every
 * WATCH_POLL_MS when the queue's events are off, or once they are turned off while it watches.
 */
async function watchTask(
  service: TaskService,
  events: EventStreams,
  id: string,
  queue: string,
  send: (message: WatchResponse) => void,
  end: (error?: unknown) => void,
  onCleanup: (fn: () => void) => void,
): Promise<void> {
  let cursor = '0-0';
  let live = false;
  let finishing = false;
  let polling = false;
  const backlog: TaskEvent[] = [];
  // What the watcher was shown last, so that polling says only what changed since.
  const shown = { status: '', attempt: 0, progress: 'null' };
  const finish = () => {
    finishing = true;
    service.get(id).then((task) => {
      send({ task: toTaskMessage(task) });
      end();
    }, end);
  };
  const deliver = (e: TaskEvent) => {
    if (finishing || compareEventIds(e.id, cursor) <= 0) return;
    cursor = e.id;
    send(eventResponse(e));
    if (e.kind === 'progress') shown.progress = e.value ?? 'null';
    else shown.status = e.kind;
    if (e.kind === 'running') shown.attempt = Number(e.value);
    if (e.kind !== 'progress' && FINISHED.has(e.kind)) finish();
  };
  // Events off: no event will come; poll the task and say what changed.
  const poll = () => {
    if (polling || finishing) return;
    polling = true;
    sub.unsubscribe();
    const timer = setInterval(() => {
      service.get(id).then((now) => {
        if (finishing) return;
        const at = new Date().toISOString();
        if (now.status !== shown.status || now.attempt !== shown.attempt) {
          send({
            state: {
              taskId: id,
              status: now.status,
              at,
              ...(now.status === 'running' ? { attempt: now.attempt } : {}),
              ...(now.status === 'dead' && now.deadReason !== null ? { deadReason: now.deadReason } : {}),
            },
          });
        }
        const progress = JSON.stringify(now.progress);
        if (progress !== shown.progress && now.progress !== null) {
          send({ progress: { taskId: id, progress: toValue(now.progress) ?? null, at } });
        }
        Object.assign(shown, { status: now.status, attempt: now.attempt, progress });
        if (FINISHED.has(now.status)) {
          finishing = true;
          send({ task: toTaskMessage(now) });
          end();
        }
      }, end);
    }, WATCH_POLL_MS);
    onCleanup(() => clearInterval(timer));
  };
  // A task's events are in the stream of the partition that holds it (ADR 0042).
  const sub = await events.feed.subscribe(
    await service.taskEventSource(id),
    (batch) => {
      for (const e of batch) {
        if (e.taskId !== id) continue;
        if (live) deliver(e);
        else backlog.push(e);
      }
    },
    // Turned off while watching (PUT /queues/:name/events): nothing more is written, so poll from here on.
    () => (live ? poll() : undefined),
  );
  onCleanup(sub.unsubscribe);
  const task = await service.get(id);
  send({ task: toTaskMessage(task) });
  Object.assign(shown, {
    status: task.status,
    attempt: task.attempt,
    progress: JSON.stringify(task.progress),
  });
  if (FINISHED.has(task.status)) return end();
  if (sub.mode !== 'off') {
    cursor = sub.position;
    for (const e of backlog.splice(0)) deliver(e);
    live = true;
    return;
  }
  poll();
}

function eventResponse(e: TaskEvent): WatchResponse {
  const { event, data } = eventMessage(e);
  if (event === 'progress') {
    return {
      progress: { taskId: e.taskId, progress: toValue(data.progress) ?? null, at: data.at as string },
    };
  }
  return {
    state: {
      taskId: e.taskId,
      status: data.status as string,
      at: data.at as string,
      ...(data.attempt === undefined ? {} : { attempt: data.attempt as number }),
      ...(data.deadReason === undefined ? {} : { deadReason: data.deadReason as string }),
    },
  };
}

/**
 * The JSON body POST /tasks would take for a SubmitRequest: set fields only, so the service's validation
 * sees what the HTTP API sees (an unset `type` is a missing one). `prefix` places field errors in a batch.
 */
function submissionBody(
  request: SubmitRequest__Output,
  prefix: string,
  depth: number,
): Record<string, unknown> {
  let payload: unknown;
  try {
    // The HTTP body's MAX_JSON_DEPTH counts the levels around the payload: `depth` of them.
    payload = fromValue(request.payload, `${prefix}payload`, MAX_JSON_DEPTH - depth);
  } catch (error) {
    if (error instanceof NotJsonError) throw invalidRequest([{ field: error.field, message: error.message }]);
    throw error;
  }
  const body: Record<string, unknown> = {};
  if (request.type !== '') body.type = request.type;
  if (payload !== undefined) body.payload = payload;
  for (const key of [
    'queue',
    'priority',
    'delayMs',
    'runAt',
    'maxAttempts',
    'timeoutMs',
    'idempotencyKey',
    'idempotencyTtlMs',
    'traceparent',
    'group',
    'partitionKey',
  ] as const) {
    if (request[key] !== undefined) body[key] = request[key];
  }
  return body;
}

function batchProblem(result: Extract<BatchItemResult, { code: unknown }>): HttpProblem {
  return new HttpProblem(PROBLEM_OF_CODE[result.code], result.message, { errors: result.errors });
}

function problemMessage(problem: HttpProblem): Problem {
  const spec = PROBLEMS[problem.kind];
  return {
    code: spec.grpc,
    type: problemType(problem.kind),
    title: spec.title,
    detail: problem.detail,
    errors: problem.options.errors ?? [],
  };
}

const orUnset = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

/**
 * A task as the Task message: null fields unset; `source` set when the task was read (Get, Cancel, Watch),
 * as the HTTP API's JSON has it.
 */
export function toTaskMessage(task: Task & { source?: StoredTask['source'] }): TaskMessage {
  return {
    id: task.id,
    queue: task.queue,
    type: task.type,
    payload: toValue(task.payload) ?? null,
    status: task.status,
    priority: task.priority,
    attempt: task.attempt,
    maxAttempts: task.maxAttempts,
    timeoutMs: orUnset(task.timeoutMs),
    createdAt: task.createdAt,
    runAt: orUnset(task.runAt),
    startedAt: orUnset(task.startedAt),
    finishedAt: orUnset(task.finishedAt),
    result: toValue(task.result) ?? null,
    lastError: orUnset(task.lastError),
    errors: task.errors,
    deadReason: orUnset(task.deadReason),
    idempotencyKey: orUnset(task.idempotencyKey),
    progress: toValue(task.progress) ?? null,
    traceparent: orUnset(task.traceparent),
    source: task.source,
    cancelRequestedAt: orUnset(task.cancelRequestedAt),
    group: orUnset(task.group),
    schedule: task.schedule ?? undefined,
    workerId: orUnset(task.workerId),
    partition: task.partition,
  };
}

function toQueueMessage(view: QueueView): Queue {
  return {
    name: view.name,
    paused: view.paused,
    counts: { ...view.counts },
    waiting: view.waiting,
    oldestPendingAgeMs: orUnset(view.oldestPendingAgeMs),
    expiredLeases: view.expiredLeases,
    events: view.events,
    partitions: view.partitions,
    draining: view.draining,
  };
}
