import type { Clock } from './clock';
import { TqError } from './errors';
import { MAX_PARTITIONS, parseTaskId, partitionZeroLocalId } from './ids';
import { QUEUES_KEY, hashSlot, partitionTag, queueKeys } from './keys';
import {
  compareStreamIds,
  historyMerged,
  listGroupsMerged,
  listTasksMerged,
  parseEventPositions,
  readEventsMerged,
} from './partition-inspection';
import { DEFAULT_PROMOTE_LIMIT, Queue } from './queue';
import { runScript, type RedisClient } from './scripts';
import type {
  AckCode,
  CancelCode,
  ClaimResult,
  DeleteCode,
  ExtendCode,
  FinishCanceledCode,
  RunNowCode,
  TaskActionResult,
  EnqueueOutcome,
  EventsMode,
  FailCode,
  GroupList,
  ListTasksOptions,
  QueueHistory,
  TaskEvent,
  TaskPageRecord,
  FailItem,
  Lease,
  NewTask,
  PostponeCode,
  PostponeItem,
  QueueLimits,
  QueueStats,
  ReplicaWait,
  ReapResult,
  RemoveResult,
  RetentionPolicy,
  TaskRecord,
  TaskStatus,
  TrimResult,
} from './types';
import { isCluster } from './connection';

/**
 * The partition layout of a queue (ADR 0040, 0043), kept in partition 0's meta HASH: `partitions` (the
 * count new tasks go to), `partitionGen` (bumped by every resize), `partitionTags` (the placement suffix
 * of each partition served, comma separated: the first `partitions`, then those draining after a shrink)
 * and `partitionHistory` (JSON of the earlier generations whose routing still holds, absent when none).
 */
export interface PartitionLayout {
  /** How many partitions new tasks go to: 0..count-1. */
  count: number;
  generation: number;
  /**
   * Placement suffix of each partition's hash tag (see `partitionTag`), 0 for partition 0: every
   * partition workers serve. Those from `count` on are draining (a shrink): they take no new tasks once
   * the resize has settled, and go when empty ({@link PartitionedQueue.dropDrained}).
   */
  suffixes: number[];
  /** The earlier generations whose routing still holds, newest first (see {@link HeldGeneration}). */
  history: HeldGeneration[];
}

/**
 * A generation a resize replaced, kept while what it routed can still matter (ADR 0043): until
 * `settleUntil` every keyed task is routed with its count (a process may still hold it: the directory's
 * TTL), and until `heldUntil` a producer looks up an idempotency key in the partition this generation
 * hashed it to before it stores the key elsewhere. Times are ms since the epoch.
 */
export interface HeldGeneration {
  generation: number;
  count: number;
  /** Placement suffixes of its partitions 0..count-1 (where its idempotency records live). */
  suffixes: number[];
  endedAt: number;
  settleUntil: number;
  heldUntil: number;
}

/** Options for {@link PartitionedQueue.resize}. */
export interface ResizeOptions {
  /**
   * How long keyed tasks keep the old count after the resize, ms (default 30,000): at least the longest
   * any process keeps a layout (`QueueDirectory`'s `layoutTtlMs`, 5,000 by default), with room for a
   * stalled call and clock skew between hosts. Another resize is refused (`conflict`) until it passes.
   */
  settleMs?: number;
  /**
   * The longest idempotency window producers use, ms (default 24 h, the task service's default): how long
   * after the settle a producer still looks for an idempotency key where the old count put it.
   */
  idempotencyWindowMs?: number;
}

/** Default settle after a resize, ms (see {@link ResizeOptions.settleMs}). */
export const RESIZE_SETTLE_MS = 30_000;
/** Default longest idempotency window held after a resize, ms (see {@link ResizeOptions}). */
export const RESIZE_IDEMPOTENCY_WINDOW_MS = 24 * 3600_000;

/**
 * How long a removed partitioned queue keeps its layout, ms (ADR 0050): the longest idempotency window a
 * submission may have (30 days, the API's largest IDEMPOTENCY_TTL_MS) plus the default settle, so every
 * record its partitions 1.. hold has expired before a producer could route the name as one partition.
 */
export const REMOVED_LAYOUT_TTL_MS = 30 * 24 * 3600_000 + RESIZE_SETTLE_MS;

/** Largest placement suffix tried when spreading partitions over a Cluster's masters. */
const PLACEMENT_TRIES = 100_000;

/**
 * One logical queue over `count` partitions, each a {@link Queue} with its own hash tag, so one queue
 * spreads over the masters of a Redis Cluster (ADR 0040). Every script still touches one partition's
 * slot; this class routes: enqueue spreads tasks (partitionKey → idempotency key → group → balanced),
 * claims rotate over the partitions from a random start, and every call on a task goes to the partition
 * its id names. An unpartitioned queue opens as one partition: the same keys, ids and scripts.
 */
export class PartitionedQueue {
  readonly partitions: readonly Queue[];
  /** Where the next claim starts: random per process so workers do not all start on partition 0. */
  private cursor: number;
  /** Where the next task without a key goes (round robin from a random start). */
  private spread: number;
  /** The idempotency-key lookups of the latest enqueue that made some (see {@link enqueueEach}), until done. */
  private lookups: Promise<void> | undefined;

  constructor(
    readonly redis: RedisClient,
    readonly name: string,
    readonly layout: PartitionLayout,
    private readonly clock?: Clock,
  ) {
    this.partitions = layout.suffixes.map(
      (suffix, i) => new Queue(redis, name, clock, { partition: i, tag: partitionTag(name, i, suffix) }),
    );
    this.cursor = Math.floor(Math.random() * this.partitions.length);
    this.spread = Math.floor(Math.random() * layout.count);
  }

  /** How many partitions workers serve: those new tasks go to, then any still draining after a shrink. */
  get count(): number {
    return this.partitions.length;
  }

  /** The partitions draining after a shrink (indexes from `layout.count` on); empty when none. */
  get draining(): number[] {
    return this.partitions.slice(this.layout.count).map((p) => p.partition);
  }

