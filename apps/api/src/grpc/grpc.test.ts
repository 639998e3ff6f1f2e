import { spawnSync } from 'node:child_process';
import { status } from '@grpc/grpc-js';
import { createRedis, type ClaimedTask, type RedisClient } from '@tq/core';
import { freePort, logSink, randomQueueName, startRedisServer, waitFor, type RedisServer } from '@tq/testing';
import pino from 'pino';
import { FileDescriptorProto } from 'protobufjs/ext/descriptor';
import { loadConfig } from '../config';
import { runApi, type RunningApi } from '../run-api';
import type { TaskServiceClient } from './generated/tq/v1/TaskService';
import {
  HEALTH_PROTO,
  REFLECTION_PROTO,
  genericClient,
  metadataOf,
  taskServiceClient,
  unary,
  watch,
} from '../test-support/grpc-client';
import { testQueue } from '../test-support/test-api';

const ADMIN = 'grpc-admin-token';
const PRODUCER = 'grpc-producer-token';
const admin = { authorization: `Bearer ${ADMIN}` };
const producer = { authorization: `Bearer ${PRODUCER}` };
/** QUEUE_MAX_DEPTH of the API under test: the 4th waiting task of a queue is refused. */
const MAX_DEPTH = 3;

let api: RunningApi;
let client: TaskServiceClient;
let redis: RedisClient;
const sink = logSink();

beforeAll(async () => {
  api = await runApi(
    loadConfig({
      REDIS_URL: process.env.REDIS_URL,
      PORT: '0',
      GRPC_PORT: String(await freePort()),
      API_TOKENS: `ops:${ADMIN}`,
      API_PRODUCER_TOKENS: `svc:${PRODUCER}`,
      QUEUE_MAX_DEPTH: String(MAX_DEPTH),
      LOG_LEVEL: 'info',
    }),
    pino({ level: 'info' }, sink.stream),
  );
  client = taskServiceClient(`127.0.0.1:${api.grpcPort}`);
  redis = createRedis(process.env.REDIS_URL!);
});
afterAll(async () => {
  client.close();
  redis.disconnect();
  await api.stop();
});

const problemType = (o: { ok: false; metadata: import('@grpc/grpc-js').Metadata }) =>
  o.metadata.get('tq-problem-type')[0];

async function submit(queue: string, extra: Record<string, unknown> = {}, md = producer) {
  const out = await unary(client, 'Submit', { type: 'email', queue, ...extra }, md);
  if (!out.ok) throw new Error(`Submit failed: ${out.code} ${out.details}`);
  return out.value.task!;
}

