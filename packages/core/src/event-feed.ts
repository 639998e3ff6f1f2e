import type { Cluster, Redis } from 'ioredis';
import type { Clock } from './clock';
import { Queue } from './queue';
import type { RedisClient } from './scripts';
import type { EventsMode, TaskEvent } from './types';

/** Options of an {@link EventFeed}; durations in ms. */
export interface EventFeedOptions {
  /** Longest wait of one XREAD BLOCK. Default 10000. */
  blockMs?: number;
  /** Most entries one XREAD takes from each stream. Default 1000. */
  count?: number;
  /** The 'auto' mode lease asked for while a queue has listeners, renewed every third. Default 60000. */
  listenLeaseMs?: number;
  /** Called when reading or renewing fails (Redis unreachable); the feed retries by itself. */
  onError?: (error: unknown, queue?: string) => void;
  /** Tests only: replaces Redis TIME in the listener lease. */
  clock?: Clock;
}

/** Receives every event of a queue after the position its subscription started at, in stream order. */
export type EventListener = (events: TaskEvent[]) => void;

/**
 * Called when a lease renewal finds the queue's events 'off' (set after the subscription began, seen within a
 * third of the lease): no event will arrive any more, so a stream waiting for them should end.
 */
export type EventsOffListener = () => void;

/** One listener's place in the feed. */
export interface EventSubscription {
  /** The stream id after which this listener gets every event ('0-0' = from the first one written). */
  position: string;
  /** The queue's events mode: with 'off' nothing will arrive. */
  mode: EventsMode;
  /** Stops delivery to this listener; the last one of a queue stops its reading. */
  readonly unsubscribe: () => void;
}

interface Followed {
  queue: Queue;
  /** The id of the newest entry delivered (or the start position). */
  position: string;
  /** Each listener, with the EventsOffListener it gave (if any). */
  listeners: Map<EventListener, EventsOffListener | undefined>;
  mode: EventsMode;
}

/** How long the loop waits after a failed read before the next one. */
const RETRY_MS = 500;

/**
 * Follows the event streams of the queues that have listeners, with one blocking XREAD connection for all
 * of them (one per queue on a Redis Cluster, where one XREAD cannot span slots), and fans the entries out to
 * every listener in this process: Redis work grows with the queues followed, not with the listeners. While a
 * queue has listeners the feed holds its 'auto' mode lease (events_listen), so its scripts write events.
 * start()-less: the first subscribe starts what it needs; stop() ends it.
 */
export class EventFeed {
  private readonly groups = new Map<string, ReaderGroup>();
  private readonly followed = new Map<string, Followed>();
  private readonly joining = new Map<string, Promise<Followed>>();
  private readonly blockMs: number;
  private readonly count: number;
  private readonly listenLeaseMs: number;
  private renewTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: EventFeedOptions = {},
  ) {
    this.blockMs = options.blockMs ?? 10_000;
    this.count = options.count ?? 1000;
    this.listenLeaseMs = options.listenLeaseMs ?? 60_000;
  }

  /** Queues followed now, and listeners over all of them (for metrics and tests). */
  get size(): { queues: number; listeners: number; connections: number } {
    let listeners = 0;
    for (const f of this.followed.values()) listeners += f.listeners.size;
    return { queues: this.followed.size, listeners, connections: this.groups.size };
  }

  /**
   * Delivers every event of `queue` written after the returned position to `listener`. The first listener
   * of a queue takes its 'auto' lease and the stream's newest id before reading starts, so nothing written
   * after the position is missed. A name follows the queue's (partition 0's) stream; a {@link Queue} — one
   * partition of a partitioned queue (ADR 0042) — follows that partition's stream. `onOff` runs when the
   * queue's events are found turned 'off' while subscribed.
   */
  async subscribe(
    target: string | Queue,
    listener: EventListener,
    onOff?: EventsOffListener,
  ): Promise<EventSubscription> {
    if (this.stopped) throw new Error('the event feed was stopped');
    // Followed by hash tag: partition 0's tag is the queue name, so a name and partition 0 share a reader.
    const queue = typeof target === 'string' ? target : target.tag;
    let followed = this.followed.get(queue);
    if (!followed) {
      let joining = this.joining.get(queue);
      if (!joining) {
        joining = this.follow(target).finally(() => this.joining.delete(queue));
        this.joining.set(queue, joining);
      }
      followed = await joining;
    }
    const f = followed;
    f.listeners.set(listener, onOff);
    return {
      position: f.position,
      mode: f.mode,
      unsubscribe: () => {
        if (!f.listeners.delete(listener) || f.listeners.size > 0) return;
        if (this.followed.get(queue) !== f) return;
        this.followed.delete(queue);
        const key = isCluster(this.redis) ? queue : '';
        const group = this.groups.get(key);
        if (key !== '' && group) {
          // A Cluster group reads this queue alone: close its connection.
          this.groups.delete(key);
          group.stop().catch((error: unknown) => this.options.onError?.(error, queue));
        } else group?.changed();
      },
    };
  }

  /** Ends every read and the lease renewals. Listeners get nothing more. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.renewTimer);
    this.followed.clear();
    await Promise.all([...this.groups.values()].map((g) => g.stop()));
    this.groups.clear();
  }

  private async follow(target: string | Queue): Promise<Followed> {
    const queue = typeof target === 'string' ? new Queue(this.redis, target, this.options.clock) : target;
    const name = queue.tag;
    // The lease first: from here on transitions are written, and the position taken next is before them.
    const mode = await queue.listenEvents(this.listenLeaseMs);
    const position = await queue.lastEventId();
    const followed: Followed = { queue, position, listeners: new Map(), mode };
    if (this.stopped) return followed;
    this.followed.set(name, followed);
    this.renewTimer ??= setInterval(() => this.renew(), Math.max(1, Math.floor(this.listenLeaseMs / 3)));
    this.renewTimer.unref();
    this.groupOf(name).changed();
    return followed;
  }

  private renew(): void {
    for (const [name, f] of this.followed) {
      f.queue.listenEvents(this.listenLeaseMs).then(
        (mode) => {
          f.mode = mode;
          // Turned off (PUT /queues/:name/events): nothing more is written, so a listener would wait forever.
          if (mode === 'off') for (const onOff of [...f.listeners.values()]) onOff?.();
        },
        (error: unknown) => this.options.onError?.(error, name),
      );
    }
  }

  /** The reader that XREADs `queue`'s stream: one for all queues, or one per queue on a Cluster. */
  private groupOf(queue: string): ReaderGroup {
    const key = isCluster(this.redis) ? queue : '';
    let group = this.groups.get(key);
    if (!group) {
      group = new ReaderGroup(this.redis, this.blockMs, this.count, this.options.onError, () =>
        [...this.followed.values()].filter((f) => key === '' || f.queue.tag === key),
      );
      this.groups.set(key, group);
    }
    return group;
  }
}

