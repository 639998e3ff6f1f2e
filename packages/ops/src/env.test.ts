import { z } from 'zod';
import { ConfigError, intVar, listVar, parseEnv, stringVar } from './env';

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
