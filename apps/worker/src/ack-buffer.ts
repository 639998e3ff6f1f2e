import type {
  AckCode,
  FailCode,
  FailItem,
  FinishCanceledCode,
  Lease,
  PostponeCode,
  PartitionedQueue,
  PostponeItem,
  Queue,
} from '@tq/core';

type Op = 'complete' | 'fail' | 'release' | 'postpone' | 'finishCanceled';
type CompleteItem = Lease & { result?: string };

/**
 * Called once: with the script's code for the item, or with undefined and the error that failed its call;
 * and the item, so that one callback serves every acknowledgement (no closure per task). It must not throw.
 */
export type AckCallback<Code, Item = unknown> = (code: Code | undefined, error: unknown, item: Item) => void;

/**
 * An acknowledgement waiting for its call's answer. A class, not an object literal: V8 tracks a literal's
 * survival, and these all live through a round trip, so it put every later one straight into the old
 * generation, where only a full GC frees it and the running task it holds with it (ADR 0058).
 */
class Pending<Item, Code> {
  constructor(
    readonly item: Item,
    readonly done: AckCallback<Code, Item>,
  ) {}
}

/** The acknowledgements of one kind for one partition: those waiting, and whether a call with others is out. */
interface Lane<Item, Code> {
  waiting: Pending<Item, Code>[];
  sending: boolean;
}

interface Batch {
  /** The partition (of a partitioned queue, or the whole of an unpartitioned one) the scripts go to. */
  queue: Queue;
  complete: Lane<CompleteItem, AckCode>;
  fail: Lane<FailItem, FailCode>;
  release: Lane<Lease, AckCode>;
  postpone: Lane<PostponeItem, PostponeCode>;
  finishCanceled: Lane<Lease, FinishCanceledCode>;
}

const lane = <Item, Code>(): Lane<Item, Code> => ({ waiting: [], sending: false });

/**
 * Batches acknowledgements by group commit: per partition and kind (complete, fail, release, postpone,
 * finish_canceled) at most one script call is on its way. A partition is a queue's own keys (one hash tag,
 * one slot): an unpartitioned queue is one, each partition of a partitioned queue (ADR 0040) is one, so
 * the acknowledgements of tasks in different partitions go out in parallel, one script each. The caller
 * says which partition holds each task: the one its id names, as opened when the task was claimed, so an
 * acknowledgement reaches its task whatever layout the queue has by then.
 *
 * An acknowledgement made while none is out goes at once (in a microtask, so with the others made by the
 * handlers that finished in the same run of callbacks): an idle worker answers without waiting for the end
 * of the event-loop turn (setImmediate cost ~0.05 ms at p50, measured in issue 18). Those made while a
 * call is on its way wait for its answer and then go out together in one call, so under load the batches
 * grow by themselves, with no timer; a complete still waiting when the claim loop claims rides along with
 * the claim (sendCompletesWith).
 */
export class AckBuffer {
  /** By partition hash tag (unique over queues and partitions, see partitionTag). */
  private readonly batches = new Map<string, Batch>();
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  /**
   * @param maxPostponements the most times a task may be postponed (see Queue.postpone)
   * @param holdCompletes asked at each flush: true keeps the completes buffered for a claim to take along
   *   (sendCompletesWith); the one that answers true calls `flush(true)` when the hold ends
   */
  constructor(
    private readonly maxPostponements: number,
    private readonly holdCompletes: () => boolean = () => false,
  ) {}

  /** Completes a task with its result (JSON). Resolves with the script's code for this task. */
  complete(queue: Queue, item: CompleteItem): Promise<AckCode> {
    return this.add(queue, 'complete', item);
  }

  /**
   * `complete` with a callback instead of a promise: the worker's path for every successful task. The item
   * is read when its call is sent, and handed back to `done`.
   */
  completeThen<Item extends CompleteItem>(queue: Queue, item: Item, done: AckCallback<AckCode, Item>): void {
    this.push(queue, 'complete', new Pending(item, done) as Pending<unknown, AckCode>);
  }

  /** Records a failed attempt (retry or dead). */
  fail(queue: Queue, item: FailItem): Promise<FailCode> {
    return this.add(queue, 'fail', item);
  }

  /** Gives a task back to pending without spending an attempt. */
  release(queue: Queue, item: Lease): Promise<AckCode> {
    return this.add(queue, 'release', item);
  }

  /** Postpones a rate-limited task (or, past the most postponements, records a failed attempt). */
  postpone(queue: Queue, item: PostponeItem): Promise<PostponeCode> {
    return this.add(queue, 'postpone', item);
  }

