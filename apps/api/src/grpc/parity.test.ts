import { status } from '@grpc/grpc-js';
import { freePort, randomQueueName } from '@tq/testing';
import pino from 'pino';
import { loadConfig } from '../config';
import { MAX_JSON_DEPTH } from '../json-body';
import { PROBLEMS, type ProblemKind } from '../problem';
import { runApi, type RunningApi } from '../run-api';
import { taskServiceClient, unary, type Outcome } from '../test-support/grpc-client';
import type { SubmitRequest } from './generated/tq/v1/SubmitRequest';
import type { Task__Output } from './generated/tq/v1/Task';
import type { TaskServiceClient } from './generated/tq/v1/TaskService';
import { fromValue, toValue } from './values';

/**
 * Parity: every case runs through POST /tasks (or the route it names) and through the gRPC method, each on a
 * fresh queue, and the two outcomes must agree: the same problem type, the gRPC status PROBLEMS maps it to,
 * and for a stored task the same task (the gRPC one turned back into JSON).
 */
const ADMIN = 'parity-admin';
const PRODUCER = 'parity-producer';
const MAX_PAYLOAD = 2048;
const DEPTH = 2;

type Token = 'admin' | 'producer' | 'none' | 'wrong';
interface Case {
  name: string;
  op: 'submit' | 'batch' | 'get' | 'cancel' | 'queue';
  /** The HTTP body (POST /tasks; each task of a batch); `$q` is replaced by the case's queue. */
  body?: Record<string, unknown>;
  /** Tasks submitted first (same protocol) to the case's queue. */
  before?: Record<string, unknown>[];
  /** The id for get/cancel: 'first' for the first task of `before`, else a literal. */
  id?: string;
  token?: Token;
  idempotencyKey?: string;
}

const deep = (levels: number): unknown => (levels === 0 ? 1 : [deep(levels - 1)]);

const CASES: Case[] = [
  { name: 'a valid task', op: 'submit', body: { type: 'email', payload: { to: 'a', n: [1, 2.5, null] } } },
  {
    name: 'every option',
    op: 'submit',
    body: { type: 'x', priority: 9, maxAttempts: 2, timeoutMs: 5000, delayMs: 60000 },
  },
  { name: 'run at a date', op: 'submit', body: { type: 'x', runAt: '2030-01-01T00:00:00Z' } },
  { name: 'no type', op: 'submit', body: { payload: 1 } },
  { name: 'a bad type and priority', op: 'submit', body: { type: '9', priority: 10 } },
  { name: 'delayMs and runAt', op: 'submit', body: { type: 'x', delayMs: 5, runAt: '2030-01-01T00:00:00Z' } },
  { name: 'a bad runAt', op: 'submit', body: { type: 'x', runAt: 'tomorrow' } },
  { name: 'a bad queue name', op: 'submit', body: { type: 'x', queue: 'no spaces' } },
  { name: 'a short idempotency window', op: 'submit', body: { type: 'x', idempotencyTtlMs: 5 } },
  { name: 'a bad traceparent', op: 'submit', body: { type: 'x', traceparent: 'nope' } },
  { name: 'a fair group', op: 'submit', body: { type: 'x', group: 'tenant-42' } },
  { name: 'a bad group', op: 'submit', body: { type: 'x', group: 'two words' } },
  { name: 'a partition key', op: 'submit', body: { type: 'x', partitionKey: 'customer-42' } },
  { name: 'a bad partition key', op: 'submit', body: { type: 'x', partitionKey: 'two words' } },
  {
    name: 'a payload over MAX_PAYLOAD_BYTES',
    op: 'submit',
    body: { type: 'x', payload: 'p'.repeat(MAX_PAYLOAD + 1) },
  },
  { name: 'a payload nested 60 deep', op: 'submit', body: { type: 'x', payload: deep(60) } },
  { name: 'a payload nested too deep', op: 'submit', body: { type: 'x', payload: deep(MAX_JSON_DEPTH) } },
  { name: 'no token', op: 'submit', body: { type: 'x' }, token: 'none' },
  { name: 'a wrong token', op: 'submit', body: { type: 'x' }, token: 'wrong' },
  { name: 'a full queue', op: 'submit', body: { type: 'x' }, before: [{ type: 'x' }, { type: 'x' }] },
  {
    name: 'an idempotent replay',
    op: 'submit',
    body: { type: 'x', idempotencyKey: 'k1' },
    before: [{ type: 'x', idempotencyKey: 'k1' }],
  },
  {
    name: 'an idempotency conflict',
    op: 'submit',
    body: { type: 'y', idempotencyKey: 'k1' },
    before: [{ type: 'x', idempotencyKey: 'k1' }],
  },
  { name: 'an idempotency key as a header', op: 'submit', body: { type: 'x' }, idempotencyKey: 'hk' },
  {
    name: 'a batch',
    op: 'batch',
    body: { type: 'x' },
  },
  { name: 'a batch with an idempotency key header', op: 'batch', body: { type: 'x' }, idempotencyKey: 'b' },
  { name: 'get a task', op: 'get', before: [{ type: 'x' }], id: 'first' },
  { name: 'get an unknown task', op: 'get', id: '$q.01JD0000000000000000000000' },
  { name: 'get a malformed id', op: 'get', id: 'nothing' },
  { name: 'cancel as admin', op: 'cancel', before: [{ type: 'x' }], id: 'first', token: 'admin' },
  { name: 'cancel as producer', op: 'cancel', before: [{ type: 'x' }], id: 'first' },
  { name: 'cancel an unknown task', op: 'cancel', id: '$q.01JD0000000000000000000000', token: 'admin' },
  { name: 'a queue', op: 'queue', before: [{ type: 'x' }] },
  { name: 'an unknown queue', op: 'queue' },
];

