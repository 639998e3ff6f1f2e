import type { EnqueueOutcome, NewTask } from '@tq/core';

interface Waiting {
  task: NewTask;
  resolve: (outcome: EnqueueOutcome) => void;
  reject: (error: unknown) => void;
}

interface Group {
  key: string;
  queue: string;
  maxDepth: number;
  maxQueues: number;
  waiting: Waiting[];
}

/**
 * Most tasks a coalesced call carries: a group that reaches it goes out at once, so with many submissions in
 * flight several calls are out and Redis stores one while this process prepares the next (ADR 0053).
 */
export const COALESCE_MAX = 50;

/**
 * Coalesces single enqueues: the tasks submitted one at a time during one turn of the event loop go out on
 * the next (setImmediate) as one enqueue script call per queue, and each caller gets its own task's outcome.
 * The script handles every task on its own (created, existing, conflict, full: lua/enqueue.lua), in the
 * order they were submitted, so a caller sees what a call of its own would have answered. `send` settles
 * each task on its own: on a partitioned queue the call is one script per partition, and the error of one
 * partition's call (its master failing over, a missing replica) is only its tasks' callers'; an error of
 * the whole call (opening the queue) is every caller's, as it would have been. With 100 submissions in
 * flight this turns 100 script calls, socket writes and replies into a few: a group goes out as soon as it
 * holds {@link COALESCE_MAX} tasks, the rest at the end of the turn (core keeps a queue's calls in the order
 * they were made). A submission made while none of this coalescer's calls is out goes at the end of the
 * current run of callbacks instead (a microtask, with the others made in that run): a lone submit to an
 * idle producer waits for no turn (issue 18 target 3), while under load, where a call is always out, the
 * groups form as before.
 */
export class EnqueueCoalescer {
  private groups = new Map<string, Group>();
  /** The group the latest task joined: the next one usually joins it too, found without a key. */
  private last: Group | undefined;
  private scheduled = false;
  /** Calls sent and not answered yet. */
  private out = 0;

  constructor(
    private readonly send: (
      queue: string,
      tasks: NewTask[],
      maxDepth: number,
      maxQueues: number,
    ) => Promise<PromiseSettledResult<EnqueueOutcome>[]>,
  ) {}

  add(queue: string, task: NewTask, maxDepth: number, maxQueues: number): Promise<EnqueueOutcome> {
    return new Promise<EnqueueOutcome>((resolve, reject) => {
      let group = this.last;
      if (!group || group.queue !== queue || group.maxDepth !== maxDepth || group.maxQueues !== maxQueues) {
        const key = `${maxDepth} ${maxQueues} ${queue}`;
        group = this.groups.get(key);
        if (!group) {
          group = { key, queue, maxDepth, maxQueues, waiting: [] };
          this.groups.set(key, group);
        }
        this.last = group;
      }
      group.waiting.push({ task, resolve, reject });
      if (group.waiting.length >= COALESCE_MAX) {
        this.groups.delete(group.key);
        this.last = undefined;
        this.sendGroup(group);
      } else if (!this.scheduled) {
        this.scheduled = true;
        if (this.out === 0) queueMicrotask(() => this.flush());
        else setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const groups = this.groups;
    this.groups = new Map();
    this.last = undefined;
    for (const group of groups.values()) this.sendGroup(group);
  }

  private sendGroup({ queue, maxDepth, maxQueues, waiting }: Group): void {
    this.out++;
    // A synchronous throw becomes the rejection of every caller, like an error of the call.
    const sent = new Promise<PromiseSettledResult<EnqueueOutcome>[]>((resolve) =>
      resolve(
        this.send(
          queue,
          waiting.map((w) => w.task),
          maxDepth,
          maxQueues,
        ),
      ),
    );
    sent.then(
      (settled) => {
        this.out--;
        waiting.forEach((w, i) => {
          const result = settled[i]!;
          if (result.status === 'fulfilled') w.resolve(result.value);
          else w.reject(result.reason);
        });
      },
      (error: unknown) => {
        this.out--;
        waiting.forEach((w) => w.reject(error));
      },
    );
  }
}
