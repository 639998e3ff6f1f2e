import { Writable } from 'node:stream';
import pino from 'pino';
import { serializeError } from './log-error';
import { createLogger, withSafeErrors } from './logger';

/** An error shaped as ioredis makes a failed reply: the command's arguments attached. */
function replyError(): Error {
  return Object.assign(new Error("READONLY You can't write against a read only replica."), {
    name: 'ReplyError',
    command: { name: 'evalsha', args: ['3f2a…', '1', 'tq:{q}:running', '{"apiKey":"sk_live_1"}'] },
  });
}

function lines(write: (logger: pino.Logger) => void, make: (sink: Writable) => pino.Logger): string {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString();
      done();
    },
  });
  write(make(sink));
  return out;
}

describe('serializeError', () => {
  it("keeps the command's name and drops its arguments", () => {
    expect(serializeError(replyError())).toEqual({
      type: 'ReplyError',
      message: "READONLY You can't write against a read only replica.",
      stack: expect.any(String),
      command: 'evalsha',
    });
  });

  it('keeps network codes, follows causes, and hides URL passwords', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:6379'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
      address: '10.0.0.5',
      port: 6379,
      options: { password: 'pw' },
    });
    const error = new Error('cannot reach redis://:s3cret@10.0.0.5:6379', { cause });
    const out = serializeError(error);
    expect(out.message).toBe('cannot reach redis://***@10.0.0.5:6379');
    expect(out.cause).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect', port: 6379 });
    expect(JSON.stringify(out)).not.toMatch(/s3cret|"pw"/);
  });
});

describe('loggers', () => {
  it.each([
    ['createLogger', (sink: Writable) => createLogger('test', 'info', sink)],
    ['withSafeErrors over a plain pino', (sink: Writable) => withSafeErrors(pino(sink))],
  ])('%s never writes an error\'s command arguments, under "err" or "error"', (_name, make) => {
    const out = lines((logger) => {
      logger.warn({ err: replyError() }, 'a');
      logger.error({ error: replyError() }, 'b');
      logger.child({ component: 'x' }).warn({ err: replyError() }, 'c');
    }, make);
    expect(out.trim().split('\n')).toHaveLength(3);
    expect(out).toContain('"command":"evalsha"');
    expect(out).not.toContain('sk_live_1');
  });
});
