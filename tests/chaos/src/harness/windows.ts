/**
 * The checks of scenario 14 (cron and rate limits under kills), pure so they are unit-tested on their own:
 * the most starts in any sliding window, and whether a schedule's tasks cover each of its slots once.
 */

/** The most of `times` (ms) in any closed window [t, t + periodMs], and the first window that holds it. */
export function maxInWindow(times: number[], periodMs: number): { max: number; from: number | null } {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let from: number | null = null;
  let end = 0;
  // A window that holds the most can start at a start time: slide its start over them.
  for (let i = 0; i < sorted.length; i++) {
    if (end < i) end = i;
    while (end + 1 < sorted.length && sorted[end + 1]! <= sorted[i]! + periodMs) end++;
    const count = end - i + 1;
    if (count > max) {
      max = count;
      from = sorted[i]!;
    }
  }
  return { max, from };
}

/** A cron task as Redis records it: the slot it fired for, and the missed slots it stands for (run-once). */
export interface FiredSlot {
  slot: number;
  missed: number;
}

export interface SlotCoverage {
  /** Slots in (from, to]. */
  expected: number;
  /** Expected slots no task stands for. */
  lost: number[];
  /** Slots more than one task stands for (once per extra task). */
  doubled: number[];
  /** Slots a task stands for outside (from, to], or off the step. */
  outside: number[];
}

/**
 * Whether `tasks` stand for each slot of a schedule firing every `stepMs` (aligned to it, as `*\/1 * * * * *`
 * is to whole seconds) in (from, to] exactly once: a task with `missed` = 0 stands for its slot, a run-once
 * catch-up for `missed` consecutive slots starting at its slot.
 */
export function slotCoverage(tasks: FiredSlot[], from: number, to: number, stepMs: number): SlotCoverage {
  const seen = new Map<number, number>();
  for (const t of tasks) {
    for (let i = 0; i < Math.max(1, t.missed); i++) {
      const slot = t.slot + i * stepMs;
      seen.set(slot, (seen.get(slot) ?? 0) + 1);
    }
  }
  const lost: number[] = [];
  const doubled: number[] = [];
  let expected = 0;
  for (let slot = Math.floor(from / stepMs) * stepMs + stepMs; slot <= to; slot += stepMs) {
    expected++;
    const n = seen.get(slot) ?? 0;
    if (n === 0) lost.push(slot);
    for (let i = 1; i < n; i++) doubled.push(slot);
    seen.delete(slot);
  }
  return { expected, lost, doubled, outside: [...seen.keys()].sort((a, b) => a - b) };
}