describe('tq.v1.TaskService over a real socket', () => {
  it('Submit stores a task with its JSON payload; Get answers it', async () => {
    const queue = randomQueueName();
    const payload = { to: 'a@example.com', n: 3, tags: ['x', null, true], nested: { deep: [1.5] } };
    const out = await unary(
      client,
      'Submit',
      {
        type: 'email',
        queue,
        priority: 7,
        maxAttempts: 2,
        payload: {
          structValue: {
            fields: {
              to: { stringValue: 'a@example.com' },
              n: { numberValue: 3 },
              tags: {
                listValue: {
                  values: [{ stringValue: 'x' }, { nullValue: 'NULL_VALUE' }, { boolValue: true }],
                },
              },
              nested: {
                structValue: { fields: { deep: { listValue: { values: [{ numberValue: 1.5 }] } } } },
              },
            },
          },
        },
      },
      producer,
    );
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.value.replayed).toBe(false);
    const task = out.value.task!;
    expect(task).toMatchObject({
      queue,
      type: 'email',
      status: 'pending',
      priority: 7,
      maxAttempts: 2,
      attempt: 0,
    });
    expect(task.id.startsWith(`${queue}.`)).toBe(true);

    // Submit's answer says nothing of where it was read (as POST /tasks); Get reads it from Redis.
    expect(task.source).toBeUndefined();
    const got = await unary(client, 'Get', { id: task.id }, producer);
    expect(got.ok && got.value.task).toMatchObject({ id: task.id, source: 'redis' });
    // The stored payload is the JSON the HTTP API shows.
    const http = await fetch(`http://127.0.0.1:${api.port}/tasks/${task.id}`, { headers: producer });
    expect(((await http.json()) as { payload: unknown }).payload).toEqual(payload);
  });

  it('idempotency-key metadata: a replay answers the stored task, another body under the key is ABORTED', async () => {
    const queue = randomQueueName();
    const key = { ...producer, 'idempotency-key': `k-${queue}` };
    const first = await unary(client, 'Submit', { type: 'email', queue }, key);
    const again = await unary(client, 'Submit', { type: 'email', queue }, key);
    expect(first.ok && again.ok).toBe(true);
    if (!first.ok || !again.ok) return;
    expect(again.value.replayed).toBe(true);
    expect(again.value.task!.id).toBe(first.value.task!.id);

    const other = await unary(client, 'Submit', { type: 'sms', queue }, key);
    expect(other).toMatchObject({ ok: false, code: status.ABORTED });
    if (!other.ok) expect(problemType(other)).toBe('urn:tq:problem:conflict');
  });

  it('INVALID_ARGUMENT with the field errors of the HTTP API, as tq-field-errors-bin', async () => {
    const out = await unary(client, 'Submit', { type: '1bad', priority: 10 }, producer);
    expect(out).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT });
    if (out.ok) return;
    expect(problemType(out)).toBe('urn:tq:problem:invalid-request');
    const errors = JSON.parse(String(out.metadata.get('tq-field-errors-bin')[0])) as { field: string }[];
    expect(errors.map((e) => e.field).sort()).toEqual(['priority', 'type']);

    const missing = await unary(client, 'Submit', {}, producer);
    expect(missing).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT });
    if (!missing.ok) expect(missing.details).toMatch(/type is required/);

    const notJson = await unary(client, 'Submit', { type: 'email', payload: { numberValue: NaN } }, producer);
    expect(notJson).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT });
  });

  it('a request the decoder refuses (a payload nested past its limit) is INVALID_ARGUMENT, logged and counted', async () => {
    // SubmitRequest{type: "x", payload: 200 nested lists around `true`}, encoded by hand: this process's encoder
    // has the server's limit. Tag bytes: (field << 3) | wire type; 2 is length-delimited.
    const varint = (n: number): number[] => (n < 128 ? [n] : [(n & 127) | 128, ...varint(n >>> 7)]);
    const field = (tag: number, bytes: Buffer) => Buffer.from([tag, ...varint(bytes.length), ...bytes]);
    let value = Buffer.from([0x20, 0x01]); // Value{bool_value: true}
    for (let i = 0; i < 200; i++) value = field(0x32, field(0x0a, value)); // Value{list_value: {values: [value]}}
    const request = Buffer.concat([field(0x0a, Buffer.from('x')), field(0x12, value)]);
    const out = await new Promise<{ code: number; details: string }>((resolve) => {
      client.makeUnaryRequest(
        '/tq.v1.TaskService/Submit',
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
        request,
        metadataOf(producer),
        (error) => resolve({ code: error?.code ?? 0, details: error?.details ?? '' }),
      );
    });
    expect(out.code).toBe(status.INVALID_ARGUMENT);
    expect(out.details).toMatch(
      /Submit request could not be decoded \(.*depth exceeded\).*nests at most 100/,
    );
    await waitFor(() => sink.lines.some((l) => l.method === 'Submit' && l.code === 'INVALID_ARGUMENT'));
    const text = await (await fetch(`http://127.0.0.1:${api.port}/metrics`)).text();
    expect(text).toMatch(/^tq_grpc_requests_total\{method="Submit",code="INVALID_ARGUMENT"\} [1-9]/m);
  });

  it('NOT_FOUND, UNAUTHENTICATED and PERMISSION_DENIED', async () => {
    const queue = randomQueueName();
    expect(await unary(client, 'Get', { id: `${queue}.01JD0000000000000000000000` }, producer)).toMatchObject(
      {
        ok: false,
        code: status.NOT_FOUND,
      },
    );
    expect(await unary(client, 'GetQueue', { name: queue }, producer)).toMatchObject({
      ok: false,
      code: status.NOT_FOUND,
    });
    // An unset id is a bad request, as an unset queue name is.
    for (const method of ['Get', 'Cancel'] as const) {
      expect(await unary(client, method, { id: '' }, admin)).toMatchObject({
        ok: false,
        code: status.INVALID_ARGUMENT,
        details: expect.stringMatching(/id: id is required/),
      });
    }
    expect(await unary(client, 'Submit', { type: 'email', queue })).toMatchObject({
      ok: false,
      code: status.UNAUTHENTICATED,
    });
    expect(
      await unary(client, 'Submit', { type: 'email', queue }, { authorization: 'Bearer nope' }),
    ).toMatchObject({ ok: false, code: status.UNAUTHENTICATED });
    const task = await submit(queue);
    const denied = await unary(client, 'Cancel', { id: task.id }, producer);
    expect(denied).toMatchObject({ ok: false, code: status.PERMISSION_DENIED });
    if (!denied.ok) expect(denied.details).toMatch(/"svc" is a producer token/);
    // Nothing secret in the logs: the tokens never appear, the token's name does.
    const logs = JSON.stringify(sink.lines);
    expect(logs).not.toContain(PRODUCER);
    expect(logs).not.toContain(ADMIN);
    expect(logs).toContain('admin action refused');
  });

  it('Cancel (admin) cancels a pending task; a second Cancel is ABORTED', async () => {
    const task = await submit(randomQueueName());
    const canceled = await unary(client, 'Cancel', { id: task.id }, admin);
    expect(canceled.ok && canceled.value.task!.status).toBe('canceled');
    const again = await unary(client, 'Cancel', { id: task.id }, admin);
    expect(again).toMatchObject({ ok: false, code: status.ABORTED });
  });

  it('RESOURCE_EXHAUSTED past QUEUE_MAX_DEPTH, with retry-after', async () => {
    const queue = randomQueueName();
    for (let i = 0; i < MAX_DEPTH; i++) await submit(queue);
    const full = await unary(client, 'Submit', { type: 'email', queue }, producer);
    expect(full).toMatchObject({ ok: false, code: status.RESOURCE_EXHAUSTED });
    if (!full.ok) {
      expect(problemType(full)).toBe('urn:tq:problem:queue-full');
      expect(full.metadata.get('retry-after')).toEqual(['1']);
    }
  });

  it('SubmitBatch: each item stored or refused on its own; no idempotency-key metadata', async () => {
    const queue = randomQueueName();
    const out = await unary(
      client,
      'SubmitBatch',
      {
        tasks: [
          { type: 'a', queue, payload: { numberValue: 1 } },
          { type: '!', queue },
          { type: 'b', queue, idempotencyKey: `b-${queue}` },
          { type: 'b', queue, idempotencyKey: `b-${queue}` },
        ],
      },
      producer,
    );
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.value).toMatchObject({ created: 2, replayed: 1, failed: 1 });
    expect(out.value.results.map((r) => r.outcome)).toEqual(['stored', 'error', 'stored', 'stored']);
    expect(out.value.results[1]!.error).toMatchObject({
      code: status.INVALID_ARGUMENT,
      type: 'urn:tq:problem:invalid-request',
      errors: [expect.objectContaining({ field: 'type' })],
    });
    expect(out.value.results[3]!.stored!.replayed).toBe(true);

    const keyed = await unary(
      client,
      'SubmitBatch',
      { tasks: [{ type: 'a', queue }] },
      { ...producer, 'idempotency-key': 'x' },
    );
    expect(keyed).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT });
    const empty = await unary(client, 'SubmitBatch', { tasks: [] }, producer);
    expect(empty).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT });
  });

  it('GetQueue and ListQueues show the counts GET /queues shows', async () => {
    const queue = randomQueueName();
    await submit(queue);
    await submit(queue);
    const got = await unary(client, 'GetQueue', { name: queue }, producer);
    expect(got.ok).toBe(true);
    if (!got.ok) return;
    expect(got.value.queue).toMatchObject({ name: queue, paused: false, waiting: 2, events: 'auto' });
    expect(got.value.queue!.counts.pending).toBe(2);
    const list = await unary(client, 'ListQueues', {}, producer);
    expect(list.ok && list.value.queues.some((q) => q.name === queue)).toBe(true);
    expect(await unary(client, 'GetQueue', { name: 'bad name!' }, producer)).toMatchObject({
      ok: false,
      code: status.INVALID_ARGUMENT,
    });
  });

  it('Watch follows a task through a failed attempt and its retry to done (the worker played through the core)', async () => {
    const name = randomQueueName();
    const task = await submit(name, { maxAttempts: 3 });
    const queue = await testQueue(redis, name);
    const reader = watch(client, task.id, producer);
    await waitFor(() => reader.messages.length >= 1, {
      timeoutMs: 30_000,
      message: 'no first Watch message',
    });
    expect(reader.messages[0]).toMatchObject({ event: 'task', task: { id: task.id, status: 'pending' } });

    const first = (await queue.claim(1, 30_000)).tasks[0]!;
    expect(await queue.fail([{ ...first, error: 'smtp timeout', retryDelayMs: 0 }])).toEqual(['retry']);
    // The retry is due at once: the next claim promotes it.
    let second: ClaimedTask | undefined;
    await waitFor(
      async () => {
        second = (await queue.claim(1, 30_000)).tasks[0];
        return second !== undefined;
      },
      { timeoutMs: 30_000, message: 'the retry was never claimable' },
    );
    expect(await queue.progress(second!, 50)).toBe('ok');
    expect(await queue.complete([{ ...second!, result: '{"sent":true}' }])).toEqual(['ok']);

    expect(await reader.ended).toEqual({ code: status.OK, details: 'OK' });
    const seen = reader.messages.map((m) =>
      m.event === 'state' ? `state:${m.state!.status}` : m.event === 'progress' ? 'progress' : 'task',
    );
    expect(seen).toEqual([
      'task',
      'state:running',
      'state:retry',
      'state:pending', // promoted when due
      'state:running',
      'progress',
      'state:done',
      'task',
    ]);
    expect(reader.messages[1]!.state!.attempt).toBe(1);
    expect(reader.messages[4]!.state!.attempt).toBe(2);
    expect(reader.messages[5]!.progress!.progress).toMatchObject({ numberValue: 50 });
    const last = reader.messages.at(-1)!.task!;
    expect(last).toMatchObject({
      status: 'done',
      attempt: 2,
      result: { structValue: { fields: { sent: { boolValue: true } } } },
    });
    expect(last.errors).toEqual([expect.objectContaining({ attempt: 1, error: 'smtp timeout' })]);
  });

  it('Watch polls a task whose queue writes no events (mode off), to the finished task', async () => {
    const name = randomQueueName();
    const task = await submit(name);
    const put = await fetch(`http://127.0.0.1:${api.port}/queues/${name}/events`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'off' }),
    });
    expect(put.status).toBe(200);
    const reader = watch(client, task.id, producer);
    await waitFor(() => reader.messages.length >= 1, {
      timeoutMs: 30_000,
      message: 'no first Watch message',
    });
    const queue = await testQueue(redis, name);
    const claimed = (await queue.claim(1, 30_000)).tasks[0]!;
    expect(await queue.complete([{ ...claimed, result: '1' }])).toEqual(['ok']);
    expect((await reader.ended).code).toBe(status.OK);
    expect(reader.messages[0]!.task!.status).toBe('pending');
    expect(reader.messages.at(-1)!.task).toMatchObject({ status: 'done', result: { numberValue: 1 } });
    expect(reader.messages.some((m) => m.state?.status === 'done')).toBe(true);
  });

  it("Watch goes on by polling when the queue's events are turned off while it watches", async () => {
    const name = randomQueueName();
    const task = await submit(name);
    const queue = await testQueue(redis, name);
    const reader = watch(client, task.id, producer);
    await waitFor(() => reader.messages.length >= 1, {
      timeoutMs: 30_000,
      message: 'no first Watch message',
    });
    const first = (await queue.claim(1, 30_000)).tasks[0]!;
    await waitFor(() => reader.messages.some((m) => m.state?.status === 'running'), {
      timeoutMs: 30_000,
      message: 'the running state by event',
    });
    const put = await fetch(`http://127.0.0.1:${api.port}/queues/${name}/events`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'off' }),
    });
    expect(put.status).toBe(200);
    // Written with events off: no event says so, only the task does.
    expect(await queue.complete([{ ...first, result: '1' }])).toEqual(['ok']);
    // The feed reads the mode when it renews its lease (every 20 s); the Watch then polls the task.
    expect((await reader.ended).code).toBe(status.OK);
    expect(reader.messages.at(-1)!.task).toMatchObject({ status: 'done', result: { numberValue: 1 } });
    expect(reader.messages.filter((m) => m.state?.status === 'running')).toHaveLength(1);
  }, 60_000);

  it('Watch of an unknown task is NOT_FOUND; without a token UNAUTHENTICATED', async () => {
    expect((await watch(client, 'nope', producer).ended).code).toBe(status.NOT_FOUND);
    const task = await submit(randomQueueName());
    expect((await watch(client, task.id).ended).code).toBe(status.UNAUTHENTICATED);
  });

  it('serves grpc.health.v1 and server reflection', async () => {
    const address = `127.0.0.1:${api.grpcPort}`;
    const health = genericClient(address, HEALTH_PROTO.file, [HEALTH_PROTO.dir], 'grpc.health.v1.Health');
    const answer = await new Promise<{ status: string }>((resolve, reject) =>
      health.Check!({ service: 'tq.v1.TaskService' }, (e: Error | null, r: { status: string }) =>
        e ? reject(e) : resolve(r),
      ),
    );
    expect(answer.status).toBe('SERVING');
    health.close();

    const reflection = genericClient(
      address,
      REFLECTION_PROTO.file,
      [REFLECTION_PROTO.dir],
      'grpc.reflection.v1.ServerReflection',
    );
    type Reply = {
      list_services_response?: { service: { name: string }[] };
      file_descriptor_response?: { file_descriptor_proto: Buffer[] };
      error_response?: { error_message: string };
    };
    const stream = reflection.ServerReflectionInfo!() as import('@grpc/grpc-js').ClientDuplexStream<
      unknown,
      Reply
    >;
    stream.on('error', () => undefined);
    const ask = (request: object) =>
      new Promise<Reply>((resolve) => {
        stream.once('data', resolve);
        stream.write(request);
      });
    const listed = await ask({ list_services: '*' });
    expect(listed.list_services_response?.service.map((s) => s.name)).toEqual(
      expect.arrayContaining(['tq.v1.TaskService', 'grpc.health.v1.Health']),
    );
    // What grpcurl does: the file of the service, then each file it names as a dependency, by name; every
    // type the service's file refers to outside its package must come from one of them.
    const files = (reply: Reply) =>
      (reply.file_descriptor_response?.file_descriptor_proto ?? []).map(
        (bytes) => FileDescriptorProto.decode(bytes) as unknown as { name: string; dependency: string[] },
      );
    const [service] = files(await ask({ file_containing_symbol: 'tq.v1.TaskService' }));
    expect(service!.dependency.length).toBeGreaterThan(0);
    for (const dependency of service!.dependency) {
      expect(files(await ask({ file_by_filename: dependency })).map((f) => f.name)).toContain(dependency);
    }
    const valueFile = files(await ask({ file_containing_symbol: 'google.protobuf.Value' }))[0]!.name;
    expect(service!.dependency).toContain(valueFile);
    stream.end();
    reflection.close();
  });

  it('counts calls in tq_grpc_requests_total and tq_grpc_request_duration_seconds by method and code', async () => {
    await unary(client, 'Get', { id: 'x.y' }, producer);
    const text = await (await fetch(`http://127.0.0.1:${api.port}/metrics`)).text();
    expect(text).toMatch(/^tq_grpc_requests_total\{method="Submit",code="OK"\} [1-9]/m);
    expect(text).toMatch(/^tq_grpc_requests_total\{method="Get",code="NOT_FOUND"\} [1-9]/m);
    expect(text).toMatch(/^tq_grpc_requests_total\{method="ListQueues",code="OK"\} /m);
    expect(text).toMatch(/^tq_grpc_request_duration_seconds_count\{method="Submit",code="OK"\} [1-9]/m);
    expect(text).toMatch(/^tq_tasks_rejected_total\{reason="queue_full"\} [1-9]/m);
    // promtool-clean, with the gRPC series in.
    const promtool = process.env.PROMTOOL_BIN ?? 'promtool';
    const check = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (check.error) throw new Error(`cannot run ${promtool}: ${check.error.message} (set PROMTOOL_BIN)`);
    expect({ status: check.status, output: check.stdout + check.stderr }).toEqual({ status: 0, output: '' });
  });
});

