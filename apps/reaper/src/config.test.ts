import { DEFAULT_RETENTION } from '@tq/core';
import { loadConfig } from './config';

describe('reaper config', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      REAPER_INTERVAL_MS: 1000,
      REAPER_QUEUES: [],
      RETENTION_FINISHED_MAX_AGE_MS: DEFAULT_RETENTION.finishedMaxAgeMs,
      RETENTION_FINISHED_MAX_COUNT: DEFAULT_RETENTION.finishedMaxCount,
      RETENTION_DEAD_MAX_AGE_MS: DEFAULT_RETENTION.deadMaxAgeMs,
      RETENTION_DEAD_MAX_COUNT: DEFAULT_RETENTION.deadMaxCount,
      REPAIR_INTERVAL_MS: 600_000,
      REAPER_FUNCTION_RETENTION_MS: 86_400_000,
      METRICS_PORT: 9102,
      TASK_FORMAT: 2,
    });
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({ REAPER_INTERVAL_MS: 'soon', REAPER_QUEUES: 'a,{b}' })).toThrow(
      /REAPER_INTERVAL_MS="soon": must be a whole number from 10 to 3600000\n.*REAPER_QUEUES="a,\{b\}": must be a comma-separated list of queue names/,
    );
  });
});
