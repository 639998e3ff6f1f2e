import { TqError } from './errors';
import { LOCAL_ID_PATTERN as LOCAL_ID } from './ids';
import type { TaskStatus } from './types';

/**
 * Where a page of a state's tasks ended (ADR 0015): the (score, id) of the last entry examined in a
 * sorted-set state, or the priority, index from the tail and id of the last one examined in the pending
 * lists. Clients see it as an opaque base64url string and hand it back for the next page.
 */
export type TaskCursor =
  | { state: Exclude<TaskStatus, 'pending'>; score: string; localId: string }
  | { state: 'pending'; priority: number; tailIndex: number; localId: string };

const VERSION = 't1';
/** Longest cursor accepted (a real one is under 100 characters). */
export const MAX_CURSOR_CHARS = 200;
const SCORE = /^-?\d{1,16}$/;

/** The opaque string of `cursor`. */
export function encodeCursor(cursor: TaskCursor): string {
  const fields =
    cursor.state === 'pending'
      ? [VERSION, cursor.state, cursor.priority, cursor.tailIndex, cursor.localId]
      : [VERSION, cursor.state, cursor.score, cursor.localId];
  return Buffer.from(fields.join('|')).toString('base64url');
}

/** Reads a cursor given for a page of `state`; throws `invalid` (field `cursor`) saying what is wrong. */
export function decodeCursor(text: string, state: TaskStatus): TaskCursor {
  const bad = (why: string) =>
    new TqError('invalid', `cursor is invalid: ${why}`, { errors: [{ field: 'cursor', message: why }] });
  if (text.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(text)) {
    throw bad('pass the nextCursor of the previous page as it is');
  }
  const fields = Buffer.from(text, 'base64url').toString('latin1').split('|');
  if (fields[0] !== VERSION) throw bad('pass the nextCursor of the previous page as it is');
  if (fields[1] !== state) {
    throw bad(`it belongs to a page of ${JSON.stringify(fields[1])} tasks, not ${JSON.stringify(state)}`);
  }
  if (state === 'pending') {
    const [, , priority, tailIndex, localId] = fields;
    if (
      fields.length === 5 &&
      /^\d$/.test(priority!) &&
      /^\d{1,10}$/.test(tailIndex!) &&
      LOCAL_ID.test(localId!)
    ) {
      return { state, priority: Number(priority), tailIndex: Number(tailIndex), localId: localId! };
    }
  } else {
    const [, , score, localId] = fields;
    if (fields.length === 4 && SCORE.test(score!) && LOCAL_ID.test(localId!)) {
      return { state, score: score!, localId: localId! };
    }
  }
  throw bad('pass the nextCursor of the previous page as it is');
}
