import type { RunningTask } from './running-task';

/**
 * The tasks a worker runs, each in a slot of one array: adding and removing a task moves at most one other
 * and allocates nothing. A Map by lease token rebuilt its hash table as tasks came and went, ~110 bytes per
 * task in a 1×100 drain (ADR 0058).
 */
export class RunningTasks {
  private readonly entries: (RunningTask | undefined)[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Call once per attempt, when it starts. */
  add(entry: RunningTask): void {
    entry.slot = this.count;
    if (this.count < this.entries.length) this.entries[this.count] = entry;
    else this.entries.push(entry);
    this.count++;
  }

  /** Takes `entry` out; false when it was not in (never added, or taken out already). */
  delete(entry: RunningTask): boolean {
    const i = entry.slot;
    if (i < 0 || this.entries[i] !== entry) return false;
    const last = this.entries[--this.count]!;
    this.entries[i] = last;
    last.slot = i;
    this.entries[this.count] = undefined;
    entry.slot = -1;
    return true;
  }

  /** The running tasks now: a copy, so the caller may take tasks out while it goes through them. */
  values(): RunningTask[] {
    return this.entries.slice(0, this.count) as RunningTask[];
  }
}
