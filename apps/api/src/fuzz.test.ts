import { randomQueueName } from '@tq/testing';
import fc from 'fast-check';
import { call, startTestApi, type TestApi } from './test-support/test-api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ MAX_PAYLOAD_BYTES: '2000' });
});
afterAll(() => api.close());

const queue = randomQueueName();
const RUNS = 200;
// 200 requests per property: a few seconds on an idle machine, over a minute each at load 50-80 on 2 cores.
jest.setTimeout(300_000);

/** A task-shaped body whose fields hold arbitrary values, so validation past the first field is reached. */
const taskLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom('email', 'a.b:c-d'), fc.string(), fc.jsonValue()),
    payload: fc.jsonValue(),
    queue: fc.oneof(fc.constant(queue), fc.string(), fc.jsonValue()),
    priority: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.double(), fc.jsonValue()),
    delayMs: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
    runAt: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.integer(),
      fc.double(),
      fc.string(),
    ),
    maxAttempts: fc.oneof(fc.integer({ min: -1, max: 1002 }), fc.jsonValue()),
    timeoutMs: fc.oneof(fc.nat(), fc.double(), fc.jsonValue()),
    idempotencyKey: fc.oneof(fc.string(), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

/** Posts `body` (a string is sent as it is) to `path` and says whether the answer was below 500. */
async function neverServerError(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<boolean> {
  const res = await call(api, 'POST', path, {
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers,
  });
  if (res.status >= 500)
    throw new Error(`${res.status} for ${JSON.stringify(body).slice(0, 300)}: ${JSON.stringify(res.body)}`);
  return true;
}

describe('arbitrary bodies never get a 5xx', () => {
  it('POST /tasks with any JSON value', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), (body) => neverServerError('/tasks', body)),
      { numRuns: RUNS },
    );
  });

  it('POST /tasks with any string as the body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary' }), (body) => neverServerError('/tasks', body)),
      { numRuns: RUNS },
    );
  });

  it('POST /tasks with any object, and any Idempotency-Key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.object(), fc.string({ unit: 'binary-ascii', maxLength: 300 }), (body, key) =>
        neverServerError(
          '/tasks',
          body,
          /^[\t\x20-\x7e]*$/.test(key) && key.trim() === key ? { 'Idempotency-Key': key } : {},
        ),
      ),
      { numRuns: RUNS },
    );
  });

  it('POST /tasks with task-shaped bodies of arbitrary field values', async () => {
    await fc.assert(
      fc.asyncProperty(taskLike, (body) => neverServerError('/tasks', body)),
      { numRuns: RUNS },
    );
  });

  it('POST /tasks/batch with arbitrary tasks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ tasks: fc.array(fc.oneof(taskLike, fc.jsonValue()), { maxLength: 20 }) }),
        ),
        (body) => neverServerError('/tasks/batch', body),
      ),
      { numRuns: RUNS },
    );
  });

  it('POST /queues/:name/dead/requeue with any JSON value', async () => {
    await call(api, 'POST', '/tasks', { body: { type: 'email', queue } });
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), (body) => neverServerError(`/queues/${queue}/dead/requeue`, body)),
      {
        numRuns: RUNS,
      },
    );
  });
});
