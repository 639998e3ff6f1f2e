import { ConfigError } from '@tq/ops';
import { loadConfig } from './config';

describe('worker config', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      REDIS_URL: 'redis://localhost:6379',
      QUEUES: ['default'],
      WORKER_POOL: 'default',
      QUEUE_DEFAULT_PARTITIONS: 1,
      WORKER_CONCURRENCY: 10,
      CLAIM_BATCH: 20,
      VISIBILITY_TIMEOUT_MS: 30_000,
      TASK_TIMEOUT_MS: 300_000,
      BACKOFF_BASE_MS: 1000,
      BACKOFF_CAP_MS: 3_600_000,
      IDLE_POLL_MS: 5000,
      MAX_POSTPONEMENTS: 20,
      SHUTDOWN_TIMEOUT_MS: 25_000,
      METRICS_PORT: 9101,
      HTTP_TASK_ALLOWED_HOSTS: [],
      HTTP_TASK_ALLOW_PRIVATE_ADDRESSES: false,
      HANDLER_MODULES: [],
    });
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({
        QUEUES: 'ok,not ok',
        WORKER_CONCURRENCY: '0',
        HTTP_TASK_ALLOWED_HOSTS: 'http://x',
        SMTP_URL: 'mail.example.com',
        BACKOFF_BASE_MS: '5000',
        BACKOFF_CAP_MS: '10',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['QUEUES', 'WORKER_CONCURRENCY', 'HTTP_TASK_ALLOWED_HOSTS', 'SMTP_URL'])
      expect(problems).toContain(`${name}=`);
  });

  it('never shows the SMTP or Redis password of a bad variable', () => {
    let error: unknown;
    try {
      loadConfig({
        SMTP_URL: 'smtp:/mailer:hunter2@mail.example.com',
        REDIS_URL: 'redis://:s3cret@cache:6379',
        WORKER_CONCURRENCY: '0',
      });
    } catch (e) {
      error = e;
    }
    const message = (error as ConfigError).message;
    expect(message).toContain('SMTP_URL="smtp:/***@mail.example.com": must be an smtp://');
    for (const secret of ['hunter2', 'mailer', 's3cret']) expect(message).not.toContain(secret);
  });

  it('takes a worker pool name, the pool label of the slot metrics', () => {
    expect(loadConfig({ WORKER_POOL: 'emails' }).WORKER_POOL).toBe('emails');
    expect(() => loadConfig({ WORKER_POOL: 'emails{x="1"}' })).toThrow(
      /WORKER_POOL=.*must be a worker pool name/,
    );
  });

  it('takes the partitions of the queues it is first to use, 1 to 256', () => {
    expect(loadConfig({ QUEUE_DEFAULT_PARTITIONS: '3' }).QUEUE_DEFAULT_PARTITIONS).toBe(3);
    for (const bad of ['0', '257', 'two'])
      expect(() => loadConfig({ QUEUE_DEFAULT_PARTITIONS: bad })).toThrow(/QUEUE_DEFAULT_PARTITIONS=/);
  });

  it('wants BACKOFF_CAP_MS at least BACKOFF_BASE_MS', () => {
    expect(() => loadConfig({ BACKOFF_BASE_MS: '5000', BACKOFF_CAP_MS: '10' })).toThrow(
      'BACKOFF_CAP_MS="10": must be at least BACKOFF_BASE_MS',
    );
  });
});
