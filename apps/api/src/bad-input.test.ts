import { Readable } from 'node:stream';
import { createRedis, type RedisClient } from '@tq/core';
import { randomQueueName, startRedisServer, type RedisServer } from '@tq/testing';
import type { FieldProblem } from './problem';
import { answer, call, startTestApi, type CallOptions, type TestApi } from './test-support/test-api';

// A private Redis, so DBSIZE proves that bad input wrote nothing (the suite's Redis is shared).
let redisServer: RedisServer;
let api: TestApi;
let redis: RedisClient;
const MAX_PAYLOAD_BYTES = 1000;
const BODY_LIMIT = MAX_PAYLOAD_BYTES + 64 * 1024;

beforeAll(async () => {
  redisServer = await startRedisServer();
  api = await startTestApi({ REDIS_URL: redisServer.url, MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES) });
  redis = createRedis(redisServer.url);
});
afterAll(async () => {
  await api.close();
  redis.disconnect();
  await redisServer.stop();
});

const queue = randomQueueName();
const task = (extra: object) => ({ type: 'email', payload: 'hi', queue, ...extra });
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

interface Case {
  name: string;
  method?: string;
  path?: string;
  request: CallOptions;
  status: number;
  /** The problem type's slug. */
  kind: string;
  /** What the detail must say. */
  detail?: RegExp;
  /** The fields the errors must name, in order. */
  fields?: string[];
}

