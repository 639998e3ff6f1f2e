import { isAscii } from 'node:buffer';
import type { ClaimedTask } from './types';

/** What every task of one claim shares: its queue, the prefix of its ids, and the claim's time. */
export interface ClaimOrigin {
  queue: string;
  /** `<queue>.` or `<queue>.<partition>.`: a task's id is this and its local id. */
  idPrefix: string;
  /** The claim's time, ms: each task's `startedAt`. */
  now: number;
}

/** The claim script's reply read (claim.lua): its line of figures, then the leased tasks. */
export interface ClaimReplyRead {
  now: number;
  /** -1 = none. */
  nextDueAt: number;
  /** -1 = not rate limited. */
  retryAt: number;
  /** '' = nothing held the claim back. */
  limitedBy: string;
  tasks: ClaimedTask[];
}

/**
 * Reads the claim script's reply from `reply[from]` on (ADR 0060): the line "<now> <nextDueAt> <retryAt>
 * <limitedBy>", then the leased tasks packed (readClaimedTasks), or nothing when none was leased.
 */
export function readClaimReply(reply: Buffer, from: number, queue: string, idPrefix: string): ClaimReplyRead {
  const end = reply.indexOf(10, from);
  const figures = reply.toString('latin1', from, end < 0 ? reply.length : end).split(' ');
  if (end < 0 || figures.length !== 4)
    throw new Error(`the claim reply does not start with its line of four figures: ${figures.join(' ')}`);
  const now = Number(figures[0]);
  return {
    now,
    nextDueAt: Number(figures[1]),
    retryAt: Number(figures[2]),
    limitedBy: figures[3]!,
    tasks: end + 1 === reply.length ? [] : readClaimedTasks(reply, end + 1, { queue, idPrefix, now }),
  };
}

/**
 * The claimed tasks' strings from `rows[at]` on, two per task (its fields, its payload), packed (ADR 0054):
 * the number of strings and the byte length of each as 4-byte big-endian numbers, then the strings one after
 * the other. Decoded as ioredis decodes each string of a reply (UTF-8). A body all ASCII (ids, numbers, most
 * types and payloads) is made one string, and each task is read from it in place (ADR 0058): its fields are
 * cut where the spaces are and its numbers read digit by digit, with no string per row or per number and no
 * array per task.
 */
export function readClaimedTasks(rows: Buffer, at: number, origin: ClaimOrigin): ClaimedTask[] {
  const count = rows.readUInt32BE(at);
  const start = at + 4 + 4 * count;
  const text = isAscii(rows.subarray(start)) ? rows.toString('latin1') : undefined;
  const tasks = new Array<ClaimedTask>(count >>> 1);
  let from = start;
  for (let i = at + 4, t = 0; i < start; i += 8, t++) {
    const to = from + rows.readUInt32BE(i);
    const end = to + rows.readUInt32BE(i + 4);
    if (text === undefined) {
      const fields = rows.toString('utf8', from, to);
      tasks[t] = taskAt(fields, 0, fields.length, rows.toString('utf8', to, end), origin);
    } else tasks[t] = taskAt(text, from, to, text.slice(to, end), origin);
    from = end;
  }
  if (from !== rows.length)
    throw new Error(`the claim reply's string lengths add up to ${from - at}, not ${rows.length - at}`);
  return tasks;
}

/**
 * The task whose fields are `text[from, to)`: id, token, attempt, max attempts, timeout ('' = none),
 * created at, ready at, traceparent ('' = none), separated by single spaces, then its type (the rest, which
 * may hold spaces).
 */
function taskAt(text: string, from: number, to: number, payload: string, origin: ClaimOrigin): ClaimedTask {
  const idEnd = space(text, from, to);
  const tokenEnd = space(text, idEnd + 1, to);
  const attemptEnd = space(text, tokenEnd + 1, to);
  const maxEnd = space(text, attemptEnd + 1, to);
  const timeoutEnd = space(text, maxEnd + 1, to);
  const createdEnd = space(text, timeoutEnd + 1, to);
  const readyEnd = space(text, createdEnd + 1, to);
  const traceEnd = space(text, readyEnd + 1, to);
  return new Claimed(
    origin.idPrefix + text.slice(from, idEnd),
    origin.queue,
    text.slice(idEnd + 1, tokenEnd),
    numberAt(text, tokenEnd + 1, attemptEnd),
    text.slice(traceEnd + 1, to),
    payload,
    numberAt(text, attemptEnd + 1, maxEnd),
    timeoutEnd === maxEnd + 1 ? undefined : numberAt(text, maxEnd + 1, timeoutEnd),
    numberAt(text, timeoutEnd + 1, createdEnd),
    numberAt(text, createdEnd + 1, readyEnd),
    origin.now,
    traceEnd === readyEnd + 1 ? undefined : text.slice(readyEnd + 1, traceEnd),
  );
}

/**
 * A claimed task, made by a constructor rather than an object literal: V8 tracks each literal's survival
 * and, the claim's tasks all surviving their first young-generation GCs at the start of a drain, put every
 * later task straight into the old generation, where only a full GC frees it, and the strings it points to
 * with it (ADR 0058).
 */
class Claimed implements ClaimedTask {
  constructor(
    readonly id: string,
    readonly queue: string,
    readonly token: string,
    readonly attempt: number,
    readonly type: string,
    readonly payload: string,
    readonly maxAttempts: number,
    readonly timeoutMs: number | undefined,
    readonly createdAt: number,
    readonly readyAt: number,
    readonly startedAt: number,
    readonly traceparent: string | undefined,
  ) {}
}

/** The next space in `text[from, to)`; a task's fields without one are not what the claim script writes. */
function space(text: string, from: number, to: number): number {
  const at = text.indexOf(' ', from);
  if (at < 0 || at >= to) throw new Error(`a claimed task's fields end early: ${text.slice(from, to)}`);
  return at;
}

/**
 * The number written in `text[from, to)`: read digit by digit when it is a plain decimal integer (what the
 * scripts write), else as `Number()` reads it.
 */
function numberAt(text: string, from: number, to: number): number {
  if (to === from || to - from > 15) return Number(text.slice(from, to));
  let n = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number(text.slice(from, to));
    n = n * 10 + digit;
  }
  return n;
}
