import { closeRedis, type RedisClient } from '@tq/core';
import { CLOSE_TIMEOUT_MS, type Logger } from '@tq/ops';

const RESUBSCRIBE_DELAY_MS = 2000;
/** Prefix of a wake message saying a scheduled or retry task falls due in that many ms. */
const DUE_PREFIX = 'due:';
/** Most wake ids kept whose message has not come (a message lost in a reconnect leaves its id behind). */
const TAKEN_MAX = 16;
/**
 * How long a wake message that came while the worker parks its claims waits for a park to take its wake
 * (the park out, or the next one) before it counts as news (it then unparks the worker).
 */
const OWN_ANSWER_GRACE_MS = 5;

/** One wait in progress. */
interface Waiter {
  /** performance.now() at which it ends by itself. */
  until: number;
  timer: NodeJS.Timeout;
  wake: () => void;
}

/**
 * Lets the claim loop sleep until there may be work: a message on a queue's wake channel (published by
 * Redis when pending goes empty -> non-empty), a local event (a slot freed, stop), or a timeout. A
 * `due:<ms>` message (a scheduled or retry task that now comes first, published by enqueue and fail)
 * ends the wait at that time instead: no claim before the task can run. A partitioned queue has one wake
 * channel per partition (ADR 0040), each published by its partition's scripts: the Waker listens to all of
 * them and follows a layout change (`follow`), so a message from any partition ends the wait.
 *
 * A generation counter closes the lost-wakeup race: the loop reads `generation` before it claims and
 * waits with that value, so a message that arrived between the empty claim and the wait ends the wait
 * at once instead of being missed.
 */
export class Waker {
  private gen = 0;
  private readonly waiters = new Set<Waiter>();
  private stopped = false;
  private subscribed = false;
  /** The channels to listen to: those given, and those `follow` added. */
  private readonly channels: Set<string>;
  /** The channels a SUBSCRIBE was answered for (ioredis subscribes them again after a reconnect). */
  private readonly listening = new Set<string>();
  /** Whether the worker parks its claims (setParked). */
  private parked = false;
  /** Ids of wakes this worker's parked claims took whose message has not come yet (at most TAKEN_MAX). */
  private readonly taken: string[] = [];

  /**
   * @param subscriber a connection used only for SUBSCRIBE (a subscribed connection can send nothing else)
   * @param channels the wake channels of the worker's queues (every partition's)
   * @param onWake called after a wake message (a queue's pending went non-empty) ended the waits, so the
   *   claim loop can act on it when none of its lanes waits (a claim is out): see Worker.wakeWhileClaiming
   */
  constructor(
    private readonly subscriber: RedisClient,
    channels: string[],
    private readonly logger: Logger,
    private readonly onWake: () => void = () => undefined,
  ) {
    this.channels = new Set(channels);
    subscriber.on('message', (_channel: string, message: string) => {
      if (message.startsWith(DUE_PREFIX)) this.dueIn(Number(message.slice(DUE_PREFIX.length)));
      // While the worker parks its claims, a park's answer and the message of the wake it took are written in
      // the same pass of Redis's loop and the message is often read first, or the wake came between two parks
      // and the next one takes it: the message is looked at once this turn's I/O is in, and if it is not a
      // taken wake's then, once more after OWN_ANSWER_GRACE_MS.
      else if (this.parked) setImmediate(() => this.afterTurn(message));
      else this.wakeMessage(message);
    });
    // Without a listener ioredis prints connection errors to stderr as plain text. The main connection
    // already logs the outage at warn; this one only says it is reconnecting too.
    subscriber.on('error', (error: Error) =>
      this.logger.debug({ err: error }, 'wake subscriber connection error; reconnecting'),
    );
    // Messages published while the connection was down are lost: after a reconnect (ioredis
    // resubscribes by itself) look at the queues once.
    subscriber.on('ready', () => {
      if (!this.subscribed) return;
      this.notify();
      // A channel whose SUBSCRIBE failed (follow during an outage) is not among those ioredis restores.
      this.subscribeMissing();
    });
  }

  /** A wake message that came while the worker parked its claims, at the end of its turn (see the listener). */
  private afterTurn(message: string): void {
    if (this.parked && !this.taken.includes(message))
      // Timers run before I/O in a turn: the answer that came meanwhile is read before the message is judged.
      setTimeout(() => setImmediate(() => this.wakeMessage(message)), OWN_ANSWER_GRACE_MS);
    else this.wakeMessage(message);
  }

  /** A wake message: news, unless it is the message of a wake this worker's parked claim took (ADR 0061). */
  private wakeMessage(message: string): void {
    const own = this.taken.indexOf(message);
    if (own >= 0) {
      this.taken.splice(own, 1);
      return;
    }
    this.notify();
    this.onWake();
  }

