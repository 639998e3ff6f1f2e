import { MAX_CURSOR_CHARS } from './cursor';
import { TqError } from './errors';
import { DEFAULT_SCAN_BUDGET, type Queue } from './queue';
import type {
  GroupList,
  ListTasksOptions,
  QueueHistory,
  TaskEvent,
  TaskPageRecord,
  TaskStatus,
  TaskSummaryRecord,
} from './types';

/**
 * Reading one logical queue over its partitions (ADR 0042): task pages merged under one cursor, groups,
 * per-minute history and event streams. Each partition is read by its own scripts (one slot each); the
 * merge happens here.
 */

const MERGED_VERSION = 'm1';
/** A partition whose walk reached its end (in a merged cursor). */
const DONE = '~';

/**
 * The longest merged cursor accepted for `count` partitions: one partition cursor each. The query
 * parameter limit of the API follows it (`maxCursorChars`).
 */
export function maxMergedCursorChars(count: number): number {
  return Math.ceil(((MAX_CURSOR_CHARS + 1) * count + 16) / 3) * 4;
}

/**
 * One page of `state` over all `partitions`, in the order ADR 0015 promises for one queue: the partitions'
 * own pages merged head by head — pending by priority (9 first) then ready time, due states by due time,
 * finished states newest first; ties by partition. The merge stops where a partition that has more ran out
 * of its page, so no task of it that sorts before the stop is left for a later page. The merged cursor holds
 * one cursor per partition (where its walk is): a task that stays in its state is never skipped, as in one
 * queue; a pending task may be shown twice, as in one queue.
 */
export async function listTasksMerged(
  partitions: readonly Queue[],
  state: TaskStatus,
  options: ListTasksOptions,
): Promise<TaskPageRecord> {
  const limit = options.limit ?? 50;
  const from =
    options.cursor === undefined
      ? partitions.map(() => '')
      : decodeMerged(options.cursor, state, partitions.length);
  // The scan budget is the page's (docs/api.md), not each partition's: the partitions asked share it
  // (each still examines at least `limit`, as one queue's page does).
  const asked = from.filter((c) => c !== DONE).length;
  const scanBudget = Math.ceil((options.scanBudget ?? DEFAULT_SCAN_BUDGET) / Math.max(1, asked));
  const pages = await Promise.all(
    partitions.map((p, i) =>
      from[i] === DONE
        ? Promise.resolve(null)
        : p.listTasks(state, {
            ...options,
            limit,
            scanBudget,
            cursor: from[i] || undefined,
            withCursors: true,
          }),
    ),
  );
  const taken: number[] = partitions.map(() => 0);
  const tasks: TaskSummaryRecord[] = [];
  const before = orderOf(state);
  const head = (i: number) => ({
    task: pages[i]!.tasks[taken[i]!]!,
    score: pages[i]!.scores?.[taken[i]!] ?? 0,
  });
  while (tasks.length < limit) {
    let best = -1;
    let blocked = false;
    pages.forEach((page, i) => {
      if (!page || blocked) return;
      if (taken[i]! >= page.tasks.length) {
        // A partition with more beyond its page: what it holds next is unknown, stop here.
        if (page.next !== null) blocked = true;
        return;
      }
      if (best < 0 || before(head(i), head(best))) best = i;
    });
    if (blocked || best < 0) break;
    tasks.push(head(best).task);
    taken[best]!++;
  }
  const next = pages.map((page, i) => {
    if (!page) return DONE;
    if (taken[i] === page.tasks.length) return page.next ?? DONE;
    return taken[i] === 0 ? from[i]! : page.cursors![taken[i]! - 1]!;
  });
  const sum = (f: (p: TaskPageRecord) => number) => pages.reduce((n, p) => n + (p ? f(p) : 0), 0);
  const counted = await Promise.all(
    // A partition walked to its end still counts its tasks in the total (whatever the type filter).
    pages.map((page, i) =>
      page ? Promise.resolve(page) : partitions[i]!.listTasks(state, { limit: 1, group: options.group }),
    ),
  );
  const merged: TaskPageRecord = {
    state,
    total: counted.reduce((n, p) => n + p.total, 0),
    scanned: sum((p) => p.scanned),
    next: next.every((c) => c === DONE) ? null : encodeMerged(state, next),
    tasks,
  };
  if (state === 'pending' && options.group === undefined) {
    merged.inGroups = counted.reduce((n, p) => n + (p.inGroups ?? 0), 0);
  }
  return merged;
}

