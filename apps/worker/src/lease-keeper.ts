import type { AckCode, Queue } from '@tq/core';
import type { Logger } from '@tq/ops';
import type { RunningTask } from './running-task';

export interface LeaseKeeperOptions {
  /** Lease length each extend asks for, ms (the visibility timeout). Extends run every third of it. */
  leaseMs: number;
  queues: Map<string, Queue>;
  /** The tasks to keep leased, read at each tick. */
  running: () => Iterable<RunningTask>;
  /** An extend was accepted. */
  onExtended: (entry: RunningTask) => void;
  /** The lease is gone: refused by Redis (`lease_lost`, `not_found`) or past its deadline on this clock. */
  onLost: (entry: RunningTask, code: AckCode | 'expired') => void;
  logger: Logger;
}

/**
 * Extends the leases of running tasks every leaseMs/3, one extend script per queue per tick, and reports
 * leases that are lost. An idle worker's ticks send nothing.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> | undefined;

  constructor(private readonly options: LeaseKeeperOptions) {}

  start(): void {
    const every = Math.max(1, Math.floor(this.options.leaseMs / 3));
    this.timer = setInterval(() => {
      // A slow Redis must not pile up overlapping extends of the same tasks.
      if (!this.tick) this.tick = this.extendAll().finally(() => (this.tick = undefined));
    }, every);
  }

  /** Stops ticking and waits for an extend in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.tick;
  }

  private async extendAll(): Promise<void> {
    const { leaseMs, queues, onLost } = this.options;
    const byQueue = new Map<string, RunningTask[]>();
    const now = Date.now();
    for (const entry of this.options.running()) {
      // Redis may not have been told for a whole lease (it was unreachable): the reaper may already have
      // given the task to someone else, so stop working on it rather than race the new owner.
      if (now - entry.leaseFrom > leaseMs) {
        onLost(entry, 'expired');
        continue;
      }
      const list = byQueue.get(entry.task.queue) ?? [];
      list.push(entry);
      byQueue.set(entry.task.queue, list);
    }
    await Promise.all(
      [...byQueue].map(async ([name, entries]) => {
        try {
          const codes = await queues.get(name)!.extend(
            entries.map((e) => e.task),
            leaseMs,
          );
          entries.forEach((entry, i) => {
            if (entry.abandoned) return;
            if (codes[i] === 'ok') {
              entry.leaseFrom = now;
              this.options.onExtended(entry);
            } else onLost(entry, codes[i] ?? 'not_found');
          });
        } catch (error) {
          this.options.logger.warn(
            { err: error, queue: name, tasks: entries.length },
            'extending leases failed; retrying next tick',
          );
        }
      }),
    );
  }
}