  /** The pub/sub channels idle workers wait on: one per partition (a partition wakes its own waiters). */
  get wakeChannels(): string[] {
    return this.partitions.map((p) => p.keys.wakeChannel);
  }

  /**
   * Makes `name` a queue of `count` partitions (1..MAX_PARTITIONS) and returns it. On a Redis Cluster the
   * partitions' hash tags are chosen so they land on the masters in turn (from partition 0's master), as
   * the slot map is now. Creating it again with the same count returns the layout stored; another count
   * throws `conflict` (a resize is {@link resize}, ADR 0043).
   *
   * Creation is a resize from the one partition a queue without a layout has (ADR 0050): any process may
   * have opened `name` before (a producer holds "no layout" for up to the directory's TTL), so keyed tasks
   * keep going to partition 0 while the creation settles (`options.settleMs`, 30 s by default) and an
   * idempotency key is then looked up in partition 0 before it is stored elsewhere, for
   * `options.idempotencyWindowMs` (24 h by default): a key is never stored twice because the queue was
   * partitioned under a producer's feet. Tasks without a key spread over the partitions at once. The same
   * checks as a resize apply: a limit below `count` is `invalid`; a paused queue's partitions start paused.
   */
  static async create(
    redis: RedisClient,
    name: string,
    count: number,
    clock?: Clock,
    options: ResizeOptions = {},
  ): Promise<PartitionedQueue> {
    assertCount(count);
    try {
      if (count === 1) await writeLayout(redis, name, 0, 1, [0], []);
      else await PartitionedQueue.resize(redis, name, count, { ...options, generation: 0 }, clock);
    } catch (error) {
      // Another creator (or a resize) wrote a layout first: answered below from the stored one.
      if (!(error instanceof TqError && error.code === 'conflict')) throw error;
    }
    const stored = await PartitionedQueue.open(redis, name, clock);
    if (stored.layout.count !== count) {
      throw new TqError(
        'conflict',
        `queue ${name} already has ${stored.layout.count} partitions, not ${count}`,
        {
          partitions: stored.layout.count,
        },
      );
    }
    return stored;
  }

  /**
   * Writes `held` back as queue `name`'s layout where Redis has none: what a process that routes by `held`
   * does when the layout is gone (Redis lost its data, or the key was evicted or flushed), so that the tasks
   * it already sent to partitions 1.. are served and found. The compare-and-set of a creation (generation 0
   * to 1), with `held`'s partitions and placement and without its history (what the history protected went
   * with the data). Answers the stored layout: the one written, or the one another process wrote first.
   */
  static async restoreLayout(
    redis: RedisClient,
    name: string,
    held: PartitionLayout,
  ): Promise<PartitionLayout> {
    try {
      await writeLayout(redis, name, 0, held.count, held.suffixes, []);
    } catch (error) {
      if (!(error instanceof TqError && error.code === 'conflict')) throw error;
    }
    return readLayout(redis, name);
  }

  /** Opens queue `name` with the layout stored in Redis (one partition when it has none). */
  static async open(redis: RedisClient, name: string, clock?: Clock): Promise<PartitionedQueue> {
    return new PartitionedQueue(redis, name, await readLayout(redis, name), clock);
  }

  /**
   * Resizes queue `name` to `count` partitions (ADR 0043) and returns it with its new layout. Adding is
   * online: new partitions are placed over the masters as {@link create} does, and tasks without a key
   * spread over them at once. Removing drains: partitions from `count` on take no new tasks once the
   * resize has settled, workers keep claiming them, and {@link dropDrained} removes them when empty.
   * The generation goes up by one; the old one is kept in the layout's history so keyed tasks keep its
   * count while the resize settles (`settleMs`) and idempotency keys are looked up where it put them for
   * `idempotencyWindowMs` after that: a key is never stored in two partitions because the count changed.
   * Limit shares are split again over the partitions served (lowered ones first, so the sum never goes
   * over the limit); new partitions start paused when the queue is.
   *
   * Throws `conflict` when the stored generation is not `generation` (when given: another resize won),
   * or while the previous resize settles; `invalid` for a count outside 1..MAX_PARTITIONS or a limit
   * below the number of partitions served. The same count as now returns the queue unchanged.
   */
  static async resize(
    redis: RedisClient,
    name: string,
    count: number,
    options: ResizeOptions & { generation?: number } = {},
    clock?: Clock,
  ): Promise<PartitionedQueue> {
    assertCount(count);
    const current = await readLayout(redis, name);
    if (options.generation !== undefined && current.generation !== options.generation) {
      throw staleGeneration(name, options.generation, current.generation);
    }
    const now = clock?.now() ?? (await redisNow(redis));
    const previous = current.history[0];
    if (previous && now < previous.settleUntil) {
      throw new TqError(
        'conflict',
        `queue ${name} was resized ${now - previous.endedAt} ms ago and settles until ${new Date(previous.settleUntil).toISOString()}: resize again after that`,
        { generation: current.generation, settleUntil: previous.settleUntil },
      );
    }
    const before = new PartitionedQueue(redis, name, current, clock);
    if (count === current.count) return before;
    const served = Math.max(count, current.suffixes.length);
    const placed = served > current.suffixes.length ? await placeSuffixes(redis, name, served) : [];
    const suffixes = Array.from({ length: served }, (_, i) => current.suffixes[i] ?? placed[i]!);
    const limits = await before.limits();
    assertShares(limits, served);
    const paused = await before.anyPaused();
    const settleUntil = now + (options.settleMs ?? RESIZE_SETTLE_MS);
    const history: HeldGeneration[] = [
      {
        generation: current.generation,
        count: current.count,
        suffixes: current.suffixes.slice(0, current.count),
        endedAt: now,
        settleUntil,
        heldUntil: settleUntil + (options.idempotencyWindowMs ?? RESIZE_IDEMPOTENCY_WINDOW_MS),
      },
      ...current.history.filter((h) => h.heldUntil > now),
    ];
    await writeLayout(redis, name, current.generation, count, suffixes, history);
    const after = await PartitionedQueue.open(redis, name, clock);
    if (paused) await Promise.all(after.partitions.slice(current.suffixes.length).map((p) => p.pause()));
    await after.applyShares(limits, before);
    return after;
  }

