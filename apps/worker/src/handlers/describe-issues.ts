import type { z } from 'zod';

/** One line naming each problem of a payload, for the error a handler throws (and the task's history). */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message).join('; ');
}
