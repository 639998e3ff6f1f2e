/**
 * The messages between the harness and its worker processes (over the Node IPC channel), and the one
 * clock every process stamps with.
 */
import { performance } from 'node:perf_hooks';

/** Wall-clock ms with sub-ms resolution, comparable across processes of one machine. */
export function clockMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Harness -> worker process. */
export type ToWorker =
  | { type: 'go' } // start consuming (workers the harness controls wait for it)
  | { type: 'flush' } // send the samples recorded so far
  | { type: 'clock'; sentAt: number } // clock-offset probe
  | { type: 'stop' };

/** Worker process -> harness. */
export type FromWorker =
  | { type: 'ready' }
  | {
      type: 'flushed';
      handled: number;
      latenciesMs: number[];
      /** Enqueue -> acknowledged completion, and handler start -> acknowledged completion. */
      ackLatenciesMs: number[];
      ackDelaysMs: number[];
    }
  | { type: 'clock'; sentAt: number; childAt: number }
  | { type: 'error'; message: string };

/** Sends a message to the harness, if this process has an IPC channel (it does when the harness spawned it). */
export function sendToHarness(message: FromWorker): void {
  process.send?.(message);
}
