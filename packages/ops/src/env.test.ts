import { z } from 'zod';
import { ConfigError, boolVar, describeEnvValue, intVar, listVar, parseEnv, stringVar } from './env';

const schema = z.object({
  PORT: intVar(8080, 1, 65535),
  QUEUES: listVar(['default']),
  REDIS_URL: stringVar('redis://localhost:6379'),
});

describe('parseEnv', () => {
  it('applies defaults when variables are unset', () => {
    expect(parseEnv(schema, {})).toEqual({
      PORT: 8080,
      QUEUES: ['default'],
      REDIS_URL: 'redis://localhost:6379',
    });
  });

  it('parses set values', () => {
    expect(parseEnv(schema, { PORT: '9000', QUEUES: 'a, b,,c' })).toMatchObject({
      PORT: 9000,
      QUEUES: ['a', 'b', 'c'],
    });
  });

  it('names each bad variable, its value and the allowed range', () => {
    let error: unknown;
    try {
      parseEnv(z.object({ PORT: intVar(8080, 1, 65535), WORKER_CONCURRENCY: intVar(10, 1, 1000) }), {
        PORT: 'eighty',
        WORKER_CONCURRENCY: '0',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PORT="eighty": must be a whole number from 1 to 65535',
      'WORKER_CONCURRENCY="0": must be a whole number from 1 to 1000',
    ]);
  });
});

describe('describeEnvValue', () => {
  it.each([
    ['API_TOKENS', 'tok-1,tok-2', '(value hidden: it may hold a secret)'],
    ['SMTP_PASSWORD', 'pw', '(value hidden: it may hold a secret)'],
    ['API_KEY', 'k', '(value hidden: it may hold a secret)'],
    ['REDIS_URL', 'redis://:pw@cache:6379', '"redis://***@cache:6379"'],
    ['DATABASE_URL', 'postgres://app:pw@db/tq', '"postgres://***@db/tq"'],
    ['REDIS_URL', 'redis:/:pw@cache', '"redis:/***@cache"'],
    ['PORT', 'eighty', '"eighty"'],
    ['QUEUE_MAX_DEPTH', '-1', '"-1"'],
  ])('shows %s=%s as %s', (name, value, shown) => {
    expect(describeEnvValue(name, value)).toBe(shown);
  });

  it('hides secrets inside the messages of a failed parse too', () => {
    const schema = z.object({
      SOME_URL: z.string().refine(() => false, { error: 'cannot reach redis://u:pw@h:1' }),
    });
    expect(() => parseEnv(schema, { SOME_URL: 'x' })).toThrow('SOME_URL="x": cannot reach redis://***@h:1');
  });
});

describe('boolVar', () => {
  const schema = z.object({ FLAG: boolVar(false) });
  it.each([
    [undefined, false],
    ['', false],
    ['1', true],
    ['TRUE', true],
    ['yes', true],
    ['0', false],
    ['off', false],
  ])('reads %p as %p', (raw, expected) => {
    expect(parseEnv(schema, { FLAG: raw }).FLAG).toBe(expected);
  });

  it('refuses anything else, saying what is accepted', () => {
    expect(() => parseEnv(schema, { FLAG: 'maybe' })).toThrow('FLAG="maybe": must be 1 or 0');
  });
});
