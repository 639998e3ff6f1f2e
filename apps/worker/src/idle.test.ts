import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PartitionedQueue, Queue, createRedis, isCluster, type RedisClient } from '@tq/core';
import { startRedisServer, waitFor, type RedisServer } from '@tq/testing';
import { closeHarnesses, deferred, metricValue, startHarness } from './test-support/harness';

afterEach(closeHarnesses);

/** The part of an ioredis client in MONITOR mode used here. */
interface Monitor {
  on(event: 'monitor', listener: (time: string, args: string[], source: string) => void): void;
  disconnect(): void;
}

describe('idle worker', () => {
  it('starts a task enqueued while it waits within milliseconds (wake message, not polling)', async () => {
    let started: (() => void) | undefined;
    const h = await startHarness({
      idlePollMs: 60_000, // only a wake message can explain a fast start
      handlers: { ping: () => Promise.resolve(started?.()) },
    });
    const latencies: number[] = [];
    for (let round = 0; round < 10; round++) {
      await waitFor(() => h.worker.status().waiting);
      const begin = performance.now();
      const run = new Promise<void>((resolve) => (started = resolve));
      await h.enqueue('ping', round);
      await run;
      latencies.push(performance.now() - begin);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `wake latency, enqueue -> handler start, 10 rounds: median ${latencies[5]!.toFixed(1)} ms, max ${latencies[9]!.toFixed(1)} ms`,
    );
    // Polling would take up to idlePollMs (60 s); a wake message takes milliseconds (bench/ measures
    // how many). 10 s tells the two apart with room for a loaded machine.
    expect(latencies[9]).toBeLessThan(10_000);
  });

  // Before a due time reached idle workers, a delayed task waited for the idle poll (60 s here). The
  // bound leaves room for a machine whose cores are all busy; the measured lateness is a few ms.
  const LATE_MS_MAX = 500;

  it('starts a delayed task within milliseconds of its due time, with no reaper (delayMs 100)', async () => {
    const h = await startHarness({ idlePollMs: 60_000, handlers: { ping: () => Promise.resolve('pong') } });
    const late: number[] = [];
    for (let round = 0; round < 5; round++) {
      await waitFor(() => h.worker.status().waiting);
      const id = await h.enqueue('ping', round, { delayMs: 100 });
      const task = await waitFor(async () => {
        const t = await h.task(id);
        return t.status === 'done' && t;
      });
      late.push(task.startedAt! - task.runAt!); // both Redis time
    }
    console.log(`delayMs 100 on an idle worker: started ${late.join(', ')} ms after due`);
    for (const ms of late) expect(ms).toBeGreaterThanOrEqual(0);
    expect(Math.max(...late)).toBeLessThan(LATE_MS_MAX);
  });

  it('starts a retry scheduled by another worker within milliseconds of its due time', async () => {
    const h = await startHarness({
      idlePollMs: 60_000,
      start: false,
      handlers: { ping: () => Promise.resolve('pong') },
    });
    const id = await h.enqueue('ping', null);
    // "Another worker" runs attempt 1 and fails it while this one idles.
    const other = await PartitionedQueue.open(h.redis, h.queue.name);
    const [attempt1] = (await other.claim(1, 30_000)).tasks;
    await h.worker.start();
    await waitFor(() => h.worker.status().waiting);
    expect(await other.fail([{ id, token: attempt1!.token, error: 'boom', retryDelayMs: 150 }])).toEqual([
      'retry',
    ]);
    const task = await waitFor(async () => {
      const t = await h.task(id);
      return t.status === 'done' && t;
    });
    const late = task.startedAt! - task.runAt!;
    console.log(`retry due in 150 ms, failed by another worker: attempt 2 started ${late} ms after due`);
    expect(task.attempt).toBe(2);
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(LATE_MS_MAX);
  });

  it.each([
    ['waits for wake messages', false],
    ['parks its claims (ADR 0061)', true],
  ])(
    'claims once per wake-up when it %s: a slot freed after a short claim is no reason to claim again',
    async (_how, parkClaims) => {
      // One queue without partitions: a wake-up's claim is one script there (a partitioned queue's idle
      // claim tries each partition, ADR 0040).
      const h = await startHarness({
        partitions: 0,
        idlePollMs: 60_000,
        parkClaims,
        handlers: { ping: () => Promise.resolve('pong') },
      });
      // A worker on a Cluster does not park (ADR 0061): it claims on the wake messages.
      const parks = parkClaims && !isCluster(h.redis);
      await waitFor(() => h.worker.status().waiting);
      const claims = jest.spyOn(Queue.prototype, 'claim');
      const parked = jest.spyOn(Queue.prototype, 'parkedClaim');
      const unparks = jest.spyOn(Queue.prototype, 'unpark');
      try {
        for (let round = 0; round < 3; round++) {
          const id = await h.enqueue('ping', round);
          await waitFor(async () => (await h.task(id)).status === 'done' && h.worker.status().waiting);
          // Parked: each task is taken by the claim parked before it, and the worker parks the next one.
          if (parks) await waitFor(() => parked.mock.calls.length > round);
        }
        // The wake message of a wake its parked claim took is not news: nothing unparks it. The message is
        // judged after a grace (ADR 0061), so a worker starved past it (CI's own parallel load) may take its own
        // wake for news once: one unpark and its park more, never one per wake-up.
        if (parks) {
          expect(claims.mock.calls.length).toBe(0);
          expect(unparks.mock.calls.length).toBeLessThanOrEqual(1);
          expect(parked.mock.calls.length).toBe(3 + unparks.mock.calls.length);
        } else {
          expect([claims.mock.calls.length, parked.mock.calls.length, unparks.mock.calls.length]).toEqual([
            3, 0, 0,
          ]);
        }
      } finally {
        claims.mockRestore();
        parked.mockRestore();
        unparks.mockRestore();
      }
    },
  );

  it('keeps the lease of a task that a claim parked for longer than the lease took (ADR 0061)', async () => {
    const VISIBILITY_MS = 3000; // lease tests' 3 s: a loaded machine's stall does not expire it
    const gate = deferred();
    const h = await startHarness({
      partitions: 0,
      idlePollMs: 60_000,
      visibilityTimeoutMs: VISIBILITY_MS,
      handlers: { hold: (ctx) => gate.promise.then(() => (ctx.signal.aborted ? 'aborted' : 'kept')) },
    });
    await waitFor(() => h.worker.status().waiting);
    await sleep(VISIBILITY_MS + 500); // the parked claim's age, not a race: older than a lease
    const id = await h.enqueue('hold', null);
    await waitFor(async () => (await h.task(id)).status === 'running');
    // The keeper extended the lease once (a third of it after the start): a lease watched from the park's
    // send time would have aborted the handler at its start.
    await waitFor(async () => (await metricValue(h.worker.registry, 'tq_lease_extensions_total')) >= 1, {
      timeoutMs: 3 * VISIBILITY_MS,
      message: 'a lease extension',
    });
    gate.resolve();
    await waitFor(async () => (await h.task(id)).status === 'done');
    expect(await h.task(id)).toMatchObject({ attempt: 1, result: '"kept"' });
  });

  describe('on a private redis-server', () => {
    let server: RedisServer;
    let observer: RedisClient;
    beforeAll(async () => {
      server = await startRedisServer();
      observer = createRedis(server.url);
    });
    afterAll(async () => {
      await observer.quit();
      await server.stop();
    });

    it('sends at most about one Redis command per second while idle', async () => {
      const h = await startHarness({
        redisUrl: server.url,
        handlers: { ping: () => Promise.resolve('pong') },
      });
      // One task first, so the measured idle period follows real work (leases, acks, wake-ups).
      const id = await h.enqueue('ping', null);
      await waitFor(async () => (await h.task(id)).status === 'done');
      await waitFor(() => h.worker.status().waiting);

      // MONITOR shows every command a client sends; commands run inside scripts show as "lua" and
      // are not round trips, so they are left out, as is the observer itself.
      const monitor = await (observer as unknown as { monitor(): Promise<Monitor> }).monitor();
      const seen: string[] = [];
      monitor.on('monitor', (_time, args, source) => {
        if (source !== 'lua') seen.push(`${source} ${args[0]}`);
      });
      const windowMs = 5500; // longer than the default idle poll (5000 ms), so the window holds one
      await sleep(windowMs); // a measurement window, not a wait for a condition
      monitor.disconnect();

      const perSecond = seen.length / (windowMs / 1000);
      console.log(
        `idle worker: ${seen.length} Redis commands in ${windowMs} ms (${perSecond.toFixed(2)}/s): ${seen.join(', ') || 'none'}`,
      );
      expect(perSecond).toBeLessThanOrEqual(1);
    });
  });

  it('claims a task pushed while its claim is out at once, not after that claim comes back', async () => {
    const started: string[] = [];
    const h = await startHarness({
      idlePollMs: 60_000, // only a wake message can explain a start
      concurrency: 10,
      start: false,
      parkClaims: false, // the wake messages' claims (a parked claim is answered with its pop: ADR 0061)
      // One queue's own claims: on a partitioned queue the held claim could be on a partition a is not in.
      partitions: 0,
      handlers: { ping: (ctx) => Promise.resolve(started.push(String(ctx.payload))) },
    });
    // Holds back the answer of the worker's next claim: Redis has run it, the worker does not know yet.
    const held: (() => void)[] = [];
    let hold = false;
    const client = h.redis as unknown as Sender;
    const send = client.sendCommand.bind(client);
    client.sendCommand = (command, ...rest) => {
      if (hold && command.name === 'fcall' && String(command.args[0]).startsWith('tq_claim_')) {
        hold = false;
        const answer = command.resolve;
        command.resolve = (reply) => held.push(() => answer(reply));
      }
      return send(command, ...rest);
    };
    await h.worker.start();
    await waitFor(() => h.worker.status().waiting);
    hold = true;
    const a = await h.enqueue('ping', 'a');
    await waitFor(() => held.length === 1, { message: 'the claim of task a answered (and held)' });
    expect((await h.task(a)).status).toBe('running');
    try {
      // b is pushed after that claim ran: only a claim sent on b's wake message finds it while a's is out.
      await h.enqueue('ping', 'b');
      // Well within ioredis's command timeout (5 s), which would fail the held claim.
      await waitFor(() => started.includes('b'), { timeoutMs: 3000, message: 'task b started' });
      expect(started).toEqual(['b']);
    } finally {
      held.forEach((answer) => answer());
    }
    await waitFor(() => started.length === 2);
    expect(started).toEqual(['b', 'a']);
  });
});

/** The part of an ioredis client and command that the claim-holding test wraps. */
interface HeldCommand {
  name: string;
  args: unknown[];
  resolve: (reply: unknown) => void;
}
interface Sender {
  sendCommand: (command: HeldCommand, ...rest: unknown[]) => unknown;
}