  /** Resizes this queue (see the static {@link PartitionedQueue.resize}); `conflict` if its layout is stale. */
  resize(count: number, options: ResizeOptions = {}): Promise<PartitionedQueue> {
    return PartitionedQueue.resize(
      this.redis,
      this.name,
      count,
      { ...options, generation: this.layout.generation },
      this.clock,
    );
  }

  /**
   * Removes the draining partitions that are empty (no task in any state, as {@link Queue.remove} checks
   * in one script), from the last one down, once the resize that drained them has settled (before, a
   * process may still send tasks there); their limit shares go to the partitions left. Partitions still
   * holding tasks stay served: finished ones go by retention, dead letters by requeue or purge. Returns
   * the partitions removed (none when nothing could go). Safe to call from every reaper sweep.
   */
  async dropDrained(): Promise<number[]> {
    const layout = await readLayout(this.redis, this.name);
    if (layout.suffixes.length === layout.count) return [];
    const now = this.clock?.now() ?? (await redisNow(this.redis));
    if (layout.history[0] && now < layout.history[0].settleUntil) return [];
    const before = new PartitionedQueue(this.redis, this.name, layout, this.clock);
    const limits = await before.limits();
    const dropped: number[] = [];
    for (let i = layout.suffixes.length - 1; i >= layout.count; i--) {
      if ((await before.partitions[i]!.remove('delete')).code !== 'removed') break;
      dropped.push(i);
    }
    if (dropped.length === 0) return [];
    const suffixes = layout.suffixes.slice(0, layout.suffixes.length - dropped.length);
    await writeLayout(this.redis, this.name, layout.generation, layout.count, suffixes, layout.history);
    const after = await PartitionedQueue.open(this.redis, this.name, this.clock);
    await after.applyShares(limits, before);
    return dropped;
  }

  /**
   * Splits `limits` (the logical queue's) over the partitions served, as {@link setLimits} does: the
   * shares that go down (or are new) first, then those that go up, so the sum of shares in force never
   * exceeds the limit while `before` (the layout replaced) is still read by some worker.
   */
  private async applyShares(limits: QueueLimits, before: PartitionedQueue): Promise<void> {
    if (
      limits.concurrency === undefined &&
      limits.rate === undefined &&
      limits.groupConcurrency === undefined
    ) {
      return;
    }
    const shares = this.shares(limits);
    const old = await Promise.all(
      this.partitions.map((p, i) => (i < before.count ? p.limits() : Promise.resolve(undefined))),
    );
    const raised = (i: number) =>
      old[i] !== undefined &&
      (shares[i]!.concurrency ?? Infinity) >= (old[i].concurrency ?? Infinity) &&
      (shares[i]!.rate?.max ?? Infinity) >= (old[i].rate?.max ?? Infinity);
    const indexes = this.partitions.map((_, i) => i);
    await Promise.all(
      indexes.filter((i) => !raised(i)).map((i) => this.partitions[i]!.setLimits(shares[i]!)),
    );
    await Promise.all(indexes.filter(raised).map((i) => this.partitions[i]!.setLimits(shares[i]!)));
  }

  /** Whether any partition is paused. */
  private async anyPaused(): Promise<boolean> {
    const flags = await Promise.all(this.partitions.map((p) => this.redis.hget(p.keys.meta, 'paused')));
    return flags.some((f) => f !== null);
  }

  /** The partition that holds task `id`; throws `not_found` when the id is not one of this queue's. */
  partitionOf(id: string): Queue {
    // Partition 0's ids (all of an unpartitioned queue's): no parsing.
    if (partitionZeroLocalId(id, this.name) !== undefined) return this.partitions[0]!;
    const parsed = parseTaskId(id);
    const index = parsed?.partition ?? 0;
    if (!parsed || parsed.queue !== this.name || index >= this.count) {
      throw new TqError('not_found', `task id ${JSON.stringify(id)} does not belong to queue ${this.name}`);
    }
    return this.partitions[index]!;
  }

  /**
   * The partition a new task goes to: a hash of its `partitionKey`, else of its idempotency key (so a key
   * is exactly-once across partitions), else of its group (a group's fairness and concurrency hold in one
   * partition), else the next partition in turn. Keyed tasks are hashed with the previous generation's
   * count while a resize settles (ADR 0043), so every process, whichever layout it holds, agrees.
   * `now`: ms since the epoch (the injected clock, else this host's).
   */
  pick(task: NewTask, now = this.now()): number {
    const key = routingKey(task);
    if (key === undefined) {
      if (this.layout.count === 1) return 0;
      this.spread = (this.spread + 1) % this.layout.count;
      return this.spread;
    }
    const previous = this.layout.history[0];
    const count = previous && now < previous.settleUntil ? previous.count : this.layout.count;
    return count === 1 ? 0 : fnv1a(key) % count;
  }

  /**
   * Stores tasks in their partitions (see {@link pick}); ids made by `newTaskId(queue)` are given their
   * partition (`<queue>.<partition>.<local id>`): use the outcome's id. `maxDepth` holds per partition
   * as its share (rounded up), `maxQueues` and `wait` (each partition's master WAITs for its replicas,
   * ADR 0044) as for {@link Queue.enqueue}. Outcomes come in input order; a partition's error is the
   * whole call's (see {@link enqueueEach} for one outcome per task). After a resize, an idempotency key
   * still held by an earlier generation (ADR 0043) is first looked up where that generation put it: found
   * there, the answer is that record's (`existing` or `conflict`), and nothing is stored again.
   */
  async enqueue(
    tasks: NewTask[],
    maxDepth = 0,
    maxQueues = 0,
    wait?: ReplicaWait,
  ): Promise<EnqueueOutcome[]> {
    const settled = await this.enqueueEach(tasks, maxDepth, maxQueues, wait);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((r) => (r as PromiseFulfilledResult<EnqueueOutcome>).value);
  }

