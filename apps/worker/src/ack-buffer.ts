import type {
  AckCode,
  FailCode,
  FailItem,
  FinishCanceledCode,
  Lease,
  PostponeCode,
  PostponeItem,
  Queue,
} from '@tq/core';

type Op = 'complete' | 'fail' | 'release' | 'postpone' | 'finishCanceled';
type CompleteItem = Lease & { result?: string };

interface Pending<Item, Code> {
  item: Item;
  resolve: (code: Code) => void;
  reject: (error: unknown) => void;
}

interface Batch {
  complete: Pending<CompleteItem, AckCode>[];
  fail: Pending<FailItem, FailCode>[];
  release: Pending<Lease, AckCode>[];
  postpone: Pending<PostponeItem, PostponeCode>[];
  finishCanceled: Pending<Lease, FinishCanceledCode>[];
}

/**
 * Batches acknowledgements: calls made in the same turn of the event loop go out together on the next one
 * (setImmediate), as one complete, one fail, one release, one postpone and one finish_canceled script per queue. Under load that turns N round
 * trips into one; when idle it adds no delay worth measuring.
 */
export class AckBuffer {
  private batches = new Map<string, Batch>();
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  /** `maxPostponements`: the most times a task may be postponed (see Queue.postpone). */
  constructor(
    private readonly queues: Map<string, Queue>,
    private readonly maxPostponements: number,
  ) {}

  /** Completes a task with its result (JSON). Resolves with the script's code for this task. */
  complete(queue: string, item: CompleteItem): Promise<AckCode> {
    return this.add(queue, 'complete', item);
  }

  /** Records a failed attempt (retry or dead). */
  fail(queue: string, item: FailItem): Promise<FailCode> {
    return this.add(queue, 'fail', item);
  }

  /** Gives a task back to pending without spending an attempt. */
  release(queue: string, item: Lease): Promise<AckCode> {
    return this.add(queue, 'release', item);
  }

  /** Postpones a rate-limited task (or, past the most postponements, records a failed attempt). */
  postpone(queue: string, item: PostponeItem): Promise<PostponeCode> {
    return this.add(queue, 'postpone', item);
  }

  /** Ends a running task canceled at an operator's request, once its handler was aborted. */
  finishCanceled(queue: string, item: Lease): Promise<FinishCanceledCode> {
    return this.add(queue, 'finishCanceled', item);
  }

  /**
   * Sends the completes buffered for `queue` through `call` now instead of with the next flush, so that one
   * script acknowledges them and does the caller's work too (complete_and_claim). `call` answers one code
   * per item, in order. Undefined, and no call, when no complete is buffered for `queue`.
   */
  sendCompletesWith<T extends { codes: AckCode[] }>(
    queue: string,
    call: (items: CompleteItem[]) => Promise<T>,
  ): Promise<T> | undefined {
    const batch = this.batches.get(queue);
    if (!batch || batch.complete.length === 0) return undefined;
    const pending = batch.complete;
    batch.complete = [];
    const sent = call(pending.map((p) => p.item));
    this.track(
      sent.then(
        ({ codes }) => pending.forEach((p, i) => p.resolve(codes[i]!)),
        (error: unknown) => pending.forEach((p) => p.reject(error)),
      ),
    );
    return sent;
  }

  /** Sends what is buffered now and waits until every acknowledgement sent so far is answered. */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private add<Code>(queue: string, op: Op, item: unknown): Promise<Code> {
    return new Promise<Code>((resolve, reject) => {
      let batch = this.batches.get(queue);
      if (!batch) {
        batch = { complete: [], fail: [], release: [], postpone: [], finishCanceled: [] };
        this.batches.set(queue, batch);
      }
      (batch[op] as Pending<unknown, Code>[]).push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batches = this.batches;
    this.batches = new Map();
    for (const [name, batch] of batches) {
      const queue = this.queues.get(name)!;
      this.send(batch.complete, (items) => queue.complete(items));
      this.send(batch.fail, (items) => queue.fail(items));
      this.send(batch.release, (items) => queue.release(items));
      this.send(batch.postpone, (items) => queue.postpone(items, this.maxPostponements));
      this.send(batch.finishCanceled, (items) => queue.finishCanceled(items));
    }
  }

  private send<Item, Code>(pending: Pending<Item, Code>[], call: (items: Item[]) => Promise<Code[]>): void {
    if (pending.length === 0) return;
    this.track(
      call(pending.map((p) => p.item)).then(
        (codes) => pending.forEach((p, i) => p.resolve(codes[i]!)),
        (error: unknown) => pending.forEach((p) => p.reject(error)),
      ),
    );
  }

  /** Keeps `settled` (which never rejects) until it settles, for drain(). */
  private track(settled: Promise<void>): void {
    this.inFlight.add(settled);
    const forget = () => this.inFlight.delete(settled);
    settled.then(forget, forget);
  }
}
