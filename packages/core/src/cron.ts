import { Cron } from 'croner';
import { TqError } from './errors';

/** A DST shift is at most 2 h in any zone: a segment that started longer ago than this needs no care. */
const MAX_SHIFT_MS = 3 * 3600_000;
const DAY_MS = 86_400_000;
/** Segments (offset changes) one `next` may cross before giving up: 200 is a century of DST. */
const MAX_SEGMENTS = 200;
/** The largest time a JavaScript Date holds: the score of a schedule that never fires. */
export const NEVER_MS = 8.64e15;

/**
 * The offsets of one IANA time zone, read from Intl (Node's ICU time zone data). `offset(t)` is the
 * local wall-clock time minus UTC at instant `t`, in ms.
 */
class Zone {
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly name: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  offset(t: number): number {
    const second = Math.floor(t / 1000) * 1000;
    const parts: Record<string, number> = {};
    for (const p of this.format.formatToParts(second)) parts[p.type] = Number(p.value);
    const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour, parts.minute, parts.second);
    return wall - second;
  }

  /** The first instant in (from, until] whose offset is not `offset`, or null. Assumes one change a day at most. */
  change(from: number, until: number, offset: number): number | null {
    let lo = from;
    for (;;) {
      const hi = Math.min(lo + DAY_MS, until);
      if (this.offset(hi) !== offset) {
        let a = lo;
        let b = hi;
        while (b - a > 1) {
          const mid = Math.floor((a + b) / 2);
          if (this.offset(mid) === offset) a = mid;
          else b = mid;
        }
        return b;
      }
      if (hi >= until) return null;
      lo = hi;
    }
  }
}

/** A run of instants with one offset: from `start` (undefined: long enough ago) on, `before` the offset until then. */
interface Segment {
  start: number | undefined;
  offset: number;
  before: number;
}

/**
 * A cron expression in an IANA time zone, with the DST rule of docs/scheduling.md (ADR 0026). croner
 * matches the expression against wall-clock times (it runs in UTC here, where no clock jumps); this
 * class maps wall-clock times to instants:
 * - an expression whose hour field is `*` or `*\/n` (an interval: every n seconds, minutes or hours)
 *   follows real time: in a repeated hour it runs on both passes, and a skipped hour has no instants;
 * - any other expression (a time of day) runs each matching wall-clock time once: a time the clock
 *   skips runs as late as the skip (02:30 becomes 03:30 when 02:00 jumps to 03:00), and a time the
 *   clock repeats runs on its first pass only.
 */
export class CronSchedule {
  private readonly cron: Cron;
  private readonly zone: Zone;
  /** A time of day (see the class doc), rather than an interval. */
  readonly fixedTime: boolean;

  private constructor(
    readonly expression: string,
    readonly timezone: string,
  ) {
    this.cron = new Cron(expression, { timezone: 'UTC', mode: '5-or-6-parts', paused: true });
    this.zone = new Zone(timezone);
    this.fixedTime = !isIntervalExpression(expression);
  }