  /**
   * Like {@link enqueue}, but each task settles with its own partition's call: when one partition's master
   * refuses or cannot confirm (a failover, a missing replica), the tasks stored in the other partitions
   * still get their outcomes. Used where callers are answered one by one (coalesced single submissions).
   */
  async enqueueEach(
    tasks: NewTask[],
    maxDepth = 0,
    maxQueues = 0,
    wait?: ReplicaWait,
  ): Promise<PromiseSettledResult<EnqueueOutcome>[]> {
    // One partition and no earlier generation (an unpartitioned queue): nothing to route or look up.
    if (
      this.layout.count === 1 &&
      this.layout.history.length === 0 &&
      !this.lookups &&
      tasks.every((task) => partitionZeroLocalId(task.id, this.name) !== undefined)
    ) {
      try {
        const outcomes = await this.partitions[0]!.enqueue(tasks, maxDepth, maxQueues, wait);
        return outcomes.map((value) => ({ status: 'fulfilled', value }));
      } catch (reason) {
        return tasks.map(() => ({ status: 'rejected', reason }));
      }
    }
    const now = this.now();
    const out = new Array<PromiseSettledResult<EnqueueOutcome>>(tasks.length);
    const routes = tasks.map((task) => {
      // Ids made by newTaskId(queue) are partition 0's: in partition 0 they stay as they are.
      let localId = partitionZeroLocalId(task.id, this.name);
      const given = localId === undefined ? parseTaskId(task.id) : undefined;
      if (given) localId = given.queue === this.name ? given.localId : undefined;
      if (localId === undefined) {
        throw new TqError(
          'invalid',
          `task id ${JSON.stringify(task.id)} was not made for queue ${this.name}`,
        );
      }
      const index = this.pick(task, now);
      const unchanged = index === 0 && given === undefined;
      const id = index === 0 ? `${this.name}.${localId}` : `${this.name}.${index}.${localId}`;
      return {
        index,
        task: unchanged ? task : { ...task, id },
        held: this.heldRecords(task, index, now),
      };
    });
    // Only tasks whose key an earlier generation still holds wait for a read: with none (no resize within
    // the idempotency window), the tasks go out in this turn, before the caller prepares its next ones.
    // Calls go out in the order they were made: one that comes while an earlier call's lookups are out
    // waits for them, and the earlier call, waiting on the same promise since before, sends first.
    const before = this.lookups;
    if (before || routes.some((route) => route.held.length > 0)) {
      const mine = this.lookUp(before, routes, out, now);
      this.lookups = mine;
      await mine;
      if (this.lookups === mine) this.lookups = undefined;
    }
    const byPartition = new Map<number, { at: number[]; tasks: NewTask[] }>();
    routes.forEach((route, at) => {
      if (out[at]) return;
      let group = byPartition.get(route.index);
      if (!group) byPartition.set(route.index, (group = { at: [], tasks: [] }));
      group.at.push(at);
      group.tasks.push(route.task);
    });
    const share = maxDepth > 0 ? Math.ceil(maxDepth / this.layout.count) : 0;
    await Promise.all(
      [...byPartition].map(async ([index, group]) => {
        try {
          const outcomes = await this.partitions[index]!.enqueue(group.tasks, share, maxQueues, wait);
          outcomes.forEach((value, i) => (out[group.at[i]!] = { status: 'fulfilled', value }));
        } catch (reason) {
          for (const at of group.at) out[at] = { status: 'rejected', reason };
        }
      }),
    );
    return out;
  }

  /**
   * After `before` (an earlier call's lookups), reads the records earlier generations hold for each route's
   * key, and answers in `out` the tasks one is found for (`existing` or `conflict`), or the read's error.
   */
  private async lookUp(
    before: Promise<void> | undefined,
    routes: { task: NewTask; held: readonly { key: string; partition: number }[] }[],
    out: PromiseSettledResult<EnqueueOutcome>[],
    now: number,
  ): Promise<void> {
    await before;
    await Promise.all(
      routes.map(async (route, at) => {
        try {
          for (const record of route.held) {
            const seen = await this.redis.get(record.key);
            if (seen !== null) {
              out[at] = {
                status: 'fulfilled',
                value: seenOutcome(seen, route.task, this.name, record.partition, now),
              };
              return;
            }
          }
        } catch (reason) {
          out[at] = { status: 'rejected', reason };
        }
      }),
    );
  }

  /**
   * The idempotency records of `task`'s key that earlier generations still hold (newest first), where
   * they put the key, other than partition `index` it goes to now: none without an idempotency key.
   */
  private heldRecords(
    task: NewTask,
    index: number,
    now: number,
  ): readonly { key: string; partition: number }[] {
    if (this.layout.history.length === 0) return NONE_HELD;
    const key = routingKey(task);
    if (task.idempotencyKey === undefined || task.idempotencyKey === '' || key === undefined)
      return NONE_HELD;
    const hash = fnv1a(key);
    const out: { key: string; partition: number }[] = [];
    for (const held of this.layout.history) {
      if (now >= held.heldUntil) continue;
      const partition = held.count === 1 ? 0 : hash % held.count;
      const suffix = held.suffixes[partition] ?? 0;
      if (partition === index && suffix === this.layout.suffixes[index]) continue;
      const record = `${queueKeys(this.name, partitionTag(this.name, partition, suffix)).idempotencyPrefix}${task.idempotencyKey}`;
      if (!out.some((o) => o.key === record)) out.push({ key: record, partition });
    }
    return out;
  }

  /** Ms since the epoch as producers see it: the injected clock, else this host's. */
  private now(): number {
    return this.clock?.now() ?? Date.now();
  }

