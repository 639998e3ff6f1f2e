import { loadConfig } from './config';

const URL = 'postgres://tq:pw@db:5432/tq';

describe('archiver config', () => {
  it('needs DATABASE_URL, and uses the documented defaults otherwise', () => {
    expect(() => loadConfig({})).toThrow(/DATABASE_URL=\(unset\): is required/);
    const config = loadConfig({ DATABASE_URL: URL });
    expect(config).toMatchObject({
      DATABASE_URL: URL,
      ARCHIVER_INTERVAL_MS: 1000,
      ARCHIVER_BATCH_SIZE: 1000,
      ARCHIVE_RETENTION_MS: 0,
      METRICS_PORT: 9103,
    });
  });

  it('names a bad DATABASE_URL without showing its password', () => {
    let message = '';
    try {
      loadConfig({ DATABASE_URL: 'mysql://tq:hunter2@db/tq', ARCHIVER_BATCH_SIZE: '0' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/DATABASE_URL=.*must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(message).toMatch(/ARCHIVER_BATCH_SIZE="0"/);
    expect(message).not.toContain('hunter2');
  });
});