  /**
   * Parses `expression` (5 fields, or 6 with seconds first; or @yearly, @monthly, @weekly, @daily,
   * @hourly) for `timezone`. Throws TqError `invalid` naming the field (`cron` or `timezone`) and why.
   */
  static parse(expression: string, timezone: string): CronSchedule {
    const cached = parsed.get(`${timezone} ${expression}`);
    if (cached) return cached;
    const errors: { field: string; message: string }[] = [];
    if (!isTimeZone(timezone)) {
      errors.push({
        field: 'timezone',
        message: `${JSON.stringify(timezone)} is not an IANA time zone; use a name such as "Europe/Paris" or "UTC"`,
      });
    }
    if (expression.includes('?')) {
      errors.push({ field: 'cron', message: '"?" is not supported: use "*"' });
    }
    let schedule: CronSchedule | undefined;
    if (errors.length === 0) {
      try {
        schedule = new CronSchedule(expression.trim(), timezone);
      } catch (error) {
        const why = (error as Error).message.replace(/^CronPattern: /, '');
        errors.push({
          field: 'cron',
          message: `${JSON.stringify(expression)} is not a cron expression: ${why} (5 fields "minute hour day-of-month month day-of-week", or 6 with seconds first)`,
        });
      }
    }
    if (schedule && schedule.cron.nextRun(new Date(0)) === null) {
      errors.push({ field: 'cron', message: `${JSON.stringify(expression)} matches no date` });
    }
    if (!schedule || errors.length > 0) {
      const summary = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      throw new TqError('invalid', `the schedule is invalid: ${summary}`, { errors });
    }
    if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value!);
    parsed.set(`${timezone} ${expression}`, schedule);
    return schedule;
  }

  /** `parse(expression, timezone).next(after)`, or null when the expression or zone does not parse. */
  static tryNext(expression: string, timezone: string, after: number): number | null {
    try {
      return CronSchedule.parse(expression, timezone).next(after);
    } catch {
      return null;
    }
  }

  /** The first slot (ms since the epoch) strictly after instant `after`, or null when there is none. */
  next(after: number): number | null {
    let segment = this.segmentAt(after);
    let from = after;
    for (let i = 0; i < MAX_SEGMENTS; i++) {
      const candidate = this.candidate(segment, from);
      if (candidate === null) return null;
      // Valid when the offset holds from here to the candidate; otherwise go on in the next segment.
      const start = Math.max(from, segment.start ?? from);
      const change = this.zone.change(start, candidate, segment.offset);
      if (change === null) return candidate;
      segment = { start: change, offset: this.zone.offset(change), before: segment.offset };
      from = change - 1;
    }
    return null;
  }

  /** The first `count` slots after instant `after`. */
  nextRuns(after: number, count: number): number[] {
    const runs: number[] = [];
    for (let at = this.next(after); at !== null && runs.length < count; at = this.next(at)) runs.push(at);
    return runs;
  }

  /** The segment holding instant `t`, with its start when a change happened in the last few hours. */
  private segmentAt(t: number): Segment {
    const offset = this.zone.offset(t);
    const before = this.zone.offset(t - MAX_SHIFT_MS);
    if (before === offset) return { start: undefined, offset, before };
    return { start: this.zone.change(t - MAX_SHIFT_MS, t, before)!, offset, before };
  }

  /** The first slot of `segment` strictly after `from`, ignoring where the segment ends. */
  private candidate({ start, offset, before }: Segment, from: number): number | null {
    let low = from + offset;
    // The clock went back: a time of day in the repeated range already ran on the first pass.
    if (this.fixedTime && start !== undefined && before > offset) low = Math.max(low, start + before - 1);
    const wall = this.nextWall(low);
    let best = wall === null ? null : wall - offset;
    // The clock jumped forward: a time of day in the skipped range runs as late as the jump.
    if (this.fixedTime && start !== undefined && before < offset) {
      const skipped = this.nextWall(Math.max(from + before, start + before - 1));
      if (skipped !== null && skipped < start + offset) {
        const at = skipped - before;
        if (best === null || at < best) best = at;
      }
    }
    return best;
  }

  /** The first wall-clock time (as ms, read as UTC) matching the expression strictly after `wall`. */
  private nextWall(wall: number): number | null {
    return this.cron.nextRun(new Date(wall))?.getTime() ?? null;
  }
}

/** Parsed schedules, by zone and expression: the reaper computes slots every pass. */
const parsed = new Map<string, CronSchedule>();
const PARSED_MAX = 10_000;

/** Whether the hour field is `*` or `*\/n` (@hourly too): the expression is an interval, not a time of day. */
function isIntervalExpression(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  if (fields.length === 1) return fields[0]!.toLowerCase() === '@hourly';
  const hour = fields[fields.length === 6 ? 2 : 1]!;
  return hour.startsWith('*');
}

function isTimeZone(name: string): boolean {
  if (name.length === 0 || name.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
