import pino, { type DestinationStream, type Logger } from 'pino';
import { serializeError } from './log-error';

export type { Logger };

/** Errors logged under `err` or `error` go through serializeError: never a Redis command's arguments. */
const SAFE_SERIALIZERS = { err: serializeError, error: serializeError };

/** JSON logs to stdout (or `destination`), one line per event, with the service name on every line. */
export function createLogger(service: string, level = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: SAFE_SERIALIZERS,
    },
    destination,
  );
}

/**
 * `logger` with tq's error serializer, for components that accept a caller's logger (the worker and
 * reaper as libraries, the API app): whatever logger they get, an error never logs its data.
 */
export function withSafeErrors(logger: Logger): Logger {
  return logger.child({}, { serializers: SAFE_SERIALIZERS });
}
