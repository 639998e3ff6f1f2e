import { z } from 'zod';
import {
  ConfigError,
  boolVar,
  describeEnvValue,
  intVar,
  listVar,
  parseEnv,
  postgresUrlVar,
  redisUrlVar,
  stringVar,
} from './env';

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

describe('redisUrlVar and postgresUrlVar', () => {
  const schema = z.object({
    REDIS_URL: redisUrlVar('redis://localhost:6379'),
    DATABASE_URL: postgresUrlVar({ optional: true }),
  });
  const problems = (env: Record<string, string>): string[] => {
    try {
      parseEnv(schema, env);
    } catch (error) {
      return (error as ConfigError).problems;
    }
    return [];
  };

  it('takes URLs that connect, and no DATABASE_URL when it is optional', () => {
    expect(parseEnv(schema, { REDIS_URL: 'redis://:p%40ss@cache:6380/2', DATABASE_URL: ' ' })).toEqual({
      REDIS_URL: 'redis://:p%40ss@cache:6380/2',
      DATABASE_URL: '',
    });
    expect(parseEnv(schema, { DATABASE_URL: 'postgresql://tq:p%25w@db:5432/tq' }).DATABASE_URL).toBe(
      'postgresql://tq:p%25w@db:5432/tq',
    );
  });

  it('refuses at start what would fail every connection, naming the fix and never the password', () => {
    const found = problems({
      REDIS_URL: 'redis://:S3cret%ZZ@cache:6379',
      DATABASE_URL: 'postgres://tq:S3cret@db:notaport/tq',
    });
    expect(found).toEqual([
      expect.stringMatching(
        /^REDIS_URL="redis:\/\/\*\*\*@cache:6379": .*password is not valid percent-encoding.*%25/,
      ),
      expect.stringMatching(
        /^DATABASE_URL="postgres:\/\/\*\*\*@db:notaport\/tq": is not a valid URL: .*port a number/,
      ),
    ]);
    expect(problems({ DATABASE_URL: 'postgres://tq:S3cret%ZZ@db:5432/tq' })).toEqual([
      expect.stringMatching(/^DATABASE_URL=.*is not a valid URL/),
    ]);
    expect(found.join('\n')).not.toContain('S3cret');
  });

  it('requires DATABASE_URL unless optional', () => {
    expect(() => parseEnv(z.object({ DATABASE_URL: postgresUrlVar({ optional: false }) }), {})).toThrow(
      'DATABASE_URL=(unset): is required',
    );
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