interface Head {
  task: TaskSummaryRecord;
  /** Its score in the state's sorted set (not pending). */
  score: number;
}

/** Whether `a` comes before `b` in the list order of `state` (ADR 0015), across partitions. */
function orderOf(state: TaskStatus): (a: Head, b: Head) => boolean {
  if (state === 'pending') {
    const ready = (h: Head) => h.task.readyAt ?? h.task.createdAt;
    return (a, b) =>
      a.task.priority !== b.task.priority ? a.task.priority > b.task.priority : ready(a) < ready(b);
  }
  return LIST_DESC.has(state) ? (a, b) => a.score > b.score : (a, b) => a.score < b.score;
}

/** States listed newest first (ADR 0015); the others due first. */
const LIST_DESC = new Set<TaskStatus>(['dead', 'done', 'canceled']);

function encodeMerged(state: TaskStatus, cursors: string[]): string {
  return Buffer.from([MERGED_VERSION, state, cursors.length, ...cursors].join('|')).toString('base64url');
}

/** The per-partition cursors of a merged cursor; throws `invalid` (field `cursor`) saying what is wrong. */
function decodeMerged(text: string, state: TaskStatus, count: number): string[] {
  const bad = (why: string) =>
    new TqError('invalid', `cursor is invalid: ${why}`, { errors: [{ field: 'cursor', message: why }] });
  const again = 'pass the nextCursor of the previous page as it is';
  if (text.length > maxMergedCursorChars(count) || !/^[A-Za-z0-9_-]+$/.test(text)) throw bad(again);
  const fields = Buffer.from(text, 'base64url').toString('latin1').split('|');
  if (fields[0] !== MERGED_VERSION) throw bad(again);
  if (fields[1] !== state) {
    throw bad(`it belongs to a page of ${JSON.stringify(fields[1])} tasks, not ${JSON.stringify(state)}`);
  }
  if (fields[2] !== String(count) || fields.length !== count + 3) {
    throw bad(
      `it was made for ${fields[2]} partitions and the queue now has ${count}: start again without a cursor`,
    );
  }
  // Each partition's own cursor is checked when its page is read.
  return fields.slice(3);
}

/**
 * The groups with the most pending tasks over all partitions: a group whose tasks a partitionKey spread over
 * several partitions is summed; `total` and `running` add the partitions' counts, so such a group counts
 * once per partition it is in.
 */
export async function listGroupsMerged(partitions: readonly Queue[], limit: number): Promise<GroupList> {
  const all = await Promise.all(partitions.map((p) => p.listGroups(limit)));
  const byName = new Map<string, { group: string; pending: number; running: number }>();
  for (const list of all) {
    for (const g of list.groups) {
      const seen = byName.get(g.group);
      if (seen) {
        seen.pending += g.pending;
        seen.running += g.running;
      } else byName.set(g.group, { ...g });
    }
  }
  return {
    total: all.reduce((n, l) => n + l.total, 0),
    running: all.reduce((n, l) => n + l.running, 0),
    groups: [...byName.values()]
      .sort((a, b) => b.pending - a.pending || a.group.localeCompare(b.group))
      .slice(0, limit),
  };
}

/**
 * Ended and failed attempts per minute, summed over the partitions minute by minute (each partition's
 * minutes are placed by its own Redis time, so partitions on masters whose clocks differ still add up in
 * the right minute).
 */
