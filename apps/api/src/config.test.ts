import { ConfigError } from '@tq/ops';
import { loadConfig } from './config';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      PORT: 8080,
      REDIS_URL: 'redis://localhost:6379',
      API_TOKENS: [],
      MAX_PAYLOAD_BYTES: 1048576,
      QUEUE_MAX_DEPTH: 0,
      QUEUE_NAMES_ALLOWED: [],
      QUEUE_MAX_COUNT: 1000,
      METRICS_MAX_QUEUES: 100,
      IDEMPOTENCY_TTL_MS: 86400000,
      REDIS_COMMAND_TIMEOUT_MS: 2000,
      SHUTDOWN_TIMEOUT_MS: 10000,
      DASHBOARD_DIR: '',
      CORS_ORIGINS: [],
      LOG_LEVEL: 'info',
    });
  });

  it('parses set values; API_TOKENS is a comma list', () => {
    expect(
      loadConfig({ PORT: '9000', API_TOKENS: 'abc, def,', QUEUE_MAX_DEPTH: '10000', LOG_LEVEL: 'debug' }),
    ).toMatchObject({
      PORT: 9000,
      API_TOKENS: ['abc', 'def'],
      QUEUE_MAX_DEPTH: 10000,
      LOG_LEVEL: 'debug',
    });
  });

  it('names every bad variable, and never echoes a token in the message', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'http',
        REDIS_URL: 'localhost:6379',
        API_TOKENS: 'good,bad token',
        MAX_PAYLOAD_BYTES: '0',
        REDIS_COMMAND_TIMEOUT_MS: '2s',
        CORS_ORIGINS: 'https://ok.example,https://ops.example/ui/',
        LOG_LEVEL: 'loud',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.split('=')[0])).toEqual([
      'PORT',
      'REDIS_URL',
      'API_TOKENS',
      'MAX_PAYLOAD_BYTES',
      'REDIS_COMMAND_TIMEOUT_MS',
      'CORS_ORIGINS',
      'LOG_LEVEL',
    ]);
    expect(problems.find((p) => p.startsWith('CORS_ORIGINS'))).toMatch(
      /"https:\/\/ops.example\/ui\/" is not an origin: write scheme:\/\/host\[:port\]/,
    );
    expect(problems.find((p) => p.startsWith('API_TOKENS'))).toMatch(/token #2 has characters/);
    expect(problems.find((p) => p.startsWith('REDIS_URL'))).toMatch(/not a Redis URL/);
  });

  it('never shows a token or a Redis password when the configuration is bad', () => {
    let error: unknown;
    try {
      loadConfig({ API_TOKENS: 'valid-token-1,bad token', REDIS_URL: 'redis:/:hunter2@cache:6379' });
    } catch (e) {
      error = e;
    }
    const message = (error as ConfigError).message;
    expect(message).toContain('API_TOKENS=(value hidden: it may hold a secret): token #2 has characters');
    expect(message).toContain('REDIS_URL="redis:/***@cache:6379"');
    for (const secret of ['valid-token-1', 'bad token', 'hunter2']) expect(message).not.toContain(secret);
  });
});