const cases: Case[] = [
  // Malformed JSON: the detail says where parsing stopped.
  {
    name: 'a trailing comma',
    request: { body: '{"type":"email",}' },
    status: 400,
    kind: 'malformed-json',
    detail: /line 1, column 17/,
  },
  {
    name: 'a missing comma on line 3',
    request: { body: '{\n  "type": "email"\n  "payload": 1\n}' },
    status: 400,
    kind: 'malformed-json',
    detail: /line 3, column 3/,
  },
  {
    name: 'a truncated body',
    request: { body: '{"type":"email"' },
    status: 400,
    kind: 'malformed-json',
    detail: /not valid JSON.*line 1/,
  },
  {
    name: 'bare words',
    request: { body: 'hello world' },
    status: 400,
    kind: 'malformed-json',
    detail: /not valid JSON/,
  },
  {
    name: 'invalid UTF-8',
    request: {
      raw: Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x7d]),
      headers: { 'content-type': 'application/json' },
    },
    status: 400,
    kind: 'malformed-json',
    detail: /UTF-8/,
  },
  // Not JSON at all.
  {
    name: 'text/plain',
    request: { raw: '{"type":"email"}' },
    status: 415,
    kind: 'unsupported-media-type',
    detail: /text\/plain.*application\/json/,
  },
  {
    name: 'no Content-Type',
    request: { raw: new TextEncoder().encode('{"type":"email"}') },
    status: 415,
    kind: 'unsupported-media-type',
    detail: /no Content-Type/,
  },
  {
    name: 'a form',
    request: { raw: 'type=email', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    status: 415,
    kind: 'unsupported-media-type',
  },
  {
    name: 'JSON in latin1',
    request: {
      body: '{"type":"email"}',
      headers: { 'content-type': 'application/json; charset=iso-8859-1' },
    },
    status: 415,
    kind: 'unsupported-media-type',
    detail: /charset/,
  },
  {
    name: 'gzipped JSON',
    request: { body: '{"type":"email"}', headers: { 'content-encoding': 'gzip' } },
    status: 415,
    kind: 'unsupported-media-type',
    detail: /Content-Encoding/,
  },
  // Wrong types and missing fields: which field, what is allowed.
  { name: 'no body', request: {}, status: 400, kind: 'invalid-request', detail: /JSON object/, fields: [''] },
  {
    name: 'an empty object',
    request: { body: {} },
    status: 400,
    kind: 'invalid-request',
    detail: /type is required/,
    fields: ['type'],
  },
  { name: 'an array', request: { body: [task({})] }, status: 400, kind: 'invalid-request', fields: [''] },
  { name: 'a string', request: { body: '"email"' }, status: 400, kind: 'invalid-request', fields: [''] },
  {
    name: 'a numeric type',
    request: { body: task({ type: 5 }) },
    status: 400,
    kind: 'invalid-request',
    detail: /must be a string/,
    fields: ['type'],
  },
  {
    name: 'a type with spaces',
    request: { body: task({ type: 'send email' }) },
    status: 400,
    kind: 'invalid-request',
    detail: /must start with a letter/,
    fields: ['type'],
  },
  {
    name: 'a string priority',
    request: { body: task({ priority: 'high' }) },
    status: 400,
    kind: 'invalid-request',
    detail: /priority must be a number/,
    fields: ['priority'],
  },
  {
    name: 'a fractional maxAttempts',
    request: { body: task({ maxAttempts: 1.5 }) },
    status: 400,
    kind: 'invalid-request',
    detail: /whole number/,
    fields: ['maxAttempts'],
  },
  {
    name: 'an unknown field',
    request: { body: task({ colour: 'red' }) },
    status: 400,
    kind: 'invalid-request',
    detail: /unknown field colour/,
    fields: [''],
  },
  {
    name: 'several bad fields at once',
    request: { body: { type: 1, queue: 2, priority: 'x' } },
    status: 400,
    kind: 'invalid-request',
    fields: ['type', 'queue', 'priority'],
  },
  // Invalid queue names, in the body and in the path.
  {
    name: 'a queue name with a space',
    request: { body: task({ queue: 'my queue' }) },
    status: 400,
    kind: 'invalid-request',
    detail: /1-64 letters/,
    fields: ['queue'],
  },
  {
    name: 'a queue name with a hash tag',
    request: { body: task({ queue: '{q}' }) },
    status: 400,
    kind: 'invalid-request',
    fields: ['queue'],
  },
  {
    name: 'a 65-character queue name',
    request: { body: task({ queue: 'q'.repeat(65) }) },
    status: 400,
    kind: 'invalid-request',
    fields: ['queue'],
  },
  {
    name: 'an invalid queue in the path',
    method: 'GET',
    path: '/queues/a%7Bb%7D',
    request: {},
    status: 400,
    kind: 'invalid-request',
    fields: ['name'],
  },
  {
    name: 'an invalid queue to pause',
    method: 'POST',
    path: '/queues/a.b/pause',
    request: {},
    status: 400,
    kind: 'invalid-request',
    fields: ['name'],
  },
  {
    name: 'a malformed escape in the path',
    method: 'GET',
    path: '/tasks/%E0%A4%A',
    request: {},
    status: 400,
    kind: 'invalid-request',
  },
  // Out-of-range numbers.
  {
    name: 'priority 10',
    request: { body: task({ priority: 10 }) },
    status: 400,
    kind: 'invalid-request',
    detail: /at most 9/,
    fields: ['priority'],
  },
  {
    name: 'priority -1',
    request: { body: task({ priority: -1 }) },
    status: 400,
    kind: 'invalid-request',
    detail: /at least 0/,
    fields: ['priority'],
  },
  {
    name: 'maxAttempts 0',
    request: { body: task({ maxAttempts: 0 }) },
    status: 400,
    kind: 'invalid-request',
    fields: ['maxAttempts'],
  },
  {
    name: 'maxAttempts 1001',
    request: { body: task({ maxAttempts: 1001 }) },
    status: 400,
    kind: 'invalid-request',
    fields: ['maxAttempts'],
  },
  {
    name: 'a negative delay',
    request: { body: task({ delayMs: -1 }) },
    status: 400,
    kind: 'invalid-request',
    fields: ['delayMs'],
  },
  {
    name: 'a delay over a year',
    request: { body: task({ delayMs: 366 * 24 * 3600_000 }) },
    status: 400,
    kind: 'invalid-request',
    fields: ['delayMs'],
  },
  {
    name: 'timeoutMs 0',
    request: { body: task({ timeoutMs: 0 }) },
    status: 400,
    kind: 'invalid-request',
    fields: ['timeoutMs'],
  },
  {
    name: 'runAt in words',
    request: { body: task({ runAt: 'tomorrow' }) },
    status: 400,
    kind: 'invalid-request',
    detail: /ISO 8601/,
    fields: ['runAt'],
  },
  {
    name: 'runAt past the last date',
    request: { body: task({ runAt: 9e15 }) },
    status: 400,
    kind: 'invalid-request',
    detail: /runAt must be an ISO 8601 date-time .* or epoch milliseconds/,
    fields: ['runAt'],
  },
  {
    name: 'runAt in the year 9999',
    request: { body: task({ runAt: '9999-12-31T23:59:59Z' }) },
    status: 400,
    kind: 'invalid-request',
    detail: /at most 365 days/,
    fields: ['runAt'],
  },
  {
    name: 'both delayMs and runAt',
    request: { body: task({ delayMs: 5, runAt: 1 }) },
    status: 400,
    kind: 'invalid-request',
    fields: ['runAt'],
  },
  {
    name: 'a dead page of 1001',
    method: 'GET',
    path: `/queues/${queue}/dead?limit=1001`,
    request: {},
    status: 400,
    kind: 'invalid-request',
    fields: ['limit'],
  },
  {
    name: 'an Idempotency-Key with a space',
    request: { body: task({}), headers: { 'Idempotency-Key': 'a b' } },
    status: 400,
    kind: 'invalid-request',
    fields: ['idempotencyKey'],
  },
  // Size.
  {
    name: 'a payload over MAX_PAYLOAD_BYTES in a body under the limit',
    request: { body: task({ payload: 'x'.repeat(MAX_PAYLOAD_BYTES) }) },
    status: 413,
    kind: 'payload-too-large',
    detail: /payload is 1002 bytes serialized; the limit is 1000/,
  },
  {
    name: 'a body over the limit, with Content-Length',
    request: { body: task({ payload: 'x'.repeat(BODY_LIMIT) }) },
    status: 413,
    kind: 'payload-too-large',
    detail: /Content-Length.*the limit is 66536 bytes/,
  },
  {
    name: 'a batch over the limit',
    path: '/tasks/batch',
    request: { body: { tasks: Array.from({ length: 100 }, () => task({ payload: 'x'.repeat(900) })) } },
    status: 413,
    kind: 'payload-too-large',
  },
  // Nesting.
  {
    name: '10,000 nested arrays',
    request: { body: nested(10_000) },
    status: 400,
    kind: 'invalid-request',
    detail: /deeper than 100 levels/,
  },
  {
    name: 'a payload nested 100 levels (101 in the task)',
    request: { body: JSON.stringify(task({ payload: JSON.parse(nested(100)) })) },
    status: 400,
    kind: 'invalid-request',
    detail: /deeper than 100 levels/,
  },
  {
    name: 'a batch of nested tasks',
    path: '/tasks/batch',
    request: { body: `{"tasks":[${nested(10_000)}]}` },
    status: 400,
    kind: 'invalid-request',
    detail: /deeper/,
  },
];