  /**
   * Leases up to `count` tasks: partitions are tried in turn from where the last claim stopped, until
   * `count` tasks are leased or each was tried once, so a busy queue costs one script per claim and an
   * idle one N. Limits hold per partition as their shares (see {@link setLimits}).
   */
  async claim(
    count: number,
    leaseMs: number,
    promoteLimit = DEFAULT_PROMOTE_LIMIT,
    workerId = '',
  ): Promise<ClaimResult> {
    const results: ClaimResult[] = [];
    let wanted = count;
    for (let tried = 0; tried < this.count && wanted > 0; tried++) {
      const index = this.cursor;
      this.cursor = (this.cursor + 1) % this.count;
      const result = await this.partitions[index]!.claim(wanted, leaseMs, promoteLimit, workerId);
      results.push(result);
      wanted -= result.tasks.length;
      // Stay on a partition that had more than asked for: the next claim starts there again.
      if (wanted === 0) this.cursor = index;
    }
    return mergeClaims(results);
  }

  /**
   * Completes running tasks and leases up to `count`: one script when every item is in one partition
   * (that partition's complete_and_claim), then claims in turn on the others if it had fewer than asked.
   */
  async completeAndClaim(
    items: (Lease & { result?: string })[],
    count: number,
    leaseMs: number,
    promoteLimit = DEFAULT_PROMOTE_LIMIT,
    workerId = '',
  ): Promise<{ codes: AckCode[]; claim: ClaimResult }> {
    // One partition: its script checks that each id is one of its own.
    if (this.count === 1)
      return this.partitions[0]!.completeAndClaim(items, count, leaseMs, promoteLimit, workerId);
    const groups = this.groupIds(items);
    if (groups.size !== 1) {
      const codes = await this.complete(items);
      return { codes, claim: await this.claim(count, leaseMs, promoteLimit, workerId) };
    }
    const [index] = [...groups.keys()] as [number];
    const first = await this.partitions[index]!.completeAndClaim(
      items,
      count,
      leaseMs,
      promoteLimit,
      workerId,
    );
    if (first.claim.tasks.length >= count) return first;
    const rest = await this.claim(count - first.claim.tasks.length, leaseMs, promoteLimit, workerId);
    return { codes: first.codes, claim: mergeClaims([first.claim, rest]) };
  }

  async extend(leases: Lease[], leaseMs: number): Promise<ExtendCode[]> {
    return this.routed(leases, (q, part) => q.extend(part, leaseMs));
  }

  async complete(items: (Lease & { result?: string })[]): Promise<AckCode[]> {
    return this.routed(items, (q, part) => q.complete(part));
  }

  async fail(items: FailItem[]): Promise<FailCode[]> {
    return this.routed(items, (q, part) => q.fail(part));
  }

  async postpone(items: PostponeItem[], maxPostponements?: number): Promise<PostponeCode[]> {
    return this.routed(items, (q, part) => q.postpone(part, maxPostponements));
  }

  async release(leases: Lease[]): Promise<AckCode[]> {
    return this.routed(leases, (q, part) => q.release(part));
  }

  async progress(lease: Lease, value: unknown): Promise<AckCode> {
    return this.partitionOf(lease.id).progress(lease, value);
  }

  async cancel(id: string): Promise<TaskStatus> {
    return this.partitionOf(id).cancel(id);
  }

  async cancelTasks(ids: string[], running: boolean): Promise<TaskActionResult<CancelCode>[]> {
    return this.routed(
      ids.map((id) => ({ id })),
      (q, part) =>
        q.cancelTasks(
          part.map((p) => p.id),
          running,
        ),
    );
  }

  async finishCanceled(leases: Lease[]): Promise<FinishCanceledCode[]> {
    return this.routed(leases, (q, part) => q.finishCanceled(part));
  }

  async runNow(ids: string[]): Promise<TaskActionResult<RunNowCode>[]> {
    return this.routed(
      ids.map((id) => ({ id })),
      (q, part) => q.runNow(part.map((p) => p.id)),
    );
  }

  async deleteFinishedTasks(ids: string[]): Promise<TaskActionResult<DeleteCode>[]> {
    return this.routed(
      ids.map((id) => ({ id })),
      (q, part) => q.deleteFinishedTasks(part.map((p) => p.id)),
    );
  }

  async getTask(id: string): Promise<TaskRecord | null> {
    return this.partitionOf(id).getTask(id);
  }

  async deleteFinished(id: string): ReturnType<Queue['deleteFinished']> {
    return this.partitionOf(id).deleteFinished(id);
  }

  /** Recovers expired leases in every partition (the reaper's look at one logical queue). */
  async reap(limit = 1000): Promise<ReapResult> {
    const all = await Promise.all(this.partitions.map((p) => p.reap(limit)));
    return {
      recovered: all.flatMap((r) => r.recovered),
      dead: all.flatMap((r) => r.dead),
      orphans: all.reduce((n, r) => n + r.orphans, 0),
      canceled: all.flatMap((r) => r.canceled),
    };
  }

  async promote(limit = 1000): Promise<{ scheduled: number; retry: number }> {
    const all = await Promise.all(this.partitions.map((p) => p.promote(limit)));
    return {
      scheduled: all.reduce((n, r) => n + r.scheduled, 0),
      retry: all.reduce((n, r) => n + r.retry, 0),
    };
  }

  /** The earliest due time over the partitions (schedules live in partition 0). */
  async due(): Promise<{ now: number; earliest: number | null; scheduleAt: number | null }> {
    const all = await Promise.all(this.partitions.map((p) => p.due()));
    return {
      now: Math.max(...all.map((d) => d.now)),
      earliest: minOrNull(all.map((d) => d.earliest)),
      scheduleAt: all[0]!.scheduleAt,
    };
  }

