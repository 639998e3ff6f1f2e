import { TqError } from '@tq/core';

/** Where a history page ended: the (finished_at, id) of its last task. Opaque to clients. */
export interface HistoryCursor {
  /** ISO 8601. */
  finishedAt: string;
  id: string;
}

const PREFIX = 'h1.';

/** The cursor of the page after the task (finishedAt, id). */
export function encodeHistoryCursor(finishedAt: string, id: string): string {
  return PREFIX + Buffer.from(JSON.stringify([finishedAt, id])).toString('base64url');
}

/** Reads a cursor made by {@link encodeHistoryCursor}; throws `invalid` for anything else. */
export function decodeHistoryCursor(cursor: string): HistoryCursor {
  const bad = () =>
    new TqError(
      'invalid',
      "cursor is not one a history search returned: pass a page's nextCursor as it is, or none for the first page",
      {
        errors: [{ field: 'cursor', message: 'not a history search cursor' }],
      },
    );
  if (!cursor.startsWith(PREFIX)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    typeof parsed[1] !== 'string' ||
    Number.isNaN(Date.parse(parsed[0]))
  )
    throw bad();
  return { finishedAt: parsed[0], id: parsed[1] };
}