/** What both protocols must agree on. */
interface Result {
  /** The problem type, or 'ok' (with `replayed` for a submission). */
  type: string;
  grpcCode: number;
  replayed?: boolean;
  task?: Record<string, unknown>;
  queue?: Record<string, unknown>;
  batch?: unknown[];
}

let api: RunningApi;
let client: TaskServiceClient;
let base: string;

beforeAll(async () => {
  api = await runApi(
    loadConfig({
      REDIS_URL: process.env.REDIS_URL,
      PORT: '0',
      GRPC_PORT: String(await freePort()),
      API_TOKENS: ADMIN,
      API_PRODUCER_TOKENS: PRODUCER,
      MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD),
      QUEUE_MAX_DEPTH: String(DEPTH),
    }),
    pino({ level: 'silent' }),
  );
  base = `http://127.0.0.1:${api.port}`;
  client = taskServiceClient(`127.0.0.1:${api.grpcPort}`);
});
afterAll(async () => {
  client.close();
  await api.stop();
});

const tokenOf = (token: Token | undefined): Record<string, string> =>
  token === 'none'
    ? {}
    : { authorization: `Bearer ${token === 'admin' ? ADMIN : token === 'wrong' ? 'wrong' : PRODUCER}` };

function withQueue(body: Record<string, unknown>, queue: string): Record<string, unknown> {
  return { queue, ...body };
}

/** The fields a task shows that do not depend on when or under which id it was stored. */
function comparable(task: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, createdAt: _c, queue: _q, ...rest } = task;
  const out: Record<string, unknown> = { ...rest };
  for (const key of ['runAt', 'startedAt', 'finishedAt']) out[key] = out[key] == null ? null : 'set';
  return out;
}

/** A gRPC Task as the HTTP API's JSON. */
function taskJson(task: Task__Output): Record<string, unknown> {
  const value = (v: Parameters<typeof fromValue>[0]) => fromValue(v, '', 1000) ?? null;
  const { payload, result, progress, ...rest } = task;
  const out: Record<string, unknown> = {
    ...rest,
    payload: value(payload),
    result: value(result),
    progress: value(progress),
  };
  for (const key of [
    'timeoutMs',
    'runAt',
    'startedAt',
    'finishedAt',
    'lastError',
    'deadReason',
    'idempotencyKey',
    'traceparent',
    'cancelRequestedAt',
    'group',
    'schedule',
    'workerId',
  ]) {
    out[key] ??= null;
    delete out[`_${key}`];
  }
  // `source` is in the HTTP JSON only where the API read the task (GET, DELETE), unset in gRPC elsewhere.
  if (out.source === undefined) delete out.source;
  delete out._source;
  return out;
}

function toRequest(body: Record<string, unknown>): SubmitRequest {
  const { payload, ...rest } = body;
  return {
    ...rest,
    ...(payload === undefined ? {} : { payload: toValue(payload) ?? { nullValue: 'NULL_VALUE' } }),
  };
}