  async trim(policy: RetentionPolicy, limit = 1000, archive?: { holdMax: number }): Promise<TrimResult> {
    const all = await Promise.all(this.partitions.map((p) => p.trim(policy, limit, archive)));
    const sum = (f: (r: TrimResult) => number) => all.reduce((n, r) => n + f(r), 0);
    return {
      done: sum((r) => r.done),
      canceled: sum((r) => r.canceled),
      dead: sum((r) => r.dead),
      held: {
        done: sum((r) => r.held.done),
        canceled: sum((r) => r.held.canceled),
        dead: sum((r) => r.held.dead),
      },
      dropped: all.flatMap((r) => r.dropped),
    };
  }

  async requeueDead(ids?: string[]): Promise<{ requeued: string[]; notDead: string[] }> {
    const all = ids
      ? await this.byPartition(ids, (q, part) => q.requeueDead(part))
      : await Promise.all(this.partitions.map((p) => p.requeueDead()));
    return { requeued: all.flatMap((r) => r.requeued), notDead: all.flatMap((r) => r.notDead) };
  }

  async purgeDead(ids?: string[]): Promise<number> {
    const all = ids
      ? await this.byPartition(ids, (q, part) => q.purgeDead(part))
      : await Promise.all(this.partitions.map((p) => p.purgeDead()));
    return all.reduce((n, c) => n + c, 0);
  }

  /** Puts running tasks without a lease back in pending in every partition (see {@link Queue.repair}). */
  async repair(batch = 1000): Promise<string[]> {
    return (await Promise.all(this.partitions.map((p) => p.repair(batch)))).flat();
  }

  /** One logical queue's stats: counts summed, the oldest pending age the largest, limits summed. */
  async stats(): Promise<QueueStats> {
    return (await this.statsByPartition()).stats;
  }

  /**
   * The logical queue's stats (as {@link stats}) and each partition's own, read once: for an operator's
   * per-partition view (the reaper's per-partition backlog gauge) without a second round of stats scripts.
   */
  async statsByPartition(): Promise<{ stats: QueueStats; partitions: QueueStats[] }> {
    const all = await Promise.all(this.partitions.map((p) => p.stats()));
    return { stats: this.mergeStats(all), partitions: all };
  }

  private mergeStats(all: QueueStats[]): QueueStats {
    const first = all[0]!;
    return {
      queue: this.name,
      now: Math.max(...all.map((s) => s.now)),
      counts: sumCounts(all.map((s) => s.counts)),
      paused: all.some((s) => s.paused),
      oldestPendingAgeMs: maxOrNull(all.map((s) => s.oldestPendingAgeMs)),
      expiredLeases: all.reduce((n, s) => n + s.expiredLeases, 0),
      events: first.events,
      groups: all.reduce((n, s) => n + s.groups, 0),
      limits: sumLimits(all.map((s) => s.limits)),
      partitions: this.count,
      draining: this.draining,
    };
  }

  async pause(): Promise<void> {
    await Promise.all(this.partitions.map((p) => p.pause()));
  }

  async resume(): Promise<void> {
    await Promise.all(this.partitions.map((p) => p.resume()));
  }

  /**
   * Splits each limit into per-partition shares that add up to it (ADR 0040): partition i gets
   * floor(L / N), plus one for the first L mod N partitions. A limit below the partition count would give
   * a partition no share: refused (`invalid`). The group concurrency holds per group unchanged (a group's
   * tasks are in one partition unless a partitionKey sends them elsewhere).
   */
  async setLimits(limits: QueueLimits): Promise<void> {
    const problem = shareProblem(limits, this.count);
    // These limits are the caller's own fields (a resize's are not): named as any invalid field is.
    if (problem) throw new TqError('invalid', problem.message, { errors: [problem] });
    const shares = this.shares(limits);
    await Promise.all(this.partitions.map((p, i) => p.setLimits(shares[i]!)));
  }

  /** Each partition's share of `limits`: floor(L / N), plus one for the first L mod N partitions. */
  private shares(limits: QueueLimits): QueueLimits[] {
    const n = this.count;
    const share = (total: number | undefined, i: number) =>
      total === undefined ? undefined : Math.floor(total / n) + (i < total % n ? 1 : 0);
    return this.partitions.map((_, i) => ({
      rate: limits.rate ? { max: share(limits.rate.max, i)!, periodMs: limits.rate.periodMs } : undefined,
      concurrency: share(limits.concurrency, i),
      groupConcurrency: limits.groupConcurrency,
    }));
  }

  async limits(): Promise<QueueLimits> {
    return sumLimits(await Promise.all(this.partitions.map((p) => p.limits())));
  }

  /**
   * One page of the tasks in `state` over all partitions, under one cursor (ADR 0042): the partitions' pages
   * merged in the order ADR 0015 promises. One partition: exactly {@link Queue.listTasks}.
   */
  async listTasks(state: TaskStatus, options: ListTasksOptions = {}): Promise<TaskPageRecord> {
    if (this.count === 1) return this.partitions[0]!.listTasks(state, options);
    return listTasksMerged(this.partitions, state, options);
  }

  /** The groups with the most pending tasks over all partitions (see {@link listGroupsMerged}). */
  async listGroups(limit: number): Promise<GroupList> {
    if (this.count === 1) return this.partitions[0]!.listGroups(limit);
    return listGroupsMerged(this.partitions, limit);
  }

  /** Ended and failed attempts per minute, summed over the partitions. */
  async history(minutes: number): Promise<QueueHistory> {
    if (this.count === 1) return this.partitions[0]!.history(minutes);
    return historyMerged(this.name, this.partitions, minutes);
  }

  /** Sets the events mode of every partition (see {@link Queue.setEventsMode}). */
  async setEventsMode(mode: EventsMode): Promise<void> {
    await Promise.all(this.partitions.map((p) => p.setEventsMode(mode)));
  }

  /**
   * Up to `count` events after event id `after` ('0-0' = from the oldest kept), merged over the partitions
   * (ADR 0042): ids carry every partition's position. `trimmed`: some events after `after` are gone. Throws
   * `invalid` for an id that is not one of this queue's layout.
   */
  async readEvents(
    after: string,
    count = 1000,
  ): Promise<{ events: TaskEvent[]; oldest: string | null; trimmed: boolean }> {
    const positions = this.eventPositions(after);
    if (this.count === 1) {
      const { events, oldest } = await this.partitions[0]!.readEvents(positions[0]!, count);
      const trimmed = after !== '0-0' && oldest !== null && compareStreamIds(oldest, after) > 0;
      return { events, oldest, trimmed };
    }
    return readEventsMerged(this.partitions, positions, count);
  }

