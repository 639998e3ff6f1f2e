import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { clockMs, type FromWorker, type ToWorker } from './ipc';
import type { TqWorkerDriver } from './tq-app';

/** Which queue implementation a worker process runs. */
export type WorkerSystem = 'tq' | 'bullmq' | 'bee';

export interface WorkerSpawnOptions {
  system: WorkerSystem;
  tqDriver: TqWorkerDriver;
  queue: string;
  concurrency: number;
  redisUrl: string;
  /** tq's claim batch (CLAIM_BATCH). */
  tqClaimBatch: number;
  /** Extra node flags, e.g. --cpu-prof. */
  execArgv?: string[];
  /** BullMQ only: keep completed jobs (BullMQ's default) instead of removing them. */
  bullmqKeepCompleted?: boolean;
}

const STOP_TIMEOUT_MS = 15_000;
const READY_TIMEOUT_MS = 20_000;

/** A worker in its own process (so its CPU is separate from the harness's and from Redis's). */
export class WorkerProcess {
  private output = '';
  private readonly waiters = new Map<FromWorker['type'], (m: FromWorker) => void>();
  private readonly exited: Promise<unknown>;

  private constructor(
    private readonly child: ChildProcess,
    /** Whether the process says `ready` itself (the harness's own worker-child does; apps/worker does not). */
    readonly saysReady: boolean,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('message', (m: FromWorker) => {
      if (m.type === 'error') this.output += `\n[worker error] ${m.message}`;
      const waiter = this.waiters.get(m.type);
      if (waiter) {
        this.waiters.delete(m.type);
        waiter(m);
      }
    });
    this.exited = once(child, 'exit');
  }

  /** Spawns the worker; resolves when it is connected (for apps/worker: when its process is up). */
  static async spawn(o: WorkerSpawnOptions): Promise<WorkerProcess> {
    let wp: WorkerProcess;
    if (o.system === 'tq' && o.tqDriver.kind === 'main') {
      const child = spawn(process.execPath, [...(o.execArgv ?? []), o.tqDriver.path], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: {
          ...process.env,
          REDIS_URL: o.redisUrl,
          QUEUES: o.queue,
          WORKER_CONCURRENCY: String(o.concurrency),
          CLAIM_BATCH: String(o.tqClaimBatch),
          METRICS_PORT: '0',
          HANDLER_MODULES: join(__dirname, 'tq-handlers.js'),
          SHUTDOWN_TIMEOUT_MS: '1000',
          LOG_LEVEL: process.env.BENCH_TQ_LOG_LEVEL ?? 'warn',
        },
      });
      wp = new WorkerProcess(child, false);
    } else {
      const system = o.system === 'tq' ? `tq-${o.tqDriver.kind}` : o.system;
      const child = fork(join(__dirname, 'worker-child.js'), [], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        execArgv: o.execArgv ?? [],
        env: {
          ...process.env,
          BENCH_SYSTEM: system,
          BENCH_QUEUE: o.queue,
          BENCH_CONCURRENCY: String(o.concurrency),
          BENCH_TQ_CLAIM_BATCH: String(o.tqClaimBatch),
          BENCH_BULLMQ_KEEP_COMPLETED: o.bullmqKeepCompleted ? '1' : '',
          REDIS_URL: o.redisUrl,
        },
      });
      wp = new WorkerProcess(child, true);
      await wp.expect('ready', READY_TIMEOUT_MS);
    }
    return wp;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Tells a harness-controlled worker to start consuming (a no-op for tq, which the harness resumes instead). */
  go(): void {
    if (this.saysReady) this.send({ type: 'go' });
  }

  /**
   * The handler count and latencies recorded since the last flush: enqueue -> handler start, and enqueue ->
   * acknowledged completion and handler start -> acknowledged completion (only from processes that report
   * acknowledgements: not apps/worker main.js).
   */
  async flush(): Promise<{
    handled: number;
    latenciesMs: number[];
    ackLatenciesMs: number[];
    ackDelaysMs: number[];
  }> {
    this.send({ type: 'flush' });
    const m = await this.expect('flushed', 10_000);
    return m.type === 'flushed' ? m : { handled: 0, latenciesMs: [], ackLatenciesMs: [], ackDelaysMs: [] };
  }

  /**
   * The child's clock minus ours, ms, from one round trip (the midpoint estimate). Latencies are differences
   * of stamps taken in two processes, so this is the error bar on them.
   */
  async clockOffsetMs(): Promise<number> {
    let best = { rtt: Infinity, offset: NaN };
    for (let i = 0; i < 5; i++) {
      const sentAt = clockMs();
      this.send({ type: 'clock', sentAt });
      const m = await this.expect('clock', 5000);
      const back = clockMs();
      if (m.type === 'clock' && back - sentAt < best.rtt)
        best = { rtt: back - sentAt, offset: m.childAt - (sentAt + back) / 2 };
    }
    return best.offset;
  }

  /** Graceful stop (stop message, or SIGTERM for apps/worker), SIGKILL past the deadline. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.saysReady) this.send({ type: 'stop' });
    else this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** The last few KB the process wrote, for error messages. */
  get recentOutput(): string {
    return this.output;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private send(message: ToWorker): void {
    this.child.send(message);
  }

  private expect(type: FromWorker['type'], timeoutMs: number): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(type);
        reject(new Error(`worker did not answer "${type}" within ${timeoutMs} ms; output:\n${this.output}`));
      }, timeoutMs);
      const onExit = () => {
        clearTimeout(timer);
        reject(
          new Error(
            `worker exited (${this.child.exitCode ?? this.child.signalCode}) before "${type}"; output:\n${this.output}`,
          ),
        );
      };
      this.exited.then(onExit, onExit);
      this.waiters.set(type, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }
}
