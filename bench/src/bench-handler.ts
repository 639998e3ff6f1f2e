import { clockMs, sendToHarness, type ToWorker } from './ipc';

/** Longest a flush waits for acknowledgements still on their way. */
const ACK_WAIT_MS = 2000;

/**
 * The benchmark's task handler, the same for every system: it does no work, and when the payload carries
 * an enqueue timestamp `{ t }` (ms, from `clockMs()`) it records the enqueue -> handler-start latency.
 */
export class BenchHandler {
  private handled = 0;
  private latencies: number[] = [];
  private ackLatencies: number[] = [];
  private ackDelays: number[] = [];
  /** Stamped tasks whose handler ran and whose acknowledgement is not answered yet: id -> stamps. */
  private readonly unacked = new Map<string, { t: number; startedAt: number }>();

  /**
   * Call at the start of each handler run with the task's payload, and its id when the worker reports the
   * acknowledgement (onAcked).
   */
  onTask(payload: unknown, id?: string): void {
    const at = clockMs();
    this.handled++;
    const t = (payload as { t?: unknown } | null)?.t;
    if (typeof t !== 'number') return;
    this.latencies.push(at - t);
    if (id !== undefined) this.unacked.set(id, { t, startedAt: at });
  }

  /** Call when the worker has the answer to the task's completion (enqueue -> acknowledged completion). */
  onAcked(id: string): void {
    const stamps = this.unacked.get(id);
    if (stamps === undefined) return;
    this.unacked.delete(id);
    const at = clockMs();
    this.ackLatencies.push(at - stamps.t);
    this.ackDelays.push(at - stamps.startedAt);
  }

  /**
   * Sends the samples once every stamped task's acknowledgement is in, or after ACK_WAIT_MS: the harness
   * flushes as soon as Redis shows every task finished, when the reply to the last complete may still be on its
   * way to the worker (one acknowledgement of 10,000 was missing now and then, and its repetition had no
   * acknowledgement figures).
   */
  private async flushWhenAcked(): Promise<void> {
    const deadline = clockMs() + ACK_WAIT_MS;
    while (this.unacked.size > 0 && clockMs() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 1));
    sendToHarness({
      type: 'flushed',
      handled: this.handled,
      latenciesMs: this.latencies,
      ackLatenciesMs: this.ackLatencies,
      ackDelaysMs: this.ackDelays,
    });
    this.latencies = [];
    this.ackLatencies = [];
    this.ackDelays = [];
  }

  /**
   * Answers the harness's `flush` and `clock` messages. `onOther` gets the rest (go, stop). With
   * `unref`, the IPC channel does not keep the process alive (for processes that must exit on SIGTERM).
   */
  listen(onOther: (message: ToWorker) => void = () => undefined, { unref = false } = {}): void {
    process.on('message', (message: ToWorker) => {
      if (message.type === 'flush') {
        this.flushWhenAcked().catch(console.error);
      } else if (message.type === 'clock') {
        sendToHarness({ type: 'clock', sentAt: message.sentAt, childAt: clockMs() });
      } else onOther(message);
    });
    if (unref) (process.channel as { unref?: () => void } | undefined)?.unref?.();
  }
}
