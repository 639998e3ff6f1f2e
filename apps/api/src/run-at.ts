import { LIMITS } from '@tq/task';
import type { FieldProblem } from './problem';

/**
 * What is wrong with a submission's `runAt`, checked before the service sees it: the service checks
 * its format but not its range, so an epoch number past the year 275760 became NaN and was dropped
 * (the task ran at once), and a runAt years ahead was stored although delayMs stops at 365 days.
 * Returns [] when runAt is absent, malformed (the service says how) or in range. `field` prefixes the
 * field name, for a batch item.
 */
export function runAtProblems(task: unknown, field = 'runAt', nowMs = Date.now()): FieldProblem[] {
  const runAt = typeof task === 'object' && task !== null ? (task as { runAt?: unknown }).runAt : undefined;
  if (typeof runAt !== 'string' && typeof runAt !== 'number') return [];
  const at = new Date(runAt).getTime();
  if (Number.isNaN(at)) {
    return typeof runAt === 'number'
      ? [{ field, message: 'runAt is not a representable date (epoch ms past the year 275760)' }]
      : [];
  }
  if (at > nowMs + LIMITS.maxDelayMs) {
    return [
      {
        field,
        message: `runAt must be at most ${LIMITS.maxDelayMs / (24 * 3600_000)} days from now, like delayMs`,
      },
    ];
  }
  return [];
}
