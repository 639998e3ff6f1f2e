import { getTask, submitTask } from './support/api-client';
import { Stack } from './support/stack';

const VISIBILITY_TIMEOUT_MS = 1500;
const REAPER_INTERVAL_MS = 250;
/** Time for the reaper's script, the wake-up, the claim and the (instant) second attempt. */
const EPSILON_MS = 500;

/** Workers killed with SIGKILL: their tasks come back within the documented bound. */
describe('crash recovery end to end', () => {
  let stack: Stack;
  const workerEnv = { VISIBILITY_TIMEOUT_MS: String(VISIBILITY_TIMEOUT_MS) };

  beforeAll(async () => {
    stack = await Stack.start();
    await stack.startApi();
    await stack.startReaper({ REAPER_INTERVAL_MS: String(REAPER_INTERVAL_MS) });
  });
  afterAll(() => stack?.close());

  it('completes the task of a worker killed mid-task on another worker within visibility timeout + reaper interval', async () => {
    const a = await stack.startWorker('worker-a', workerEnv);
    const { id } = await submitTask(stack.apiUrl, {
      type: 'sleep',
      payload: { ms: 60_000, fastFromAttempt: 2 },
      maxAttempts: 3,
    });
    await stack.until(
      a,
      () => stack.effects(id).some((e) => e.what === 'start' && e.pid === a.pid),
      'worker-a runs the task',
    );
    const b = await stack.startWorker('worker-b', workerEnv);

    const killedAt = Date.now();
    await a.kill();
    const done = await stack.until(
      b,
      () => stack.effects(id).find((e) => e.what === 'done'),
      'the task completes on worker-b',
    );
    const recoveryMs = done.at - killedAt;
    // The reaper's interval is jittered by up to +20%.
    const boundMs = VISIBILITY_TIMEOUT_MS + REAPER_INTERVAL_MS * 1.2 + EPSILON_MS;
    console.log(
      `recovery after SIGKILL: ${recoveryMs} ms (bound ${VISIBILITY_TIMEOUT_MS} visibility + ${REAPER_INTERVAL_MS} reaper interval (+20% jitter) + ${EPSILON_MS} = ${boundMs} ms)`,
    );
    expect(recoveryMs).toBeLessThanOrEqual(boundMs);

    expect(done).toMatchObject({ pid: b.pid, attempt: 2 });
    // The handler's "done" comes before its acknowledgement reaches Redis (batched): wait for that.
    const task = await stack.until(
      b,
      async () => {
        const read = await getTask(stack.apiUrl, id);
        return read.status === 'done' ? read : undefined;
      },
      'the completion acknowledged',
    );
    expect(task).toMatchObject({ status: 'done', attempt: 2 });
    expect(task.errors).toMatchObject([{ attempt: 1, error: 'lease expired: the worker died or stalled' }]);
    await b.kill();
  });

  it('sends a task that kills its worker every time to dead (lease_expired) after maxAttempts', async () => {
    const { id } = await submitTask(stack.apiUrl, { type: 'crash', payload: null, maxAttempts: 2 });
    // A supervisor's job: start a worker each time the last one died, until the task is dead.
    for (let life = 1; ; life++) {
      const worker = await stack.startWorker(`crashing-worker-${life}`, workerEnv, { mayDieAtOnce: true });
      const outcome = await Promise.race([
        worker.exited.then(() => 'died' as const),
        stack.until(
          undefined,
          async () => (await getTask(stack.apiUrl, id)).status === 'dead' && ('dead' as const),
          'dead',
        ),
      ]);
      if (outcome === 'dead') {
        await worker.kill();
        break;
      }
      expect(life).toBeLessThanOrEqual(2);
    }
    const task = await getTask(stack.apiUrl, id);
    expect(task).toMatchObject({ status: 'dead', attempt: 2, deadReason: 'lease_expired' });
    expect(stack.effects(id).filter((e) => e.what === 'start')).toHaveLength(2);
  });
});
