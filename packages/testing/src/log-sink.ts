import { Writable } from 'node:stream';

/** A stream for a JSON-lines logger (pino) in tests: every line written lands parsed in `lines`. */
export interface LogSink {
  stream: Writable;
  lines: Record<string, unknown>[];
  /** The lines whose `msg` starts with `prefix`. */
  find(prefix: string): Record<string, unknown>[];
}

/** Makes a {@link LogSink}. Pass `sink.stream` as the logger's destination. */
export function logSink(): LogSink {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return {
    stream,
    lines,
    find: (prefix) => lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith(prefix)),
  };
}
