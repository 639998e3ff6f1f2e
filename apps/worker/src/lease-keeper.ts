import type { AckCode } from '@tq/core';
import type { Logger } from '@tq/ops';
import type { RunningTask } from './running-task';

export interface LeaseKeeperOptions {
  /** Lease length each extend asks for, ms (the visibility timeout). Extends run every third of it. */
  leaseMs: number;
  /** The tasks to keep leased, read at each tick. */
  running: () => Iterable<RunningTask>;
  /** An extend was accepted. */
  onExtended: (entry: RunningTask) => void;
  /** Redis refused an extend (`lease_lost`, `not_found`): the lease is gone. */
  onLost: (entry: RunningTask, code: AckCode) => void;
  /** The extend was accepted and said an operator asked to cancel the task (ADR 0019). */
  onCancel: (entry: RunningTask) => void;
  logger: Logger;
}

/**
 * Extends the leases of running tasks every leaseMs/3, one extend script per partition per tick (the
 * partition each task was claimed from: an unpartitioned queue is one), and reports leases Redis refused
 * and tasks an operator asked to cancel (the extend's answer carries the request). An idle worker's ticks
 * send nothing. It never decides that a lease expired: the worker's lease timer (Deadlines) does, at
 * leaseFrom + leaseMs, even while an extend hangs here.
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
    const { leaseMs, onLost } = this.options;
    const byPartition = new Map<string, RunningTask[]>();
    // On the lease timer's clock: an accepted extend moves the lease to (at least) now + leaseMs.
    const now = performance.now();
    for (const entry of this.options.running()) {
      const list = byPartition.get(entry.partition.tag) ?? [];
      list.push(entry);
      byPartition.set(entry.partition.tag, list);
    }
    await Promise.all(
      [...byPartition.values()].map(async (entries) => {
        const { partition } = entries[0]!;
        try {
          const codes = await partition.extend(
            entries.map((e) => e.task),
            leaseMs,
          );
          entries.forEach((entry, i) => {
            if (entry.abandoned) return;
            const code = codes[i] ?? 'not_found';
            if (code === 'ok' || code === 'cancel_requested') {
              entry.leaseFrom = now;
              this.options.onExtended(entry);
              if (code === 'cancel_requested') this.options.onCancel(entry);
            } else onLost(entry, code);
          });
        } catch (error) {
          this.options.logger.warn(
            { err: error, queue: partition.name, partition: partition.partition, tasks: entries.length },
            'extending leases failed; retrying next tick',
          );
        }
      }),
    );
  }
}
