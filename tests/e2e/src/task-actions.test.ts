import { getTask, submitTask } from './support/api-client';
import { Stack } from './support/stack';

/** The worker's lease: its extensions, which carry a cancel request, go out every third of it. */
const VISIBILITY_TIMEOUT_MS = 3000;

/** POST /tasks/:id/cancel as an operator does it: the status and the task answered. */
async function cancel(
  apiUrl: string,
  id: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${apiUrl}/tasks/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Canceling a running task over HTTP, with the stock API and worker processes on a real Redis (ADR 0019). */
describe('task actions end to end', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start();
    await stack.startApi();
  });
  afterAll(() => stack?.close());

  it('cancels a running task: 202, the handler is aborted at the next lease extension, the task ends canceled', async () => {
    const worker = await stack.startWorker('worker', {
      VISIBILITY_TIMEOUT_MS: String(VISIBILITY_TIMEOUT_MS),
      WORKER_CONCURRENCY: '1',
    });
    const long = await submitTask(stack.apiUrl, { type: 'sleep', payload: { ms: 600_000 } });
    await stack.until(worker, () => stack.effects(long.id).some((e) => e.what === 'start'), 'the task runs');

    const requestedAt = Date.now();
    const answer = await cancel(stack.apiUrl, long.id);
    expect(answer).toMatchObject({ status: 202, body: { id: long.id, status: 'running' } });
    expect(typeof answer.body.cancelRequestedAt).toBe('string');

    const canceled = await stack.until(
      worker,
      async () => {
        const task = await getTask(stack.apiUrl, long.id);
        return task.status === 'canceled' && task;
      },
      'the task ends canceled',
    );
    const tookMs = Date.now() - requestedAt;
    console.log(
      `canceled ${tookMs} ms after the request (lease ${VISIBILITY_TIMEOUT_MS} ms, extends every third)`,
    );
    expect(canceled).toMatchObject({ attempt: 1, errors: [], deadReason: null, result: null });
    // Aborted, never finished, and not run again: the worker's one slot takes the next task.
    expect(stack.effects(long.id).map((e) => e.what)).toEqual(['start']);
    await stack.until(worker, () => worker.logged(/^task canceled by an operator while running/), 'logged');
    const next = await submitTask(stack.apiUrl, { type: 'sleep', payload: { ms: 0 } });
    await stack.until(
      worker,
      async () => (await getTask(stack.apiUrl, next.id)).status === 'done',
      'next done',
    );
    expect((await getTask(stack.apiUrl, long.id)).status).toBe('canceled');
    // The task names the worker that ran it, as GET /workers lists it.
    const { workers } = (await (await fetch(`${stack.apiUrl}/workers`)).json()) as {
      workers: { id: string }[];
    };
    expect(workers).toHaveLength(1);
    expect(await getTask(stack.apiUrl, long.id)).toMatchObject({ workerId: workers[0]!.id });
  });
});
