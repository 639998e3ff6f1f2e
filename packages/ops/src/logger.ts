import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs to stdout, one line per event, with the service name on every line. */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({ level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}
