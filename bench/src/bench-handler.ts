import { clockMs, sendToHarness, type ToWorker } from './ipc';

/**
 * The benchmark's task handler, the same for every system: it does no work, and when the payload carries
 * an enqueue timestamp `{ t }` (ms, from `clockMs()`) it records the enqueue -> handler-start latency.
 */
export class BenchHandler {
  private handled = 0;
  private latencies: number[] = [];

  /** Call at the start of each handler run with the task's payload. */
  onTask(payload: unknown): void {
    const at = clockMs();
    this.handled++;
    const t = (payload as { t?: unknown } | null)?.t;
    if (typeof t === 'number') this.latencies.push(at - t);
  }

  /**
   * Answers the harness's `flush` and `clock` messages. `onOther` gets the rest (go, stop). With
   * `unref`, the IPC channel does not keep the process alive (for processes that must exit on SIGTERM).
   */
  listen(onOther: (message: ToWorker) => void = () => undefined, { unref = false } = {}): void {
    process.on('message', (message: ToWorker) => {
      if (message.type === 'flush') {
        sendToHarness({ type: 'flushed', handled: this.handled, latenciesMs: this.latencies });
        this.latencies = [];
      } else if (message.type === 'clock') {
        sendToHarness({ type: 'clock', sentAt: message.sentAt, childAt: clockMs() });
      } else onOther(message);
    });
    if (unref) (process.channel as { unref?: () => void } | undefined)?.unref?.();
  }
}