describe('gRPC when Redis goes away, and at shutdown', () => {
  let server: RedisServer;
  let own: RunningApi;
  let ownClient: TaskServiceClient;

  beforeAll(async () => {
    server = await startRedisServer();
    own = await runApi(
      loadConfig({
        REDIS_URL: server.url,
        PORT: '0',
        GRPC_PORT: String(await freePort()),
        REDIS_COMMAND_TIMEOUT_MS: '500',
        SHUTDOWN_TIMEOUT_MS: '20000',
      }),
      pino({ level: 'silent' }),
    );
    ownClient = taskServiceClient(`127.0.0.1:${own.grpcPort}`);
  });
  afterAll(async () => {
    ownClient.close();
    await own.stop();
    await server.stop();
  });

  it('answers UNAVAILABLE (retry-after) while Redis is down, keeps serving, and recovers', async () => {
    const queue = randomQueueName();
    const stored = await unary(ownClient, 'Submit', { type: 'email', queue }, {});
    expect(stored.ok).toBe(true);
    await server.kill();
    for (const method of ['Submit', 'Get'] as const) {
      const out =
        method === 'Submit'
          ? await unary(ownClient, 'Submit', { type: 'email', queue }, {})
          : await unary(ownClient, 'Get', { id: stored.ok ? stored.value.task!.id : '' }, {});
      expect(out).toMatchObject({ ok: false, code: status.UNAVAILABLE });
      if (!out.ok) {
        expect(out.metadata.get('retry-after')).toEqual(['1']);
        expect(out.details).toMatch(/within 500 ms/);
      }
    }
    await server.restart();
    await waitFor(async () => (await unary(ownClient, 'ListQueues', {}, {})).ok, {
      timeoutMs: 30_000,
      message: 'gRPC never recovered after Redis came back',
    });
  });

  it('a shutdown ends open Watch streams with UNAVAILABLE and stops both servers', async () => {
    const stored = await unary(ownClient, 'Submit', { type: 'email', queue: randomQueueName() }, {});
    expect(stored.ok).toBe(true);
    if (!stored.ok) return;
    const reader = watch(ownClient, stored.value.task!.id);
    await waitFor(() => reader.messages.length >= 1, {
      timeoutMs: 30_000,
      message: 'no first Watch message',
    });
    await own.stop();
    const end = await reader.ended;
    expect(end.code).toBe(status.UNAVAILABLE);
    expect(end.details).toMatch(/shutting down/);
    expect((await unary(ownClient, 'ListQueues', {}, {})).code).toBe(status.UNAVAILABLE);
  });
});

