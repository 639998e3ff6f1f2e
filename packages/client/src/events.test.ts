import { randomQueueName } from '@tq/testing';
import { TqClient, TqTimeoutError } from './index';
import { TOKEN, startStack, type TestStack } from './test-support/stack';

const queue = randomQueueName('client-events');
let stack: TestStack;
beforeAll(async () => {
  stack = await startStack([queue]);
});
afterAll(() => stack.close());

/** A client whose fetch records the method and path of every request (the real fetch does the work). */
function recordingClient(): { tq: TqClient; requests: string[] } {
  const requests: string[] = [];
  const tq = new TqClient({
    url: stack.url,
    token: TOKEN,
    fetch: (request) => {
      requests.push(`${request.method} ${new URL(request.url).pathname}`);
      return fetch(request);
    },
  });
  return { tq, requests };
}

describe('waitFor on the task event stream', () => {
  it('waits on one event stream, without reading the task again', async () => {
    const { tq, requests } = recordingClient();
    const task = await tq.submit({ type: 'echo', payload: 'streamed', queue, delayMs: 300 });
    const done = await tq.waitFor(task.id, { timeoutMs: 20_000 });
    expect(done).toMatchObject({ id: task.id, status: 'done', result: { echoed: 'streamed' } });
    expect(requests).toEqual(['POST /tasks', `GET /tasks/${task.id}/events`]);
  });

  it('polls where the queue has events off (the stream answers 409)', async () => {
    const off = randomQueueName('client-events-off');
    const { tq, requests } = recordingClient();
    const task = await tq.submit({ type: 'echo', payload: 0, queue: off });
    const answer = await fetch(`${stack.url}/queues/${off}/events`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'off' }),
    });
    expect(answer.status).toBe(200);
    await tq.cancel(task.id);
    expect(await tq.waitFor(task.id, { timeoutMs: 5000 })).toMatchObject({ status: 'canceled' });
    expect(requests).toContain(`GET /tasks/${task.id}/events`);
    expect(requests).toContain(`GET /tasks/${task.id}`);
  });

  it('gives up after timeoutMs with the state the stream showed', async () => {
    const { tq } = recordingClient();
    const task = await tq.submit({ type: 'echo', payload: 0, queue, delayMs: 60_000 });
    // Long enough for the stream's first event (the state it shows) on a busy machine.
    const error = await tq.waitFor(task.id, { timeoutMs: 3000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TqTimeoutError);
    expect((error as TqTimeoutError).task).toMatchObject({ id: task.id, status: 'scheduled' });
  });
});