async function viaHttp(c: Case, queue: string): Promise<Result> {
  const auth = tokenOf(c.token);
  const ids: string[] = [];
  for (const b of c.before ?? []) {
    const res = await fetch(`${base}/tasks`, {
      method: 'POST',
      headers: { ...tokenOf('producer'), 'content-type': 'application/json' },
      body: JSON.stringify(withQueue(b, queue)),
    });
    ids.push(((await res.json()) as { id: string }).id);
  }
  const id = (c.id === 'first' ? ids[0]! : (c.id ?? '')).replace('$q', queue);
  const headers: Record<string, string> = { ...auth, 'content-type': 'application/json' };
  if (c.idempotencyKey) headers['idempotency-key'] = c.idempotencyKey;
  const res =
    c.op === 'submit'
      ? await fetch(`${base}/tasks`, {
          method: 'POST',
          headers,
          body: JSON.stringify(withQueue(c.body!, queue)),
        })
      : c.op === 'batch'
        ? await fetch(`${base}/tasks/batch`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ tasks: [withQueue(c.body!, queue), { type: '!' }] }),
          })
        : c.op === 'get'
          ? await fetch(`${base}/tasks/${encodeURIComponent(id)}`, { headers })
          : c.op === 'cancel'
            ? await fetch(`${base}/tasks/${encodeURIComponent(id)}`, { method: 'DELETE', headers })
            : await fetch(`${base}/queues/${queue}`, { headers });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status >= 400) {
    const kind = String(body.type).replace('urn:tq:problem:', '') as ProblemKind;
    return { type: String(body.type), grpcCode: PROBLEMS[kind].grpc };
  }
  if (c.op === 'batch') {
    return {
      type: 'ok',
      grpcCode: status.OK,
      batch: (body.results as Record<string, unknown>[]).map((r) =>
        r.task ? comparable(r.task as Record<string, unknown>) : r.type,
      ),
    };
  }
  if (c.op === 'queue') return { type: 'ok', grpcCode: status.OK, queue: { ...body, name: 'q' } };
  return {
    type: 'ok',
    grpcCode: status.OK,
    ...(c.op === 'submit' ? { replayed: res.status === 200 } : {}),
    task: comparable(body),
  };
}

async function viaGrpc(c: Case, queue: string): Promise<Result> {
  const md = tokenOf(c.token);
  const ids: string[] = [];
  for (const b of c.before ?? []) {
    const out = await unary(client, 'Submit', toRequest(withQueue(b, queue)), tokenOf('producer'));
    if (out.ok) ids.push(out.value.task!.id);
  }
  const id = (c.id === 'first' ? ids[0]! : (c.id ?? '')).replace('$q', queue);
  if (c.idempotencyKey) md['idempotency-key'] = c.idempotencyKey;
  const out: Outcome<unknown> =
    c.op === 'submit'
      ? await unary(client, 'Submit', toRequest(withQueue(c.body!, queue)), md)
      : c.op === 'batch'
        ? await unary(
            client,
            'SubmitBatch',
            { tasks: [toRequest(withQueue(c.body!, queue)), { type: '!' }] },
            md,
          )
        : c.op === 'get'
          ? await unary(client, 'Get', { id }, md)
          : c.op === 'cancel'
            ? await unary(client, 'Cancel', { id }, md)
            : await unary(client, 'GetQueue', { name: queue }, md);
  if (!out.ok) return { type: String(out.metadata.get('tq-problem-type')[0]), grpcCode: out.code };
  const value = out.value as Record<string, unknown>;
  if (c.op === 'batch') {
    const results = value.results as { stored?: { task: Task__Output }; error?: { type: string } }[];
    return {
      type: 'ok',
      grpcCode: status.OK,
      batch: results.map((r) => (r.stored ? comparable(taskJson(r.stored.task)) : r.error!.type)),
    };
  }
  if (c.op === 'queue') {
    const q = value.queue as Record<string, unknown>;
    return {
      type: 'ok',
      grpcCode: status.OK,
      queue: { ...q, name: 'q', oldestPendingAgeMs: 'set', _oldestPendingAgeMs: undefined },
    };
  }
  return {
    type: 'ok',
    grpcCode: status.OK,
    ...(c.op === 'submit' ? { replayed: value.replayed as boolean } : {}),
    task: comparable(taskJson(value.task as Task__Output)),
  };
}

describe('HTTP and gRPC parity', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const http = await viaHttp(c, randomQueueName());
    const grpc = await viaGrpc(c, randomQueueName());
    if (http.queue) {
      // The oldest pending task's age moves on between the two reads: only compare that it is there.
      http.queue.oldestPendingAgeMs = 'set';
      delete grpc.queue!._oldestPendingAgeMs;
    }
    expect(grpc).toEqual(http);
  });
});
