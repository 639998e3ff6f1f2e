import type { ClaimedTask, Queue, RedisClient } from '@tq/core';

/** Most tasks asked for by one claim. */
const CLAIM_MAX = 100;
/** Idle wait without a wake message, ms. */
const IDLE_POLL_MS = 1000;
const LEASE_MS = 30_000;

/**
 * A minimal claim/complete loop straight on @tq/core's Queue, used only while apps/worker is not built:
 * claims into free slots, runs the handler, completes in batches (one script per event-loop turn), and
 * sleeps on the queue's wake channel when it is empty. No lease extension, retries or shutdown grace.
 */
export class CoreLoopWorker {
  private running = 0;
  private stopped = false;
  private generation = 0;
  private wake: (() => void) | undefined;
  private acks: ClaimedTask[] = [];
  private loop: Promise<void> | undefined;

  constructor(
    private readonly queue: Queue,
    private readonly subscriber: RedisClient,
    private readonly concurrency: number,
    private readonly handle: (payload: unknown) => Promise<void>,
  ) {
    subscriber.on('message', () => this.notify());
  }

  async start(): Promise<void> {
    await this.subscriber.subscribe(this.queue.keys.wakeChannel);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.notify();
    await this.loop;
    this.subscriber.disconnect();
  }

  /** A claim or completion failed: the run is no longer valid, so say so and stop claiming. */
  private fail(error: unknown): void {
    process.stderr.write(`core loop worker failed: ${String(error)}\n`);
    this.stopped = true;
    this.notify();
  }

  private notify(): void {
    this.generation++;
    this.wake?.();
  }

  private wait(since: number, ms: number): Promise<void> {
    if (since !== this.generation || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const since = this.generation;
      const free = this.concurrency - this.running;
      if (free <= 0) {
        await this.wait(since, IDLE_POLL_MS);
        continue;
      }
      const { tasks } = await this.queue.claim(Math.min(free, CLAIM_MAX), LEASE_MS);
      for (const task of tasks) this.execute(task).catch((error: unknown) => this.fail(error));
      if (tasks.length < free) await this.wait(since, IDLE_POLL_MS);
    }
  }

  private async execute(task: ClaimedTask): Promise<void> {
    this.running++;
    await this.handle(JSON.parse(task.payload));
    this.running--;
    if (this.acks.push(task) === 1)
      setImmediate(() => {
        this.flush().catch((error: unknown) => this.fail(error));
      });
    this.notify();
  }

  private async flush(): Promise<void> {
    const batch = this.acks;
    this.acks = [];
    await this.queue.complete(batch.map((t) => ({ id: t.id, token: t.token })));
  }
}