export async function historyMerged(
  name: string,
  partitions: readonly Queue[],
  minutes: number,
): Promise<QueueHistory> {
  const all = await Promise.all(partitions.map((p) => p.history(minutes)));
  const first = all.reduce((a, b) => (a.firstMinuteAt >= b.firstMinuteAt ? a : b));
  const processed = new Array<number>(minutes).fill(0);
  const failed = new Array<number>(minutes).fill(0);
  for (const h of all) {
    const shift = Math.round((h.firstMinuteAt - first.firstMinuteAt) / 60_000);
    h.processed.forEach((n, i) => {
      const at = i + shift;
      if (at >= 0 && at < minutes) {
        processed[at]! += n;
        failed[at]! += h.failed[i] ?? 0;
      }
    });
  }
  return { queue: name, now: first.now, firstMinuteAt: first.firstMinuteAt, processed, failed };
}

/**
 * The event id of a partitioned queue (ADR 0042): the stream position of every partition after the event,
 * `<ms>-<seq>` each, joined by `_` in partition order. One partition: the stream id itself, as before.
 */
export function formatEventPositions(positions: readonly string[]): string {
  return positions.join('_');
}

/** The per-partition positions of an event id of a queue of `count` partitions; null when it is not one. */
export function parseEventPositions(id: string, count: number): string[] | null {
  const parts = id.split('_');
  if (parts.length !== count || !parts.every((p) => /^\d{1,15}-\d{1,15}$/.test(p))) return null;
  return parts;
}

/** Orders two stream ids `<ms>-<seq>`: negative, 0, positive. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}

/**
 * Up to `count` events of all partitions after `after` (one position per partition), merged by time (Redis
 * time of each partition's master, then partition), each with the event id of the positions after it.
 * `trimmed` is true when some partition's stream no longer holds every event after its position (a partition
 * that had none at the id: when it trimmed any since).
 */
export async function readEventsMerged(
  partitions: readonly Queue[],
  after: readonly string[],
  count: number,
): Promise<{ events: TaskEvent[]; oldest: string | null; trimmed: boolean }> {
  // Whether a partition lost events after its position: its stream is asked (unless the whole id is
  // '0-0', from the oldest kept). At '0-0' the partition held nothing when the client saw it, so any event
  // it has dropped since was never seen.
  const fromStart = after.every((a) => a === '0-0');
  const [reads, infos] = await Promise.all([
    Promise.all(partitions.map((p, i) => p.readEvents(after[i]!, count))),
    Promise.all(partitions.map((p) => (fromStart ? Promise.resolve(null) : p.eventStreamInfo()))),
  ]);
  const positions = [...after];
  const taken = reads.map(() => 0);
  const events: TaskEvent[] = [];
  while (events.length < count) {
    let best = -1;
    let blocked = false;
    reads.forEach((r, i) => {
      if (blocked) return;
      const head = r.events[taken[i]!];
      if (!head) {
        // A full page may have more after it: stop before anything later than its unread events.
        if (r.events.length === count) blocked = true;
        return;
      }
      if (best < 0 || compareStreamIds(head.id, reads[best]!.events[taken[best]!]!.id) < 0) best = i;
    });
    if (blocked || best < 0) break;
    const event = reads[best]!.events[taken[best]!]!;
    taken[best]!++;
    positions[best] = event.id;
    events.push({ ...event, id: formatEventPositions(positions) });
  }
  const trimmed = reads.some((r, i) => {
    const info = infos[i];
    if (!info) return false;
    if (after[i] === '0-0') return info.entriesAdded > info.length;
    if (r.oldest === null) return compareStreamIds(info.lastGenerated, after[i]!) > 0;
    return compareStreamIds(r.oldest, after[i]!) > 0;
  });
  const oldest = reads.every((r) => r.oldest === null)
    ? null
    : formatEventPositions(reads.map((r) => r.oldest ?? '0-0'));
  return { events, oldest, trimmed };
}
