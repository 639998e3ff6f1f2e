/** The `queue` label value shared by every queue past the bound. Not a valid queue name, so never a real one. */
export const OTHER_QUEUES = '~other';

/**
 * Bounds the `queue` label values a process exports, so a flood of queue names cannot flood the metrics:
 * the first `max` queues it meets get their own series, later ones share `queue="~other"`. `forget`
 * frees a queue's place when the queue is gone (removed from the registry).
 */
export class QueueLabels {
  private readonly labelled = new Set<string>();

  constructor(
    /** Most queues with their own series. */
    readonly max: number,
  ) {}

  /** The label value for `queue`: its name while there is room, else `~other`. */
  label(queue: string): string {
    if (this.labelled.has(queue)) return queue;
    if (this.labelled.size >= this.max) return OTHER_QUEUES;
    this.labelled.add(queue);
    return queue;
  }

  /** Whether `queue` has a series of its own. */
  has(queue: string): boolean {
    return this.labelled.has(queue);
  }

  /** Frees the place of a queue that is gone. */
  forget(queue: string): void {
    this.labelled.delete(queue);
  }
}