describe('bad input', () => {
  it.each(cases)('$name: $status, says why, writes nothing', async (c) => {
    const before = await redis.dbsize();
    const res = await call(api, c.method ?? 'POST', c.path ?? '/tasks', c.request);
    expect(res.status).toBe(c.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: `urn:tq:problem:${c.kind}`,
      status: c.status,
      title: expect.any(String),
    });
    expect(res.body.detail).toEqual(expect.any(String));
    if (c.detail) expect(res.body.detail).toMatch(c.detail);
    if (c.fields) {
      const errors = res.body.errors as FieldProblem[];
      expect(errors.map((e) => e.field)).toEqual(c.fields);
      for (const e of errors) expect(e.message.length).toBeGreaterThan(5);
    }
    expect(await redis.dbsize()).toBe(before);
  });

  it('refuses only the batch item whose runAt is too far ahead (207), storing the others', async () => {
    const res = await call(api, 'POST', '/tasks/batch', {
      body: { tasks: [task({}), task({ runAt: Date.now() + 2 * 365 * 24 * 3600_000 })] },
    });
    expect(res.status).toBe(207);
    expect(res.body).toMatchObject({
      created: 1,
      failed: 1,
      results: [
        { status: 201 },
        { status: 400, errors: [{ field: 'runAt', message: expect.stringMatching(/at most 365 days/) }] },
      ],
    });
  });

  it('cuts a chunked body without Content-Length off at the limit: 413 while the client is still sending', async () => {
    const before = await redis.dbsize();
    let sent = 0;
    let release = () => {};
    const stalled = new Promise<void>((resolve) => (release = resolve));
    async function* body() {
      yield '{"type":"email","payload":"';
      for (let i = 0; i < 8; i++) {
        sent += 16 * 1024;
        yield 'x'.repeat(16 * 1024);
      }
      // The body never ends until the test says so: an API that read to the end before answering
      // (as express.json() does) would never answer, and this test would time out.
      await stalled;
      yield '"}';
    }
    const res = await answer(
      await fetch(`${api.url}/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Readable.from(body()) as unknown as ReadableStream,
        duplex: 'half',
      }),
    );
    release();
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    expect(res.headers.get('content-length')).not.toBeNull();
    expect(res.body).toMatchObject({
      type: 'urn:tq:problem:payload-too-large',
      detail: expect.stringMatching(/over 66536 bytes/),
    });
    expect(sent).toBe(128 * 1024);
    expect(await redis.dbsize()).toBe(before);
  });

  it('the body limit is MAX_PAYLOAD_BYTES + 64 KiB: a body just under it is read', async () => {
    const body = JSON.stringify(task({ payload: 'x' })).padEnd(BODY_LIMIT, ' ');
    expect(Buffer.byteLength(body)).toBe(BODY_LIMIT);
    expect((await call(api, 'POST', '/tasks', { body })).status).toBe(201);
    expect((await call(api, 'POST', '/tasks', { body: body + ' ' })).status).toBe(413);
  });
});