/** One blocking connection and its XREAD loop over a set of followed queues, read anew each round. */
class ReaderGroup {
  private readonly connection: RedisClient;
  private loop: Promise<void> | undefined;
  private stopped = false;
  /** Bumped when the set of queues changes; the loop re-issues its XREAD when it differs from `reading`. */
  private generation = 0;
  private reading = -1;
  private clientId: number | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly blockMs: number,
    private readonly count: number,
    private readonly onError: EventFeedOptions['onError'],
    private readonly queues: () => Followed[],
  ) {
    // Blocking reads need their own connection, without the command timeout (it would end each XREAD).
    this.connection = isCluster(redis)
      ? redis.duplicate(undefined, {
          redisOptions: { ...redis.options.redisOptions, commandTimeout: undefined },
        })
      : redis.duplicate({ commandTimeout: undefined, connectionName: 'tq-events' });
    this.connection.on('error', (error: Error) => onError?.(error));
    this.connection.on('close', () => (this.clientId = undefined));
  }

  /** The set of queues changed: start (or re-issue) the XREAD over the new set at once. */
  changed(): void {
    this.generation++;
    this.loop ??= this.run();
    this.wake?.();
    this.interrupt().catch((error: unknown) => this.onError?.(error));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.connection.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const followed = this.queues();
      this.reading = this.generation;
      if (followed.length === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      try {
        if (this.clientId === undefined && !isCluster(this.connection)) {
          this.clientId = Number(await this.connection.client('ID'));
          if (this.reading !== this.generation) continue;
        }
        const keys = followed.map((f) => f.queue.keys.events);
        const reply = await this.connection.xread(
          'COUNT',
          this.count,
          'BLOCK',
          this.blockMs,
          'STREAMS',
          ...keys,
          ...followed.map((f) => f.position),
        );
        for (const [key, entries] of reply ?? []) {
          const f = followed[keys.indexOf(key)];
          if (!f || entries.length === 0) continue;
          f.position = entries[entries.length - 1]![0];
          const events = f.queue.toEvents(entries);
          for (const listener of f.listeners.keys()) listener(events);
        }
      } catch (error) {
        if (this.stopped) break;
        // CLIENT UNBLOCK ends a read with an error (UNBLOCKED): that is how a new queue joins.
        if (/UNBLOCKED/.test(String(error))) continue;
        this.onError?.(error);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, RETRY_MS);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  /**
   * Ends a blocked XREAD so the loop reads the new set now rather than after blockMs. Retried while the loop
   * has not picked the change up: an UNBLOCK that reaches Redis before the XREAD it means to end does nothing.
   */
  private async interrupt(): Promise<void> {
    if (isCluster(this.connection)) return; // one queue per group there: the set never changes while reading
    // Past one block the read ends by itself (or Redis is unreachable, and retrying helps nothing).
    const deadline = Date.now() + this.blockMs;
    while (!this.stopped && this.reading !== this.generation && Date.now() < deadline) {
      if (this.clientId !== undefined) {
        const unblocked = await (this.redis as Redis)
          .client('UNBLOCK', this.clientId, 'ERROR')
          .catch(() => 0);
        if (Number(unblocked) === 1) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

function isCluster(redis: RedisClient): redis is Cluster {
  return (redis as Cluster).isCluster === true;
}