  /** Ends a running task canceled at an operator's request, once its handler was aborted. */
  finishCanceled(queue: Queue, item: Lease): Promise<FinishCanceledCode> {
    return this.add(queue, 'finishCanceled', item);
  }

  /**
   * Sends the completes buffered for one partition of `queue` (the one with the most) through `call` now
   * instead of with the next flush, so that one script acknowledges them and does the caller's work too
   * (complete_and_claim: one script when every complete is in one partition). `call` answers one code per
   * item, in order. Undefined, and no call, when no complete is buffered for a partition of `queue`.
   */
  sendCompletesWith<T extends { codes: AckCode[] }>(
    queue: PartitionedQueue,
    call: (items: CompleteItem[]) => Promise<T>,
  ): Promise<T> | undefined {
    let completes: Lane<CompleteItem, AckCode> | undefined;
    for (const partition of queue.partitions) {
      const held = this.batches.get(partition.tag)?.complete;
      if (held && held.waiting.length > (completes?.waiting.length ?? 0)) completes = held;
    }
    if (!completes) return undefined;
    const pending = completes.waiting;
    completes.waiting = [];
    const sent = call(pending.map((p) => p.item));
    this.track(
      sent.then(
        ({ codes }) => answer(pending, codes),
        (error: unknown) => refuse(pending, error),
      ),
    );
    return sent;
  }

  /** Sends what is buffered now and waits until every acknowledgement made so far is answered. */
  /** Resolves once the calls on their way now are answered (none buffered is sent). */
  async answered(): Promise<void> {
    if (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async drain(): Promise<void> {
    this.flush(true);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private add<Code>(queue: Queue, op: Op, item: unknown): Promise<Code> {
    return new Promise<Code>((resolve, reject) =>
      this.push(
        queue,
        op,
        new Pending(item, (code: Code | undefined, error?: unknown) =>
          code === undefined ? reject(error as Error) : resolve(code),
        ),
      ),
    );
  }

  private push<Code>(queue: Queue, op: Op, pending: Pending<unknown, Code>): void {
    let batch = this.batches.get(queue.tag);
    if (!batch) {
      batch = {
        queue,
        complete: lane(),
        fail: lane(),
        release: lane(),
        postpone: lane(),
        finishCanceled: lane(),
      };
      this.batches.set(queue.tag, batch);
    }
    const target = batch[op] as Lane<unknown, Code>;
    target.waiting.push(pending);
    // While a call of this kind is out, its answer sends this one (send).
    if (!target.sending && !this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /**
   * Sends what is buffered, each kind unless a call of it is out (then its answer sends the rest); the
   * completes only when not held, or `all`.
   */
  flush(all = false): void {
    this.scheduled = false;
    const hold = !all && this.holdCompletes();
    for (const batch of this.batches.values()) {
      const { queue } = batch;
      if (!hold) this.send(batch.complete, (items) => queue.complete(items));
      this.send(batch.fail, (items) => queue.fail(items));
      this.send(batch.release, (items) => queue.release(items));
      this.send(batch.postpone, (items) => queue.postpone(items, this.maxPostponements));
      this.send(batch.finishCanceled, (items) => queue.finishCanceled(items));
    }
  }

  /** Sends what waits in `target` unless a call of it is out; once answered, what came meanwhile goes. */
  private send<Item, Code>(target: Lane<Item, Code>, call: (items: Item[]) => Promise<Code[]>): void {
    if (target.sending || target.waiting.length === 0) return;
    const pending = target.waiting;
    target.waiting = [];
    target.sending = true;
    const next = () => {
      target.sending = false;
      this.send(target, call);
    };
    // A synchronous throw becomes a rejection, so that `next` still runs.
    const sent = new Promise<Code[]>((resolve) => resolve(call(pending.map((p) => p.item))));
    this.track(
      sent.then(
        (codes) => {
          try {
            answer(pending, codes);
          } finally {
            next();
          }
        },
        (error: unknown) => {
          try {
            refuse(pending, error);
          } finally {
            next();
          }
        },
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

/** Gives each acknowledgement its code (one per item, in order). */
function answer<Item, Code>(pending: Pending<Item, Code>[], codes: Code[]): void {
  for (let i = 0; i < pending.length; i++) {
    const p = pending[i]!;
    p.done(codes[i], undefined, p.item);
  }
}

/** Gives each acknowledgement the error that failed its call. */
function refuse<Item, Code>(pending: Pending<Item, Code>[], error: unknown): void {
  for (const p of pending) p.done(undefined, error, p.item);
}
