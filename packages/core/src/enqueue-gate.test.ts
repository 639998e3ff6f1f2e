import { randomQueueName } from '@tq/testing';
import { EnqueueGate, type GateCall } from './enqueue-gate';
import { QUEUES_KEY } from './keys';
import { PartitionedQueue } from './partitions';
import { Queue } from './queue';
import type { RedisClient } from './scripts';
import { connect, freshQueue, newTask } from './test-support/fixtures';

let redis: RedisClient;
beforeAll(() => {
  redis = connect();
});
afterAll(() => redis.quit());

/** The payloads of every pending task of `queue`, in the order workers get them. */
async function claimOrder(queue: Queue): Promise<number[]> {
  const { tasks } = await queue.claim(10_000, 30_000);
  return tasks.map((t) => Number(t.payload));
}

/** `count` enqueue calls of `size` tasks each, numbered in call order; call i is made after `pause(i)`. */
async function enqueueInTurns(
  enqueue: (tasks: ReturnType<typeof newTask>[]) => Promise<unknown>,
  queue: Queue,
  count: number,
  size: number,
  pause: (i: number) => Promise<unknown> | undefined,
): Promise<void> {
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const waited = pause(i);
    if (waited) await waited;
    const tasks = Array.from({ length: size }, (_, j) => newTask(queue, { payload: String(i * size + j) }));
    calls.push(enqueue(tasks));
  }
  await Promise.all(calls);
}

describe('EnqueueGate (no I/O)', () => {
  /** Calls through one gate; each records when it was sent and settles when the test says. */
  function harness() {
    const gate = new EnqueueGate();
    const sent: number[] = [];
    const calls: { settle: (ok: boolean) => void; gate: GateCall }[] = [];
    const run = (n: number): void =>
      void gate
        .run(
          (g) =>
            new Promise<void>((resolve, reject) => {
              sent.push(n);
              calls[n] = { settle: (ok) => (ok ? resolve() : reject(new Error('lost'))), gate: g };
            }),
        )
        .catch(() => undefined);
    return { run, sent, calls };
  }
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  it('sends one call at a time until one is stored, then every call at once, always in the order made', async () => {
    const { run, sent, calls } = harness();
    [0, 1, 2].forEach(run);
    expect(sent).toEqual([0]);
    calls[0]!.settle(true);
    run(3); // made before the held calls' turn: still after them
    await turn();
    expect(sent).toEqual([0, 1, 2, 3]);
    run(4);
    expect(sent).toEqual([0, 1, 2, 3, 4]);
  });

  it("holds new calls while any call answered 'unregistered' is out, and after a failure sends the next alone", async () => {
    const { run, sent, calls } = harness();
    run(0);
    calls[0]!.settle(true);
    await turn();
    [1, 2].forEach(run);
    calls[1]!.gate.unregistered();
    calls[2]!.gate.unregistered();
    run(3);
    expect(sent).toEqual([0, 1, 2]);
    calls[1]!.settle(true);
    await turn();
    expect(sent).toEqual([0, 1, 2]); // call 2 is still registering
    calls[2]!.settle(true);
    await turn();
    expect(sent).toEqual([0, 1, 2, 3]);
    calls[3]!.settle(false);
    await turn();
    [4, 5].forEach(run);
    expect(sent).toEqual([0, 1, 2, 3, 4]);
    calls[4]!.settle(true);
    await turn();
    expect(sent).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('the enqueue gate (calls pipelined once the queue is known registered)', () => {
  it('stores the calls to a new queue in the order they were made, however they interleave with its registration', async () => {
    const { queue } = freshQueue(redis);
    // Calls made in one turn, after one round trip, and after a few: some while the first call's
    // 'unregistered' answer, its registration and its second send are on their way.
    await enqueueInTurns(
      (t) => queue.enqueue(t),
      queue,
      40,
      3,
      (i) => (i % 3 === 1 ? redis.ping() : i % 5 === 2 ? new Promise((r) => setImmediate(r)) : undefined),
    );
    expect(await claimOrder(queue)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    expect(await redis.sismember(QUEUES_KEY, queue.name)).toBe(1);
  });

  it('stores the calls to each partition of a new partitioned queue in the order they were made', async () => {
    const name = randomQueueName('core');
    await PartitionedQueue.create(redis, name, 3);
    // Two objects for the queue, as two opens of the layout would give: they share each partition's gate.
    const [one, two] = [await PartitionedQueue.open(redis, name), await PartitionedQueue.open(redis, name)];
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      if (i % 4 === 1) await redis.ping();
      const tasks = [0, 1, 2, 3].map((j) => newTask(one.partitions[0]!, { payload: String(i * 4 + j) }));
      calls.push((i % 2 === 0 ? one : two).enqueue(tasks));
    }
    await Promise.all(calls);
    // Tasks without a key go round robin: each partition got some of every call, in call order.
    const orders = await Promise.all(one.partitions.map(claimOrder));
    for (const order of orders) expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(orders.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i));
  });

  it('resends in order the calls that were out when the queue was removed, and stores later calls after them', async () => {
    const { queue } = freshQueue(redis);
    await queue.enqueue([newTask(queue, { payload: '-1' })]); // the gate is open: its reply showed the marker
    const [lease] = (await queue.claim(1, 30_000)).tasks;
    await queue.complete([lease!]);
    await queue.trim({ finishedMaxAgeMs: 0, finishedMaxCount: 0, deadMaxAgeMs: 0, deadMaxCount: 0 });
    // The removal goes first on the connection; the calls behind it are each answered 'unregistered'.
    expect(await queue.removable('delete')).toMatchObject({ code: 'removed' });
    const removal = queue.removeUnlisted('delete');
    await enqueueInTurns(
      (t) => queue.enqueue(t),
      queue,
      20,
      2,
      (i) => (i === 10 ? redis.ping() : undefined),
    );
    expect(await removal).toMatchObject({ code: 'removed' });
    expect(await claimOrder(queue)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(await redis.sismember(QUEUES_KEY, queue.name)).toBe(1);
  });
});