  /**
   * The worker parks its claims (ADR 0061), or no longer: meanwhile wake messages are looked at at the end of
   * the turn (see the message listener).
   */
  setParked(parked: boolean): void {
    this.parked = parked;
  }

  /** This worker's parked claim took the wake `id` off the signal list: its message is not news. */
  took(id: string): void {
    this.taken.push(id);
    if (this.taken.length > TAKEN_MAX) this.taken.shift();
  }

  /**
   * Calls `fn` once on the first event after generation `since` (at once if one already happened) or after
   * `timeoutMs`, unless the returned function cancelled it first.
   */
  onEvent(since: number, timeoutMs: number, fn: () => void): () => void {
    if (this.gen !== since || this.stopped) {
      fn();
      return () => undefined;
    }
    const waiter: Waiter = {
      until: performance.now() + Math.max(0, timeoutMs),
      timer: setTimeout(() => waiter.wake(), Math.max(0, timeoutMs)),
      wake: () => {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        fn();
      },
    };
    this.waiters.add(waiter);
    return () => {
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
    };
  }

  /** The number of events so far; pass it to `wait`. */
  get generation(): number {
    return this.gen;
  }

  /**
   * Subscribes to the wake channels. Resolves after the first try; when Redis is unreachable it keeps
   * trying in the background (the idle poll covers the gap), so a worker can start before Redis.
   */
  async start(): Promise<void> {
    if (!(await this.trySubscribe()))
      this.keepTrying().catch((error: unknown) =>
        this.logger.error(
          { err: error },
          'resubscribing to the wake channels stopped; the idle poll still runs',
        ),
      );
  }

  private async keepTrying(): Promise<void> {
    while (!this.stopped) {
      await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_DELAY_MS));
      if (this.stopped || (await this.trySubscribe())) return;
    }
  }

  private async trySubscribe(): Promise<boolean> {
    try {
      await this.subscribeTo([...this.channels]);
      this.subscribed = true;
      this.notify(); // anything published before the subscription took effect: look once
      // Channels `follow` added while this SUBSCRIBE was on its way.
      this.subscribeMissing();
      return true;
    } catch (error) {
      this.logger.warn({ err: error }, 'cannot subscribe to the wake channels yet; polling until it works');
      return false;
    }
  }

  /**
   * Listens to `channels` too (the wake channels of partitions a queue's new layout added), then ends
   * every wait once subscribed (a `generation` step), so the claim loop looks at them at once. Channels
   * already listened to are left alone; so are channels no longer given (a removed partition publishes
   * nothing).
   */
  follow(channels: string[]): void {
    for (const channel of channels) this.channels.add(channel);
    // Before the first subscription: start() (or its retries) subscribes every channel.
    if (this.subscribed) this.subscribeMissing();
  }

  /** Subscribes the channels not listened to yet; a failure is retried on the next reconnect or follow. */
  private subscribeMissing(): void {
    const missing = [...this.channels].filter((c) => !this.listening.has(c));
    if (missing.length === 0 || this.stopped) return;
    this.subscribeTo(missing).then(
      () => this.notify(),
      (error: unknown) =>
        this.logger.warn(
          { err: error, channels: missing.length },
          'cannot subscribe to new wake channels yet; polling until it works',
        ),
    );
  }

  private async subscribeTo(channels: string[]): Promise<void> {
    await this.subscriber.subscribe(...channels);
    for (const channel of channels) this.listening.add(channel);
  }

  /** Records an event and ends every wait. */
  notify(): void {
    this.gen++;
    for (const waiter of [...this.waiters]) waiter.wake();
  }

  /**
   * A task falls due in `ms`: every wait ends by then, and it is an event (a generation step). A wait that is
   * cancelled before its shortened timer fires (a parked claim that came back for another reason: a stale
   * wake, a task) would otherwise take the due time with it, and the next wait would sleep through it; when
   * nothing waits, the claim loop is busy (its claim may have been answered before the task was added). In
   * both cases the step makes the next wait end at once, so the loop claims again and learns the due time
   * from the claim.
   */
  dueIn(ms: number): void {
    if (!Number.isFinite(ms)) return this.notify();
    this.gen++;
    const until = performance.now() + Math.max(0, ms);
    for (const waiter of this.waiters) {
      if (until >= waiter.until) continue;
      clearTimeout(waiter.timer);
      waiter.until = until;
      waiter.timer = setTimeout(waiter.wake, Math.max(0, ms));
    }
  }

  /** Resolves on the first event after generation `since` (at once if one already happened), or after `timeoutMs`. */
  wait(since: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => this.onEvent(since, timeoutMs, resolve));
  }

  /** Ends all waits for good and closes the subscriber connection (never waiting on a dead one). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.notify();
    await closeRedis(this.subscriber, CLOSE_TIMEOUT_MS);
  }
}
