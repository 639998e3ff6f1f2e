import type { Logger } from '@tq/ops';

/** Largest stored result; a bigger one is replaced by a note (task hashes must stay small). */
const RESULT_MAX_BYTES = 1024 * 1024;

/**
 * The handler's result as stored JSON; undefined (no result) when it is not serializable. Warnings go to
 * `task.logger`, read only when there is one (a task's child logger is made on first use).
 */
export function serializeResult(result: unknown, task: { readonly logger: Logger }): string | undefined {
  let json: string | undefined;
  try {
    json = JSON.stringify(result);
  } catch (error) {
    task.logger.warn({ err: error }, 'the handler result is not serializable as JSON; storing none');
    return undefined;
  }
  if (json !== undefined && Buffer.byteLength(json) > RESULT_MAX_BYTES) {
    task.logger.warn(
      { bytes: Buffer.byteLength(json) },
      'the handler result is over 1 MiB; storing a note instead',
    );
    return JSON.stringify({ truncated: true, bytes: Buffer.byteLength(json) });
  }
  return json;
}
