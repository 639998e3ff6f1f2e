import { TqError } from '@tq/core';
import type { FieldError } from '@tq/task';
import { HttpProblem } from './problem';

/**
 * Turns the service's "payload is too large" 400 into the 413 the API promises; other errors pass
 * through. The service has no code of its own for it: it is the `invalid` error on field `payload`,
 * the only check the service makes on a payload.
 */
export function payloadTooLarge(error: unknown, maxPayloadBytes: number): unknown {
  if (!(error instanceof TqError) || error.code !== 'invalid') return error;
  const errors = (error.details?.errors ?? []) as FieldError[];
  const payloadError = errors.find((e) => e.field === 'payload');
  if (!payloadError) return error;
  return new HttpProblem(
    'payload-too-large',
    `${payloadError.message} (MAX_PAYLOAD_BYTES ${maxPayloadBytes})`,
    {
      errors: [payloadError],
    },
  );
}
