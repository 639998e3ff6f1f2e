import type { TaskStatus, TqErrorCode } from '@tq/core';
import type { TaskAction } from './schema';

/** What a bulk task action did (`TaskService.bulkAction`). */
export interface TaskActionOutcome {
  queue: string;
  action: TaskAction;
  /** The state acted on, or null when the request named ids. */
  state: TaskStatus | null;
  /** The tasks the action changed. */
  applied: string[];
  /** Running tasks whose cancel was requested (action cancel): each ends canceled at its next lease extension. */
  cancelRequested: string[];
  /** The tasks the action refused: the state each was in (null: no such task), and why. */
  refused: { id: string; status: TaskStatus | null; reason: string }[];
  /** By state: pass it as `cursor` to act on the next page; null at the end (and for ids). */
  nextCursor: string | null;
}

/** The state a successful answer of each action's script leaves a task in. */
const DONE_CODES: Readonly<Record<TaskAction, readonly string[]>> = {
  run: ['pending'],
  retry: ['requeued'],
  cancel: ['canceled', 'cancel_requested'],
  delete: ['deleted'],
};

/**
 * Why an action's script refused a task, as an error code and a message that says the task's state and what
 * to do instead; undefined when it did not refuse. `result.code` is the script's code.
 */
export function refusal(
  action: TaskAction,
  result: { id: string; code: string; status: TaskStatus | null },
): { code: TqErrorCode; message: string } | undefined {
  const { id, code, status } = result;
  if (DONE_CODES[action].includes(code)) return undefined;
  if (code === 'not_found' || status === null) {
    return { code: 'not_found', message: `task ${id} does not exist (or was deleted by retention)` };
  }
  const is = `task ${id} is ${status}`;
  const what: Record<TaskAction, string> = {
    run: `${is}: only scheduled and retry tasks wait for a time and can be run now${
      status === 'dead' ? '; retry it instead (POST /tasks/{id}/retry)' : ''
    }`,
    retry: `${is}: only dead tasks can be retried${
      status === 'scheduled' || status === 'retry' ? '; run it now instead (POST /tasks/{id}/run)' : ''
    }`,
    cancel: `${is} already: finished tasks cannot be canceled; delete it with DELETE /tasks/{id}/record`,
    delete: `${is}: only finished tasks (done, dead, canceled) can be deleted; cancel it first (POST /tasks/{id}/cancel)`,
  };
  return { code: 'conflict', message: what[action] };
}
