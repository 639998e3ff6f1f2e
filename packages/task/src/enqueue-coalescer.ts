import type { EnqueueOutcome, NewTask } from '@tq/core';

interface Waiting {
  task: NewTask;
  resolve: (outcome: EnqueueOutcome) => void;
  reject: (error: unknown) => void;
}

interface Group {
  queue: string;
  maxDepth: number;
  maxQueues: number;
  waiting: Waiting[];
}

/**
 * Coalesces single enqueues: the tasks submitted one at a time during one turn of the event loop go out on
 * the next (setImmediate) as one enqueue script call per queue, and each caller gets its own task's outcome.
 * The script handles every task on its own (created, existing, conflict, full: lua/enqueue.lua), in the
 * order they were submitted, so a caller sees what a call of its own would have answered; an error of the
 * call (Redis unreachable, the queue limit) is every caller's, as it would have been. With 100 submissions
 * in flight this turns 100 script calls, socket writes and replies into one; alone, a submission waits for
 * nothing but the end of the turn.
 */
export class EnqueueCoalescer {
  private groups = new Map<string, Group>();
  private scheduled = false;

  constructor(
    private readonly send: (
      queue: string,
      tasks: NewTask[],
      maxDepth: number,
      maxQueues: number,
    ) => Promise<EnqueueOutcome[]>,
  ) {}

  add(queue: string, task: NewTask, maxDepth: number, maxQueues: number): Promise<EnqueueOutcome> {
    return new Promise<EnqueueOutcome>((resolve, reject) => {
      const key = `${maxDepth} ${maxQueues} ${queue}`;
      let group = this.groups.get(key);
      if (!group) {
        group = { queue, maxDepth, maxQueues, waiting: [] };
        this.groups.set(key, group);
      }
      group.waiting.push({ task, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const groups = this.groups;
    this.groups = new Map();
    for (const { queue, maxDepth, maxQueues, waiting } of groups.values()) {
      // A synchronous throw becomes the rejection of every caller, like an error of the call.
      const sent = new Promise<EnqueueOutcome[]>((resolve) =>
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
        (outcomes) => waiting.forEach((w, i) => w.resolve(outcomes[i]!)),
        (error: unknown) => waiting.forEach((w) => w.reject(error)),
      );
    }
  }
}
