import { getTask, submitTask, type ApiTask } from './support/api-client';
import { HttpTarget } from './support/http-target';
import { Stack } from './support/stack';
import type { Service } from './support/service';

/** api + one worker + one reaper on a private Redis: tasks from submission to done or dead. */
describe('tasks end to end', () => {
  let stack: Stack;
  let worker: Service;
  const target = new HttpTarget();

  beforeAll(async () => {
    await target.start();
    stack = await Stack.start();
    await stack.startApi();
    worker = await stack.startWorker('worker', {
      // A host without a port allows only 80/443: the target's port is listed.
      HTTP_TASK_ALLOWED_HOSTS: `127.0.0.1:${target.port}`,
      BACKOFF_BASE_MS: '50',
      BACKOFF_CAP_MS: '200',
      VISIBILITY_TIMEOUT_MS: '2000',
    });
    await stack.startReaper({ REAPER_INTERVAL_MS: '250' });
  });
  afterAll(async () => {
    await stack?.close();
    await target.stop();
  });

  /** Polls GET /tasks/:id until the task is done or dead. */
  const finished = (id: string, timeoutMs = 10_000): Promise<ApiTask> =>
    stack.until(
      undefined,
      async () => {
        const task = await getTask(stack.apiUrl, id);
        return (task.status === 'done' || task.status === 'dead') && task;
      },
      `task ${id} finished`,
      timeoutMs,
    );

  it("runs the seed's task to done", async () => {
    const { id } = await submitTask(stack.apiUrl, { type: 'email', payload: 'hello world' });
    const task = await finished(id);
    expect(task).toMatchObject({ status: 'done', attempt: 1, result: { transport: 'development' } });
    expect(worker.logged('email (development transport: not sent; set SMTP_URL to send)')).toBe(true);
    expect(worker.logs.join('\n')).not.toContain('hello world'); // bodies are never logged
  });

  it('runs an http task against an allowed host', async () => {
    const url = target.route('/ok', [200]);
    const { id } = await submitTask(stack.apiUrl, {
      type: 'http',
      payload: { url, body: { hello: 'world' } },
    });
    expect(await finished(id)).toMatchObject({
      status: 'done',
      attempt: 1,
      result: { status: 200, body: 'status 200 for hit 1' },
    });
  });

  it('retries an http task that gets 500 twice and succeeds on attempt 3 after backoff', async () => {
    const url = target.route('/flaky', [500, 500, 200]);
    const { id } = await submitTask(stack.apiUrl, { type: 'http', payload: { url }, maxAttempts: 5 });
    const task = await finished(id);
    expect(task).toMatchObject({ status: 'done', attempt: 3 });
    expect(task.errors.map((e) => e.attempt)).toEqual([1, 2]);
    expect(task.errors[0]!.error).toMatch(/answered 500/);
    expect(target.hits.get('/flaky')).toHaveLength(3);
  });

  it('sends an http task that always fails to dead with its error history', async () => {
    const url = target.route('/down', [503]);
    const { id } = await submitTask(stack.apiUrl, { type: 'http', payload: { url }, maxAttempts: 3 });
    const task = await finished(id);
    expect(task).toMatchObject({ status: 'dead', attempt: 3, deadReason: 'max_attempts' });
    expect(task.errors).toHaveLength(3);
    for (const e of task.errors)
      expect(e.error).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/down answered 503/);
  });

  it('refuses an http task to a host that is not allowed, permanently', async () => {
    const { id } = await submitTask(stack.apiUrl, {
      type: 'http',
      payload: { url: 'http://example.com/hook' },
      maxAttempts: 5,
    });
    const task = await finished(id);
    expect(task).toMatchObject({ status: 'dead', attempt: 1, deadReason: 'permanent' });
    expect(task.lastError).toBe(
      'host example.com is not in HTTP_TASK_ALLOWED_HOSTS; add it to allow this task',
    );
  });

  it('aborts a handler past its timeout and retries it', async () => {
    const { id } = await submitTask(stack.apiUrl, {
      type: 'sleep',
      payload: { ms: 30_000, fastFromAttempt: 2 },
      timeoutMs: 300,
    });
    const task = await finished(id);
    expect(task).toMatchObject({ status: 'done', attempt: 2 });
    expect(task.errors).toMatchObject([{ attempt: 1, error: 'timed out after 300 ms' }]);
    expect(stack.effects(id).map((e) => `${e.what}@${e.attempt}`)).toEqual(['start@1', 'start@2', 'done@2']);
  });

  it('sends an unknown type to dead with reason unknown_type after its attempts', async () => {
    const { id } = await submitTask(stack.apiUrl, { type: 'no.such.type', payload: {}, maxAttempts: 2 });
    const task = await finished(id);
    expect(task).toMatchObject({ status: 'dead', attempt: 2, deadReason: 'unknown_type' });
    expect(task.errors).toHaveLength(2);
    expect(task.lastError).toMatch(
      /^no handler for type "no\.such\.type" on this worker \(it handles: crash, email, http, sleep\)$/,
    );
  });

  it("exposes the worker's counters on /metrics, by task type and worker pool", async () => {
    const port = worker.entries().find((e) => typeof e.port === 'number')?.port as number;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toMatch(/^tq_tasks_completed_total\{queue="default",type="email"\} [1-9]/m);
    // A type no handler is registered for is folded into `other`: producers cannot grow the series.
    expect(text).toMatch(/^tq_tasks_failed_total\{queue="default",reason="unknown_type",type="other"\} 2$/m);
    expect(text).not.toMatch(/no\.such\.type/);
    expect(text).toMatch(/^tq_tasks_dead_lettered_total\{queue="default",reason="unknown_type"\} 1$/m);
    expect(text).toMatch(/^tq_worker_slots\{pool="default"\} 10$/m);
  });
});