  /**
   * The per-partition stream positions of event id `after` ('0-0' = every partition from its start); throws
   * `invalid` when it is not an id of this queue's layout (a queue of another partition count).
   */
  eventPositions(after: string): string[] {
    if (after === '0-0') return this.partitions.map(() => '0-0');
    const positions = parseEventPositions(after, this.count);
    if (!positions) {
      throw new TqError(
        'invalid',
        `event id ${JSON.stringify(after.slice(0, 80))} is not one of queue ${this.name}, which has ${this.count} partition(s): reconnect without Last-Event-ID`,
        { errors: [{ field: 'Last-Event-ID', message: 'not an event id of this queue' }] },
      );
    }
    return positions;
  }

  /** Registers every partition as served (see {@link Queue.register}). */
  async register(): Promise<void> {
    await Promise.all(this.partitions.map((p) => p.register()));
  }

  /**
   * Removes the logical queue when every partition is empty (see {@link Queue.remove}), an operator's
   * `delete` or the reaper's `idle` removal (ADR 0041). The name leaves `tq:queues` once, before any
   * partition's removal script, and comes back when one refuses: per partition the interleavings with an
   * enqueue are ADR 0005's (a task written before the script makes it refuse, one after it finds the
   * `registered` marker gone and registers the queue first), so a task in any partition is never left
   * outside the registry. The layout stays in both modes, for {@link REMOVED_LAYOUT_TTL_MS} (ADR 0050):
   * a producer may still hold it, and its idempotency records in partitions 1.. live that long at most.
   * Partition 0 goes first and gives the layout its TTL; a task that comes to any partition after that
   * partition's removal registers it again and keeps the layout for good ({@link Queue.confirmInRegistry}),
   * and a partition that refuses puts both back.
   */
  async remove(mode: 'delete' | 'idle'): Promise<RemoveResult> {
    const checks = await Promise.all(this.partitions.map((p) => p.removable(mode)));
    const refused = checks.find((check) => check.code !== 'removed');
    // The whole queue's counts, as its stats are: the refusal is shown to operators ("still holds …").
    if (refused) return { code: refused.code, counts: sumCounts(checks.map((check) => check.counts)) };
    const keep = async () => {
      await this.redis.sadd(QUEUES_KEY, this.name);
      if (this.layout.generation > 0) await this.redis.persist(queueKeys(this.name).meta);
    };
    await this.redis.srem(QUEUES_KEY, this.name);
    try {
      let result: RemoveResult | undefined;
      for (const p of this.partitions) {
        const ttl = p.partition === 0 && this.layout.generation > 0 ? await this.layoutTtl() : undefined;
        result = await p.removeUnlisted(mode, ttl);
        if (result.code !== 'removed') {
          await keep();
          return result;
        }
      }
      return result!;
    } catch (error) {
      // Not known to be removed: put the name and the layout back (if Redis lets us) rather than risk
      // hiding the queue or losing its partitions.
      await keep().catch(() => undefined);
      throw error;
    }
  }

  /**
   * How long a removed queue keeps its layout, ms: past the longest idempotency window and every
   * generation still held, plus a settle time for processes that hold the layout.
   */
  private async layoutTtl(): Promise<number> {
    const now = this.clock?.now() ?? (await redisNow(this.redis));
    const held = Math.max(0, ...this.layout.history.map((h) => h.heldUntil - now));
    return Math.max(REMOVED_LAYOUT_TTL_MS, held + RESIZE_SETTLE_MS);
  }

  /** Splits items by the partition of their id, runs `call` per partition, answers in input order. */
  private async routed<T extends { id: string }, R>(
    items: T[],
    call: (queue: Queue, part: T[]) => Promise<R[]>,
  ): Promise<R[]> {
    if (items.length === 0) return [];
    const groups = this.groupIds(items);
    const out = new Array<R>(items.length);
    await Promise.all(
      [...groups].map(async ([index, at]) => {
        const codes = await call(
          this.partitions[index]!,
          at.map((i) => items[i]!),
        );
        codes.forEach((c, i) => (out[at[i]!] = c));
      }),
    );
    return out;
  }

  private async byPartition<R>(
    ids: string[],
    call: (queue: Queue, part: string[]) => Promise<R>,
  ): Promise<R[]> {
    const groups = this.groupIds(ids.map((id) => ({ id })));
    return Promise.all(
      [...groups].map(([index, at]) =>
        call(
          this.partitions[index]!,
          at.map((i) => ids[i]!),
        ),
      ),
    );
  }

  private groupIds(items: { id: string }[]): Map<number, number[]> {
    const groups = new Map<number, number[]>();
    items.forEach((item, at) => {
      const index = this.partitionOf(item.id).partition;
      let list = groups.get(index);
      if (!list) groups.set(index, (list = []));
      list.push(at);
    });
    return groups;
  }
}

/**
 * Reads a queue's partition layout from partition 0's meta (one partition when none is stored). A layout
 * written before resizing existed (no `partitionHistory`, as many tags as partitions) reads unchanged.
 */
export async function readLayout(redis: RedisClient, name: string): Promise<PartitionLayout> {
  const [count, generation, tags, history] = await redis.hmget(
    queueKeys(name).meta,
    'partitions',
    'partitionGen',
    'partitionTags',
    'partitionHistory',
  );
  if (count == null || tags == null) return { count: 1, generation: 0, suffixes: [0], history: [] };
  const suffixes = tags.split(',').map(Number);
  return {
    count: Math.min(Number(count), suffixes.length),
    generation: Number(generation ?? 1),
    suffixes,
    history: history ? (JSON.parse(history) as HeldGeneration[]) : [],
  };
}

