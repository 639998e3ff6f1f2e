/**
 * The only place key strings are built. Every key of a queue carries the hash tag `{<queue>}`, so a
 * queue lives on one Redis Cluster slot and every script of a queue can run there.
 */

/** The set of known queue names. Never touched inside a multi-key script (it has no queue tag). */
export const QUEUES_KEY = 'tq:queues';

/**
 * The schedule registry: a HASH of schedule id -> the name of the queue that holds it, so a schedule is
 * found by id and every schedule is listed without a scan. Like `tq:queues`, never inside a multi-key
 * script (it has no queue tag); at most SCHEDULE_MAX_COUNT entries (the `register_schedule` script).
 */
export const SCHEDULES_KEY = 'tq:schedules';

/**
 * Set (never expiring) while task history is archived to PostgreSQL (ADR 0030): every reaper then deletes
 * only finished tasks an archiver confirmed. Written by the archiver at start; an operator deletes it to
 * turn archiving off (docs/history.md). Never touched inside a multi-key script (it has no queue tag).
 */
export const ARCHIVE_KEY = 'tq:archive';

/**
 * The script libraries' loads (ADR 0065): a HASH of function library name -> when a tq process last loaded it
 * (ms, the loader's clock), and the lock one reaper holds while it deletes the libraries of other tq versions
 * that no process has loaded for a while. No queue tag; never touched inside a script.
 */
export const FUNCTION_KEYS = {
  loads: 'tq:functions',
  pruning: 'tq:functions:pruning',
} as const;

/**
 * The live-worker registry (ADR 0016): a ZSET of worker ids scored by when each one's record expires,
 * and one record per worker, a STRING with a TTL. Both carry the hash tag `{tq.workers}`, which no queue
 * name can spell (queue names have no dot), so they share one Cluster slot and one script reads both.
 */
export const WORKER_KEYS = {
  index: 'tq:{tq.workers}:index',
  /** Prefix of the records: `tq:{tq.workers}:worker:<worker id>`. */
  recordPrefix: 'tq:{tq.workers}:worker:',
} as const;

/** The keys and channel of one queue. */
export interface QueueKeys {
  /**
   * What every key of the queue starts with, `tq:{q}:`: the scripts of the task path (enqueue, complete, claim,
   * complete_and_claim) take it as their one key and derive the names below from it, spelled the same (ADR
   * 0052, 0056).
   */
  base: string;
  /** Prefix of the pending LISTs, one per priority 0..9: `tq:{q}:pending:<priority>`. */
  pendingPrefix: string;
  scheduled: string;
  running: string;
  retry: string;
  dead: string;
  done: string;
  canceled: string;
  /**
   * HASH of queue settings: paused, events (on/off; absent = auto), eventsUntil (ms: auto mode's listener
   * lease), the limits (rateMax, ratePeriodMs, concurrency, groupConcurrency) and `grouped` (a task with a
   * group was stored: claims rotate over the groups). Any field but a lapsed eventsUntil and `grouped`
   * keeps an empty queue from idle removal.
   */
  meta: string;
  /**
   * ZSET '<lease token> <task id>' -> start ms: the task starts of the last rate period (ADR 0028), at most
   * rateMax.
   */
  starts: string;
  /**
   * Prefix of the fair-group keys (ADR 0029); the scripts derive the same names from it (lua/lib/groups.lua):
   * `<prefix>p:<group>:<priority>` a group's pending LISTs, and the keys below.
   */
  groupPrefix: string;
  /** ZSET group -> its pending tasks; a group leaves at 0. */
  groupBacklog: string;
  /** HASH group -> its running tasks; a field leaves at 0. */
  groupRunning: string;
  /** ZSET group -> turn: the groups claims take in turn ('' = the tasks without a group). */
  groupRotation: string;
  /** STRING: the pending tasks of all groups together (deleted at 0). */
  groupPending: string;
  /**
   * STRING "1" while the queue is in `tq:queues`: the enqueue script writes nothing without it, so a task
   * is never stored in a queue that was removed from the registry (the producer registers it first).
   */
  registered: string;
  /** STRING with a TTL, refreshed by every worker serving the queue: keeps an empty queue from idle removal. */
  served: string;
  /** STREAM of task events (state changes, progress), capped with MAXLEN ~ (see lua/lib/events.lua). */
  events: string;
  /**
   * HASH of the archive hand-off (ADR 0030): per finished set its frontier (`done`, `canceled`, `dead`:
   * "<score> <id>" of the last entry archived), `epoch`, and the archiver lease (`lease`, `leaseUntil`).
   */
  archive: string;
  /** ZSET id -> deleted-at ms of finished tasks a user deleted, kept an hour (archivers check it). */
  deleted: string;
  /** Prefix of task hashes: `tq:{q}:task:<local id>`. */
  taskPrefix: string;
  /** Prefix of idempotency keys: `tq:{q}:idem:<key>`. */
  idempotencyPrefix: string;
  /** Prefix of redrive snapshots: `tq:{q}:redrive:<nonce>`, a ZSET of the dead tasks a redrive started with. */
  redrivePrefix: string;
  /** Prefix of the per-hour counts of ended attempts: `tq:{q}:history:<hour since the epoch>`. */
  historyPrefix: string;
  /**
   * ZSET of the queue's schedules: id -> its next slot (ms), or NEVER_MS while paused. The reaper's `due`
   * look reads its head; the enqueue of a schedule's task and the advance of its cursor are one script on
   * this queue's slot.
   */
  schedules: string;
  /** Prefix of schedule hashes: `tq:{q}:schedule:<schedule id>` (definition, cursor, counters). */
  schedulePrefix: string;
  /** Pub/sub channel idle workers wait on; published when pending goes from empty to non-empty. */
  wakeChannel: string;
  /**
   * LIST of at most one element, the id of the latest wake (lua/lib/settings.lua `send_wake`), which the
   * message on `wakeChannel` carries too: a parked claim (ADR 0061) waits on it with BLPOP, and the claim
   * queued behind the pop runs the moment one wake is pushed. Deleted with the queue.
   */
  signal: string;
  /**
   * Prefix of each worker's unpark LIST, `tq:{q}:unpark:<worker id>`: the worker pushes one element to end its
   * own parked claim at once (an event its claim must see, a due time, stop); the pop takes it, and a leftover
   * expires after UNPARK_TTL_MS.
   */
  unparkPrefix: string;
}

