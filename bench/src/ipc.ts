/**
 * The messages between the harness and its worker processes (over the Node IPC channel), and the one
 * clock every process stamps with.
 */
import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/**
 * Where this process's `performance.now()` starts on the machine's monotonic clock (`process.hrtime`,
 * CLOCK_MONOTONIC, one clock for every process). `performance.timeOrigin` is not: it is the wall clock read
 * when the process started, so two processes started either side of a wall-clock step disagree by the step
 * (45 ms once, in a CI run's latency figures).
 */
export const CLOCK_ORIGIN_MS = Number(process.hrtime.bigint()) / 1e6 - performance.now();

/** Ms on the machine's monotonic clock, sub-ms resolution, comparable across processes of one machine. */
export function clockMs(): number {
  return CLOCK_ORIGIN_MS + performance.now();
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

/** The next message of `type` from a forked process. */
export function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise<T>((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
  });
}

/** A command as ioredis queues it: its name, arguments and the promise of its reply. */
export type SentCommand = { name: string; args: unknown[]; promise: Promise<unknown> };

/** Calls `onSend` for each command the ioredis connection `redis` writes (before it is written). */
export function watchCommands(redis: unknown, onSend: (command: SentCommand) => void): void {
  const target = redis as { sendCommand: (command: SentCommand, ...rest: unknown[]) => unknown };
  const send = target.sendCommand.bind(redis);
  target.sendCommand = (command, ...rest) => {
    onSend(command);
    return send(command, ...rest);
  };
}

/**
 * tq's worker has no completion event, so the bench watches its connection: when the reply to a script call
 * that acknowledges tasks arrives (complete, complete_and_claim: functions named tq_complete_<digest>,
 * tq_complete_and_claim_<digest>, ADR 0047), the task ids among its arguments are acknowledged (the scripts
 * take an id without its `<queue>.` prefix). The point measured is the one BullMQ's `completed` and
 * bee-queue's `succeeded` events mark: the worker has the answer of the completion script.
 */
export function watchAcks(redis: unknown, queue: string, onAcked: (id: string) => void): void {
  watchCommands(redis, (command) => {
    if (command.name !== 'fcall' || !String(command.args[0]).startsWith('tq_complete_')) return;
    const args = command.args.filter((a): a is string => typeof a === 'string');
    command.promise.then(
      () => args.forEach((a) => onAcked(`${queue}.${a}`)),
      () => undefined,
    );
  });
}
