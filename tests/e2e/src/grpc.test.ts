import {
  Metadata,
  credentials,
  loadPackageDefinition,
  status,
  type Client,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadTqProto } from '@tq/api';
import { freePort, randomQueueName } from '@tq/testing';
import { HttpTarget } from './support/http-target';
import type { Service } from './support/service';
import { Stack, itOneRedisServer } from './support/stack';

/**
 * The gRPC API of the stock API process, with a stock worker process running the tasks: a Watch sees a
 * task through its retries to done, and a Redis outage is answered UNAVAILABLE by a process that lives on.
 */

/** What these tests read of a tq.v1.Task (loader options of @tq/api: camelCase, unset optionals absent). */
interface TaskMessage {
  id: string;
  status: string;
  attempt: number;
  errors: { attempt: number; error: string }[];
  result: { structValue?: { fields: Record<string, { numberValue?: number }> } } | null;
  source?: string;
}
interface WatchMessage {
  event: 'task' | 'state' | 'progress';
  task?: TaskMessage;
  state?: { taskId: string; status: string; attempt?: number };
}
type Callback<T> = (error: ServiceError | null, value?: T) => void;
interface TaskService extends Client {
  Submit(request: object, metadata: Metadata, callback: Callback<{ task: TaskMessage }>): void;
  Get(request: { id: string }, metadata: Metadata, callback: Callback<{ task: TaskMessage }>): void;
  Watch(request: { id: string }, metadata: Metadata): ClientReadableStream<WatchMessage>;
}

/** Calls a unary method: the answer, or the error's status code and details. */
function call<T>(
  fn: (metadata: Metadata, callback: Callback<T>) => void,
): Promise<{ ok: true; value: T } | { ok: false; code: number; details: string }> {
  return new Promise((resolve) =>
    fn(new Metadata(), (error, value) =>
      resolve(error ? { ok: false, code: error.code, details: error.details } : { ok: true, value: value! }),
    ),
  );
}

describe('the gRPC API with real worker, reaper and API processes', () => {
  let stack: Stack;
  let api: Service;
  let client: TaskService;
  const target = new HttpTarget();
  const queue = randomQueueName('grpc');

  beforeAll(async () => {
    await target.start();
    stack = await Stack.start();
    const grpcPort = await freePort();
    api = await stack.startApi({ GRPC_PORT: String(grpcPort), REDIS_COMMAND_TIMEOUT_MS: '500' });
    const proto = loadPackageDefinition(loadTqProto()) as unknown as {
      tq: { v1: { TaskService: new (address: string, creds: unknown) => TaskService } };
    };
    client = new proto.tq.v1.TaskService(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
    await stack.startReaper({ REAPER_INTERVAL_MS: '250' });
  });
  afterAll(async () => {
    client?.close();
    await stack?.close();
    await target.stop();
  });

  it('Watch follows a task through two failed attempts and their retries to done, run by a worker process', async () => {
    // An http task whose target answers 500, 500, then 200: two retries, done on attempt 3.
    const url = target.route('/flaky', [500, 500, 200]);
    const submitted = await call<{ task: TaskMessage }>((md, cb) =>
      client.Submit({ type: 'http', queue, payload: toValue({ url }), maxAttempts: 5 }, md, cb),
    );
    if (!submitted.ok) throw new Error(`Submit failed: ${submitted.code} ${submitted.details}`);
    const id = submitted.value.task.id;

    const messages: WatchMessage[] = [];
    const watch = client.Watch({ id }, new Metadata());
    watch.on('data', (m: WatchMessage) => messages.push(m));
    watch.on('error', () => {}); // the status says it
    const ended = new Promise<{ code: number; details: string }>((resolve) =>
      watch.on('status', (s: { code: number; details: string }) => resolve(s)),
    );
    await stack.until(api, () => messages.length >= 1, 'the first Watch message');
    expect(messages[0]).toMatchObject({ event: 'task', task: { id, status: 'pending' } });

    // The worker starts only now, so the stream is open before the first attempt.
    await stack.startWorker('worker', {
      QUEUES: queue,
      HTTP_TASK_ALLOWED_HOSTS: `127.0.0.1:${target.port}`,
      BACKOFF_BASE_MS: '50',
      BACKOFF_CAP_MS: '200',
    });
    const end = await stack.until(
      api,
      () =>
        ended.then(
          (s) => s,
          () => undefined,
        ),
      'the Watch to end',
      60_000,
    );
    expect(end).toMatchObject({ code: status.OK });

    const states = messages.filter((m) => m.event === 'state').map((m) => m.state!);
    // Each retry is promoted back to pending when due (by the worker's or the reaper's look): not asserted,
    // as either may do it; the attempts and their order are.
    expect(states.filter((s) => s.status !== 'pending').map((s) => `${s.status}${s.attempt ?? ''}`)).toEqual([
      'running1',
      'retry',
      'running2',
      'retry',
      'running3',
      'done',
    ]);
    const last = messages.at(-1)!;
    expect(last.event).toBe('task');
    expect(last.task).toMatchObject({ id, status: 'done', attempt: 3, source: 'redis' });
    expect(last.task!.errors.map((e) => e.attempt)).toEqual([1, 2]);
    expect(last.task!.errors[0]!.error).toMatch(/answered 500/);
    expect(last.task!.result?.structValue?.fields.status).toMatchObject({ numberValue: 200 });
    expect(target.hits.get('/flaky')).toHaveLength(3);
  });

  itOneRedisServer(
    'answers UNAVAILABLE while Redis is down, with the API process alive, and serves again once it is back',
    async () => {
      await stack.redis.kill();
      const submit = () =>
        call<{ task: TaskMessage }>((md, cb) => client.Submit({ type: 'http', queue }, md, cb));
      const down = await submit();
      expect(down).toMatchObject({ ok: false, code: status.UNAVAILABLE });
      expect(api.running).toBe(true);
      await stack.redis.restart();
      const back = await stack.until(
        api,
        async () => (await submit()).ok,
        'a Submit stored after Redis came back',
      );
      expect(back).toBe(true);
      expect(api.running).toBe(true);
    },
  );
});

/** A JSON object as google.protobuf.Value (strings only: what these tests send). */
function toValue(json: Record<string, string>): object {
  return {
    structValue: {
      fields: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, { stringValue: v }])),
    },
  };
}
