import { randomFillSync } from 'node:crypto';
import { TqError } from './errors';

/** Queue names: letters, digits, `_` and `-`, 1 to 64 characters (no `{`, `}`, `:` or `.`). */
export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Digits, then upper, then lower case: in ASCII order, so compact ids sort as their times do. */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** A format 1 local id (a ULID), or a format 2 one (ADR 0045). */
export const LOCAL_ID_PATTERN = /^(?:[0-9A-HJKMNP-TV-Z]{26}|[0-9A-Za-z]{20})$/;

/**
 * The stored task format (ADR 0045): 1 = the long field names and a 26-character ULID (releases before
 * 0045), 2 = compact (one-letter names for the fields every task has, values at their default left out,
 * a 20-character id). A record's format is told by its id's length; readers take both.
 */
export type TaskFormat = 1 | 2;
/** The format new tasks are written in unless a producer is told otherwise (TASK_FORMAT, docs/operations.md). */
export const DEFAULT_TASK_FORMAT: TaskFormat = 2;
/** Length of a format 2 local id. */
export const COMPACT_ID_LENGTH = 20;

/** Throws `invalid` unless `name` is a valid queue name. */
export function assertQueueName(name: string): void {
  if (!QUEUE_NAME_PATTERN.test(name)) {
    throw new TqError(
      'invalid',
      `queue name ${JSON.stringify(name)} is invalid: use 1-64 letters, digits, "_" or "-"`,
    );
  }
}

/**
 * A new local id that sorts by creation time and never collides in practice. Format 2 (default): 48-bit
 * ms time in 8 base62 characters + 12 random base62 characters (71 bits), 20 characters. Format 1: a
 * ULID (48-bit ms time + 80 random bits, Crockford base32, 26 characters).
 */
export function newLocalId(nowMs: number = Date.now(), format: TaskFormat = DEFAULT_TASK_FORMAT): string {
  if (format === 2) return newCompactId(nowMs);
  let out = '';
  let time = nowMs;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[time % 32]! + out;
    time = Math.floor(time / 32);
  }
  const bytes = pooledRandomBytes(16);
  for (let i = 0; i < 16; i++) out += CROCKFORD[bytes[i]! % 32]!;
  return out;
}

function newCompactId(nowMs: number): string {
  // 248 = 4 * 62: a byte below it picks a character without bias; the few above are drawn again. Bytes are
  // read from the pool in place, one at a time, as pooledRandomBytes(1) would hand them out.
  const c = RANDOM_CODES;
  for (let n = 0; n < 12;) {
    if (poolOffset >= pool.length) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const byte = pool[poolOffset++]!;
    if (byte < 248) c[n++] = BASE62_CODES[byte % 62]!;
  }
  return (
    compactTimePart(nowMs) +
    String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!)
  );
}

const BASE62_CODES = Uint8Array.from(BASE62, (ch) => ch.charCodeAt(0));
const RANDOM_CODES = new Uint8Array(12);
// The time part changes once a millisecond: the ids made within one share it.
let lastMs = -1;
let lastTimePart = '';

/** The 8 base62 characters of a compact id's 48-bit ms time, most significant first. */
function compactTimePart(nowMs: number): string {
  if (nowMs === lastMs) return lastTimePart;
  let out = '';
  let time = nowMs;
  for (let i = 0; i < 8; i++) {
    out = BASE62[time % 62]! + out;
    time = Math.floor(time / 62);
  }
  lastMs = nowMs;
  lastTimePart = out;
  return out;
}

/** A random nonce of 8 base64url characters (48 bits): lease tokens are `<nonce>.<n>`, one nonce per claim. */
export function newLeaseNonce(): string {
  return pooledRandomBytes(6).toString('base64url');
}

// Random bytes are drawn 4 KiB at a time: one system call per 256 ids instead of one per id.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function pooledRandomBytes(n: number): Buffer {
  if (poolOffset + n > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += n;
  return pool.subarray(poolOffset - n, poolOffset);
}

/** Most partitions a queue may have (ADR 0040). */
export const MAX_PARTITIONS = 256;

/**
 * A task id is `<queue>.<local id>`, or `<queue>.<partition>.<local id>` in partition 1.. of a
 * partitioned queue (ADR 0040): the id says which hash slot holds the task, so `GET /tasks/:id` finds it
 * without a scan, in cluster mode too. Partition 0's ids are those of an unpartitioned queue.
 */
export function newTaskId(
  queue: string,
  nowMs?: number,
  partition = 0,
  format: TaskFormat = DEFAULT_TASK_FORMAT,
): string {
  const local = newLocalId(nowMs, format);
  return partition === 0 ? `${queue}.${local}` : `${queue}.${partition}.${local}`;
}

const PARTITION_PATTERN = /^[1-9][0-9]{0,2}$/;

/**
 * The local id of `id` when it is an id of queue `queue` in partition 0 (`<queue>.<local id>`, what
 * `newTaskId(queue)` makes), else undefined: the cheap check before {@link parseTaskId} on the enqueue path.
 */
export function partitionZeroLocalId(id: string, queue: string): string | undefined {
  if (id.charCodeAt(queue.length) !== 46 || !id.startsWith(queue)) return undefined;
  const localId = id.slice(queue.length + 1);
  return LOCAL_ID_PATTERN.test(localId) ? localId : undefined;
}

/**
 * Splits a task id into its queue, local id and partition (only set for partition 1.., see
 * {@link newTaskId}); `null` when it is not a well-formed id.
 */
export function parseTaskId(id: string): { queue: string; localId: string; partition?: number } | null {
  const dot = id.indexOf('.');
  if (dot < 0) return null;
  const queue = id.slice(0, dot);
  let localId = id.slice(dot + 1);
  let partition = 0;
  const second = localId.indexOf('.');
  if (second >= 0) {
    const digits = localId.slice(0, second);
    if (!PARTITION_PATTERN.test(digits)) return null;
    partition = Number(digits);
    if (partition >= MAX_PARTITIONS) return null;
    localId = localId.slice(second + 1);
  }
  if (!QUEUE_NAME_PATTERN.test(queue) || !LOCAL_ID_PATTERN.test(localId)) return null;
  return partition === 0 ? { queue, localId } : { queue, localId, partition };
}
