import { QUEUE_NAME_PATTERN, parseTaskId } from '@tq/core';
import type { Request } from 'express';
import { invalidRequest, type FieldProblem } from './problem';

/** Most ids one redrive or purge request may name (more: send several requests, or omit ids for all). */
export const MAX_IDS = 1000;
/** The `:name` path parameter, a valid queue name; 400 otherwise. */
export function queueNameParam(req: Request): string {
  return checkQueueName(String(req.params.name));
}

/** `name` when it is a valid queue name; 400 (field `name`) otherwise. */
export function checkQueueName(name: string): string {
  if (!QUEUE_NAME_PATTERN.test(name)) {
    throw invalidRequest([
      {
        field: 'name',
        message: `queue name ${JSON.stringify(name)} is invalid: use 1-64 letters, digits, "_" or "-"`,
      },
    ]);
  }
  return name;
}

/**
 * Which dead tasks a redrive or purge names: the body's `ids` or the query's `ids` (repeated or
 * comma-separated), else undefined for all of them. Each must be a task id of queue `queue`; 400 otherwise.
 */
export function deadIdsParam(req: Request, queue: string): string[] | undefined {
  const body: unknown = req.body;
  const fromQuery = req.query.ids;
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw invalidRequest([
      { field: '', message: 'the body must be a JSON object {"ids": [...]}, or absent for all dead tasks' },
    ]);
  }
  const unknown = body ? Object.keys(body).filter((k) => k !== 'ids') : [];
  if (unknown.length > 0)
    throw invalidRequest([
      { field: '', message: `unknown field ${unknown.join(', ')}; only "ids" is allowed` },
    ]);
  const fromBody = (body as { ids?: unknown } | undefined)?.ids;
  if (fromBody !== undefined && fromQuery !== undefined) {
    throw invalidRequest([
      { field: 'ids', message: 'give ids in the body or in the query string, not both' },
    ]);
  }
  if (fromBody === undefined && fromQuery === undefined) return undefined;
  // The query parser gives a string, or an array for a repeated ids=.
  const ids =
    fromBody ??
    [fromQuery]
      .flat()
      .flatMap((s) => (typeof s === 'string' ? s.split(',') : []))
      .filter((s) => s !== '');
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_IDS) {
    throw invalidRequest([
      {
        field: 'ids',
        message: `ids must be an array of 1 to ${MAX_IDS} task ids; omit it for all dead tasks`,
      },
    ]);
  }
  const errors: FieldProblem[] = [];
  ids.forEach((id: unknown, i) => {
    const parsed = typeof id === 'string' ? parseTaskId(id) : null;
    if (!parsed || parsed.queue !== queue) {
      errors.push({
        field: `ids.${i}`,
        message: `${JSON.stringify(id)} is not a task id of queue ${queue} (ids look like "${queue}.01JD…")`,
      });
    }
  });
  if (errors.length > 0) throw invalidRequest(errors.slice(0, 20));
  return ids as string[];
}
