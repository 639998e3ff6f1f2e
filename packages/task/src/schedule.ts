import { CronSchedule, type MisfirePolicy, type OverlapPolicy, type ScheduleRecord } from '@tq/core';

/** A schedule as the API shows it: times are ISO 8601 strings, the task's payload is parsed JSON. */
export interface ScheduleView {
  id: string;
  /** The queue its tasks go to (also `task.queue`). */
  queue: string;
  cron: string;
  timezone: string;
  task: {
    queue: string;
    type: string;
    payload: unknown;
    priority: number;
    maxAttempts: number;
    timeoutMs: number | null;
  };
  misfire: MisfirePolicy;
  misfireGraceMs: number;
  overlap: OverlapPolicy;
  paused: boolean;
  /** Counts every change; each change of the schedule or firing of a slot adds one. */
  revision: number;
  createdAt: string;
  updatedAt: string;
  /** The next slot to fire; null while paused (or when the expression matches no later date). */
  nextRunAt: string | null;
  /** The last task it enqueued: its id, the slot it stands for, and when it was enqueued; null before the first. */
  last: { taskId: string; slot: string | null; firedAt: string | null } | null;
  counts: ScheduleRecord['counts'];
}

/** A schedule with its next runs (`GET /schedules/:id`). */
export interface ScheduleDetail extends ScheduleView {
  /** The next slots, from `nextRunAt` on (empty while paused). */
  nextRuns: string[];
}

const iso = (ms: number | undefined | null): string | null =>
  ms === undefined || ms === null ? null : new Date(ms).toISOString();

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // written by something other than tq: show it as it is
  }
}

/** Turns a stored schedule into the API's view of it. */
export function toScheduleView(record: ScheduleRecord): ScheduleView {
  return {
    id: record.id,
    queue: record.queue,
    cron: record.cron,
    timezone: record.timezone,
    task: {
      queue: record.queue,
      type: record.task.type,
      payload: parseJson(record.task.payload),
      priority: record.task.priority,
      maxAttempts: record.task.maxAttempts,
      timeoutMs: record.task.timeoutMs ?? null,
    },
    misfire: record.misfire,
    misfireGraceMs: record.misfireGraceMs,
    overlap: record.overlap,
    paused: record.paused,
    revision: record.revision,
    createdAt: iso(record.createdAt)!,
    updatedAt: iso(record.updatedAt)!,
    nextRunAt: iso(record.nextAt),
    last:
      record.lastTaskId === undefined
        ? null
        : { taskId: record.lastTaskId, slot: iso(record.lastSlot), firedAt: iso(record.lastFiredAt) },
    counts: record.counts,
  };
}

/** The view with the next `runs` slots from `nextAt` (none while paused, or when the cron no longer parses). */
export function toScheduleDetail(record: ScheduleRecord, runs: number): ScheduleDetail {
  const nextRuns: string[] = [];
  if (record.nextAt !== null) {
    let parsed: CronSchedule | undefined;
    try {
      parsed = CronSchedule.parse(record.cron, record.timezone);
    } catch {
      // Stored by an older version, or edited by hand: no runs to show.
    }
    let at: number | null = record.nextAt;
    while (parsed && at !== null && nextRuns.length < runs) {
      nextRuns.push(new Date(at).toISOString());
      at = parsed.next(at);
    }
  }
  return { ...toScheduleView(record), nextRuns };
}