describe('a Watch cancelled while it is being set up', () => {
  it("lets go of the task's queue: the feed stops renewing its 'auto' lease", async () => {
    // A Redis of its own: the test pauses its writes, which would stall every other test's API.
    const server = await startRedisServer();
    const logs = logSink();
    const own = await runApi(
      loadConfig({
        REDIS_URL: server.url,
        PORT: '0',
        GRPC_PORT: String(await freePort()),
        REDIS_COMMAND_TIMEOUT_MS: '30000',
        LOG_LEVEL: 'info',
      }),
      pino({ level: 'info' }, logs.stream),
    );
    const ownClient = taskServiceClient(`127.0.0.1:${own.grpcPort}`);
    const admin = createRedis(server.url);
    try {
      const name = randomQueueName();
      const stored = await unary(ownClient, 'Submit', { type: 'email', queue: name }, {});
      if (!stored.ok) throw new Error(`Submit failed: ${stored.code} ${stored.details}`);
      // The Watch's subscription takes the queue's 'auto' lease, a write: held until the unpause.
      await admin.call('CLIENT', 'PAUSE', '20000', 'WRITE');
      const reader = watch(ownClient, stored.value.task!.id);
      await waitFor(
        async () => /name=tq-api [^\n]*flags=b/.test(String(await admin.call('CLIENT', 'LIST'))),
        { message: 'the Watch waiting on Redis' },
      );
      reader.cancel();
      await waitFor(() => logs.lines.some((l) => l.method === 'Watch' && l.code === 'CANCELLED'), {
        message: 'the server seeing the Watch cancelled',
      });
      await admin.call('CLIENT', 'UNPAUSE');
      const meta = `tq:{${name}}:meta`;
      const lease = await waitFor(() => admin.hget(meta, 'eventsUntil'), {
        message: 'the lease the Watch took',
      });
      // The feed renews the leases of the queues it follows every 20 s (a third of the 60 s lease).
      await new Promise((resolve) => setTimeout(resolve, 25_000));
      expect(await admin.hget(meta, 'eventsUntil')).toBe(lease);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
      admin.disconnect();
      ownClient.close();
      await own.stop();
      await server.stop();
    }
  }, 60_000);
});