/** Writes a layout if the stored generation is still `generation`; else throws `conflict`. */
async function writeLayout(
  redis: RedisClient,
  name: string,
  generation: number,
  count: number,
  suffixes: number[],
  history: HeldGeneration[],
): Promise<void> {
  const [code, stored] = (await runScript(
    redis,
    'resize_partitions',
    [queueKeys(name).meta],
    [generation, count, suffixes.join(','), history.length > 0 ? JSON.stringify(history) : ''],
  )) as [string, number];
  if (code !== 'ok') throw staleGeneration(name, generation, Number(stored));
}

function staleGeneration(name: string, read: number, stored: number): TqError {
  return new TqError(
    'conflict',
    `queue ${name}'s partition layout changed (generation ${read} read, ${stored} stored): open it again and retry`,
    { generation: stored },
  );
}

function assertCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_PARTITIONS) {
    throw new TqError(
      'invalid',
      `partitions must be a whole number from 1 to ${MAX_PARTITIONS}, got ${count}`,
    );
  }
}

/** The first limit below the partition count `n` (it would give a partition no share), else undefined. */
function shareProblem(limits: QueueLimits, n: number): { field: string; message: string } | undefined {
  for (const [field, value] of [
    ['rate.max', limits.rate?.max],
    ['concurrency', limits.concurrency],
  ] as const) {
    if (value !== undefined && Number.isSafeInteger(value) && value < n) {
      return {
        field,
        message:
          `${field} ${value} is below ${n} partitions, each of which needs a share of at least 1: ` +
          `set ${field} to ${n} or more, or clear the queue's limits first`,
      };
    }
  }
  return undefined;
}

/** A limit below the partition count would give a partition no share: `invalid`. */
function assertShares(limits: QueueLimits, n: number): void {
  const problem = shareProblem(limits, n);
  if (problem) throw new TqError('invalid', problem.message);
}

/** Redis TIME in ms (the clock resizes are recorded in when no clock is injected). */
async function redisNow(redis: RedisClient): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** The key a task is hashed by: its partitionKey, else its idempotency key, else its group. */
/** No records held: shared by every task without an idempotency key. */
const NONE_HELD: readonly { key: string; partition: number }[] = [];

function routingKey(task: NewTask): string | undefined {
  const key = task.partitionKey ?? task.idempotencyKey ?? task.group;
  return key === undefined || key === '' ? undefined : key;
}

/** The answer to a submission whose idempotency record was found (as enqueue.lua answers one). */
function seenOutcome(
  record: string,
  task: NewTask,
  queue: string,
  partition: number,
  at: number,
): EnqueueOutcome {
  const sep = record.indexOf(' ');
  const stored = record.slice(0, sep);
  const localId = record.slice(sep + 1);
  const same =
    stored === (task.fingerprint ?? '') ||
    (task.previousFingerprint !== undefined &&
      task.previousFingerprint !== '' &&
      stored === task.previousFingerprint);
  const id = partition === 0 ? `${queue}.${localId}` : `${queue}.${partition}.${localId}`;
  return { status: same ? 'existing' : 'conflict', id, at };
}

/**
 * The placement suffix of each partition: on a Cluster, partition i > 0 gets the smallest suffix whose
 * tag hashes to a slot of master (m0 + i) mod M, where masters are ordered by their first slot and m0 is
 * partition 0's master; elsewhere 0.
 */
async function placeSuffixes(redis: RedisClient, name: string, count: number): Promise<number[]> {
  const suffixes = new Array<number>(count).fill(0);
  if (!isCluster(redis)) return suffixes;
  const ranges = (await redis.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
  const owners = new Map<string, number>();
  const owner = new Array<string>(16384);
  for (const [from, to, [host, port]] of ranges) {
    const master = `${host}:${port}`;
    owners.set(master, Math.min(owners.get(master) ?? from, from));
    for (let s = from; s <= to; s++) owner[s] = master;
  }
  const masters = [...owners].sort((a, b) => a[1] - b[1]).map(([m]) => m);
  const first = masters.indexOf(owner[hashSlot(name)]!);
  for (let i = 1; i < count; i++) {
    const target = masters[(first + i) % masters.length];
    let s = 0;
    while (s < PLACEMENT_TRIES && owner[hashSlot(partitionTag(name, i, s))] !== target) s++;
    suffixes[i] = s < PLACEMENT_TRIES ? s : 0;
  }
  return suffixes;
}

/** FNV-1a, 32 bits: a cheap, stable hash of a partition key. */
function fnv1a(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function mergeClaims(results: ClaimResult[]): ClaimResult {
  const tasks = results.flatMap((r) => r.tasks);
  const limited = results.find((r) => r.limitedBy !== null);
  return {
    now: Math.max(...results.map((r) => r.now)),
    nextDueAt: minOrNull(results.map((r) => r.nextDueAt)),
    tasks,
    // Limited only when nothing was leased and some partition was held back by its limit.
    limitedBy: tasks.length === 0 && limited ? limited.limitedBy : null,
    retryAt: minOrNull(results.map((r) => r.retryAt)),
  };
}

function minOrNull(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : Math.min(...present);
}

function maxOrNull(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : Math.max(...present);
}

function sumLimits(all: QueueLimits[]): QueueLimits {
  const out: QueueLimits = {};
  for (const l of all) {
    if (l.rate) out.rate = { max: (out.rate?.max ?? 0) + l.rate.max, periodMs: l.rate.periodMs };
    if (l.concurrency !== undefined) out.concurrency = (out.concurrency ?? 0) + l.concurrency;
    if (l.groupConcurrency !== undefined) out.groupConcurrency = l.groupConcurrency;
  }
  return out;
}

function sumCounts(all: QueueStats['counts'][]): QueueStats['counts'] {
  const out = { ...all[0]! };
  for (const c of all.slice(1)) {
    for (const state of Object.keys(out) as (keyof typeof out)[]) out[state] += c[state];
  }
  return out;
}
