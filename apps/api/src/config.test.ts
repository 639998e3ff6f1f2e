import { ConfigError } from '@tq/ops';
import { loadConfig } from './config';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      PORT: 8080,
      GRPC_PORT: 9090,
      REDIS_URL: 'redis://localhost:6379',
      API_TOKENS: [],
      API_PRODUCER_TOKENS: [],
      MAX_PAYLOAD_BYTES: 1048576,
      QUEUE_MAX_DEPTH: 0,
      QUEUE_NAMES_ALLOWED: [],
      QUEUE_DEFAULT_PARTITIONS: 1,
      QUEUE_MAX_COUNT: 1000,
      SCHEDULE_MAX_COUNT: 10_000,
      METRICS_MAX_QUEUES: 100,
      IDEMPOTENCY_TTL_MS: 86400000,
      REDIS_COMMAND_TIMEOUT_MS: 2000,
      REDIS_ENQUEUE_WAIT_REPLICAS: 0,
      REDIS_ENQUEUE_WAIT_TIMEOUT_MS: 500,
      REDIS_REQUIRE_DURABLE: false,
      SHUTDOWN_TIMEOUT_MS: 10000,
      DASHBOARD_DIR: '',
      CORS_ORIGINS: [],
      SSE_MAX_CLIENTS: 2000,
      TASK_FORMAT: 2,
      SSE_HEARTBEAT_MS: 15000,
      SSE_MAX_BUFFER_BYTES: 1048576,
      DATABASE_URL: '',
      DATABASE_POOL_MAX: 4,
      DATABASE_STATEMENT_TIMEOUT_MS: 10000,
      LOG_LEVEL: 'info',
    });
  });

  it('takes an enqueue replica wait whose timeout is below the command timeout', () => {
    const config = loadConfig({ REDIS_ENQUEUE_WAIT_REPLICAS: '1', REDIS_ENQUEUE_WAIT_TIMEOUT_MS: '300' });
    expect(config).toMatchObject({ REDIS_ENQUEUE_WAIT_REPLICAS: 1, REDIS_ENQUEUE_WAIT_TIMEOUT_MS: 300 });
    expect(() =>
      loadConfig({
        REDIS_ENQUEUE_WAIT_REPLICAS: '1',
        REDIS_ENQUEUE_WAIT_TIMEOUT_MS: '2000',
        REDIS_COMMAND_TIMEOUT_MS: '2000',
      }),
    ).toThrow(/REDIS_ENQUEUE_WAIT_TIMEOUT_MS.*below REDIS_COMMAND_TIMEOUT_MS/);
  });

  it('takes a postgres:// DATABASE_URL and refuses anything else, without echoing it', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://tq:pw@db:5432/tq' }).DATABASE_URL).toBe(
      'postgresql://tq:pw@db:5432/tq',
    );
    expect(() => loadConfig({ DATABASE_URL: 'mysql://tq:s3cret@db/tq' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://tq:s3cret@db/tq' })).not.toThrow(/s3cret/);
  });

  it('parses set values; API_TOKENS and API_PRODUCER_TOKENS are comma lists of token or name:token', () => {
    expect(
      loadConfig({
        PORT: '9000',
        API_TOKENS: 'abc, ops:def,',
        API_PRODUCER_TOKENS: 'billing:ghi, jkl',
        QUEUE_MAX_DEPTH: '10000',
        QUEUE_DEFAULT_PARTITIONS: '3',
        LOG_LEVEL: 'debug',
      }),
    ).toMatchObject({
      PORT: 9000,
      API_TOKENS: [
        { name: 'admin-1', token: 'abc', scope: 'admin' },
        { name: 'ops', token: 'def', scope: 'admin' },
      ],
      API_PRODUCER_TOKENS: [
        { name: 'billing', token: 'ghi', scope: 'producer' },
        { name: 'producer-2', token: 'jkl', scope: 'producer' },
      ],
      QUEUE_MAX_DEPTH: 10000,
      QUEUE_DEFAULT_PARTITIONS: 3,
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
    expect(problems.find((p) => p.startsWith('API_TOKENS'))).toMatch(
      /entry #2: the token has characters a bearer token cannot carry/,
    );
    expect(problems.find((p) => p.startsWith('REDIS_URL'))).toMatch(/not a Redis URL/);
  });

  it('refuses a token given twice or in both lists, a name used twice, and a bad name, without echoing a token', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    };
    const both = problems({ API_TOKENS: 'ops:s3cret-one', API_PRODUCER_TOKENS: 'ci:s3cret-one' });
    expect(both).toEqual([
      expect.stringMatching(/^API_PRODUCER_TOKENS=.*token "ci" is the same token as "ops"/),
    ]);
    expect(problems({ API_TOKENS: 'a:s3cret-one,a:s3cret-two' })).toEqual([
      expect.stringMatching(/^API_TOKENS=.*the name "a" is used twice/),
    ]);
    expect(problems({ API_PRODUCER_TOKENS: 'bad name:s3cret-one' })).toEqual([
      expect.stringMatching(/^API_PRODUCER_TOKENS=.*entry #1: the name before ":" must be/),
    ]);
    expect([...both, ...problems({ API_TOKENS: 'a:s3cret-one,a:s3cret-two' })].join('\n')).not.toMatch(
      /s3cret/,
    );
  });

  it('never shows a token or a Redis password when the configuration is bad', () => {
    let error: unknown;
    try {
      loadConfig({ API_TOKENS: 'valid-token-1,bad token', REDIS_URL: 'redis:/:hunter2@cache:6379' });
    } catch (e) {
      error = e;
    }
    const message = (error as ConfigError).message;
    expect(message).toContain(
      'API_TOKENS=(value hidden: it may hold a secret): entry #2: the token has characters',
    );
    expect(message).toContain('REDIS_URL="redis:/***@cache:6379"');
    for (const secret of ['valid-token-1', 'bad token', 'hunter2']) expect(message).not.toContain(secret);
  });
});
