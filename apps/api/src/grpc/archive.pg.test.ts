import { status } from '@grpc/grpc-js';
import { Queue, createRedis, type RedisClient } from '@tq/core';
import { HistoryStore } from '@tq/history';
import { freePort, randomQueueName, startTestPostgres, type TestPostgres } from '@tq/testing';
import pino from 'pino';
import { loadConfig } from '../config';
import { runApi, type RunningApi } from '../run-api';
import { taskServiceClient, unary } from '../test-support/grpc-client';
import type { TaskServiceClient } from './generated/tq/v1/TaskService';

/** Get over gRPC with a task history (real PostgreSQL): `source` says redis, then archive, as over HTTP. */
let pg: TestPostgres;
let store: HistoryStore;
let api: RunningApi;
let client: TaskServiceClient;
let redis: RedisClient;

beforeAll(async () => {
  pg = await startTestPostgres();
  store = new HistoryStore({ url: pg.url });
  await store.migrate(); // what an archiver does at start
  api = await runApi(
    loadConfig({
      REDIS_URL: process.env.REDIS_URL,
      DATABASE_URL: pg.url,
      PORT: '0',
      GRPC_PORT: String(await freePort()),
    }),
    pino({ level: 'silent' }),
  );
  client = taskServiceClient(`127.0.0.1:${api.grpcPort}`);
  redis = createRedis(process.env.REDIS_URL!);
});
afterAll(async () => {
  client?.close();
  redis?.disconnect();
  await api?.stop();
  await store?.close();
  await pg?.stop();
});

it('Get reads Redis while it has the task, then the task history, with source set as GET /tasks/:id has it', async () => {
  const queue = new Queue(redis, randomQueueName('grpc-hist'));
  const submitted = await unary(client, 'Submit', { type: 'email', queue: queue.name }, {});
  if (!submitted.ok) throw new Error(`Submit failed: ${submitted.code} ${submitted.details}`);
  const id = submitted.value.task!.id;
  const [claimed] = (await queue.claim(1, 60_000)).tasks;
  expect(await queue.complete([{ ...claimed!, result: '{"ok":true}' }])).toEqual(['ok']);
  await store.upsert([(await queue.getTask(id))!]); // archived as an archiver would

  const live = await unary(client, 'Get', { id }, {});
  expect(live.ok && live.value.task).toMatchObject({ id, status: 'done', source: 'redis' });

  // Retention deletes it from Redis; Get falls back to the history.
  await queue.trim({ finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 }, 1000);
  expect(await queue.getTask(id)).toBeNull();
  const archived = await unary(client, 'Get', { id }, {});
  expect(archived.ok && archived.value.task).toMatchObject({
    id,
    status: 'done',
    source: 'archive',
    result: { structValue: { fields: { ok: { boolValue: true } } } },
  });
  const http = (await (await fetch(`http://127.0.0.1:${api.port}/tasks/${id}`)).json()) as {
    source: string;
  };
  expect(http.source).toBe('archive');

  // Only the history has it now: canceling, running or retrying it is a conflict naming its state (the task
  // exists: Get answers it), not "does not exist".
  const cancel = await unary(client, 'Cancel', { id }, {});
  expect(cancel).toMatchObject({ ok: false, code: status.ABORTED });
  if (!cancel.ok) expect(cancel.details).toMatch(/is done already: .*\(the task history keeps it\)/);
  for (const action of ['cancel', 'run', 'retry']) {
    const res = await fetch(`http://127.0.0.1:${api.port}/tasks/${id}/${action}`, { method: 'POST' });
    const body = (await res.json()) as { detail: string };
    expect({ action, status: res.status }).toEqual({ action, status: 409 });
    expect(body.detail).toMatch(new RegExp(`task ${id.replace('.', '\\.')} is done.*task history keeps it`));
  }
  // A task neither place has is still NOT_FOUND.
  const unknown = await unary(client, 'Cancel', { id: `${queue.name}.nosuchtask` }, {});
  expect(unknown).toMatchObject({ ok: false, code: status.NOT_FOUND });
});