/**
 * Builds the keys of queue `queue`. The name must already be valid (see `assertQueueName`). `tag` is the
 * hash tag of the keys: the queue name itself, or for partition i > 0 of a partitioned queue its
 * {@link partitionTag} (ADR 0040), so each partition lives on its own Cluster slot.
 */
export function queueKeys(queue: string, tag: string = queue): QueueKeys {
  const base = `tq:{${tag}}:`;
  return {
    base,
    pendingPrefix: `${base}pending:`,
    scheduled: `${base}scheduled`,
    running: `${base}running`,
    retry: `${base}retry`,
    dead: `${base}dead`,
    done: `${base}done`,
    canceled: `${base}canceled`,
    meta: `${base}meta`,
    starts: `${base}starts`,
    groupPrefix: `${base}g:`,
    groupBacklog: `${base}g:backlog`,
    groupRunning: `${base}g:running`,
    groupRotation: `${base}g:rotation`,
    groupPending: `${base}g:pending`,
    registered: `${base}registered`,
    served: `${base}served`,
    events: `${base}events`,
    archive: `${base}archive`,
    deleted: `${base}deleted`,
    taskPrefix: `${base}task:`,
    idempotencyPrefix: `${base}idem:`,
    historyPrefix: `${base}history:`,
    redrivePrefix: `${base}redrive:`,
    schedules: `${base}schedules`,
    schedulePrefix: `${base}schedule:`,
    wakeChannel: `${base}wake`,
    signal: `${base}signal`,
    unparkPrefix: `${base}unpark:`,
  };
}

/**
 * The prefix of group `group`'s pending lists (`<prefix><priority>`, 0..9) in queue `queue` (or in the
 * partition whose hash tag is `tag`).
 */
export function groupPendingPrefix(queue: string, group: string, tag: string = queue): string {
  return `${queueKeys(queue, tag).groupPrefix}p:${group}:`;
}

/** The SCAN pattern matching every task hash of a queue (or of the partition whose hash tag is `tag`). */
export function taskKeyPattern(queue: string, tag: string = queue): string {
  return `${queueKeys(queue, tag).taskPrefix}*`;
}

/**
 * The hash tag of partition `index` of queue `queue` (ADR 0040): partition 0 is the queue's own tag
 * `queue` (an unpartitioned queue is its partition 0), partition i > 0 is `queue#i`, or `queue#i-s` for a
 * placement suffix s > 0 chosen when the partition was created so that partitions spread over the
 * Cluster's masters. No queue name holds `#`, so no partition tag is another queue's tag.
 */
export function partitionTag(queue: string, index: number, suffix = 0): string {
  if (index === 0) return queue;
  return suffix === 0 ? `${queue}#${index}` : `${queue}#${index}-${suffix}`;
}

/** Number of Redis Cluster hash slots. */
export const CLUSTER_SLOTS = 16384;

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/**
 * The Redis Cluster hash slot of `key`: CRC16 (XMODEM) of its hash tag (the part between the first `{`
 * and the next `}` when not empty, else the whole key) modulo 16384, as Redis computes it.
 */
export function hashSlot(key: string): number {
  let part = key;
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) part = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(part, 'utf8'))
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc % CLUSTER_SLOTS;
}
