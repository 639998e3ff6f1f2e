import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScenarioResult } from './report';

/** jest's --json summary, the part read here. */
interface JestSummary {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: { assertionResults: { title: string; status: string }[] }[];
}

/** Runs jest, as the chaos suite does, on one file of test-support/ and returns its summary. */
function runJest(file: string, env: Record<string, string>): JestSummary {
  const root = join(__dirname, '..', '..');
  const config = {
    rootDir: root,
    testEnvironment: 'node',
    transform: { '^.+\\.ts$': 'ts-jest' },
    testMatch: [`<rootDir>/src/harness/test-support/${file}`],
  };
  const run = spawnSync(
    process.execPath,
    [require.resolve('jest/bin/jest'), '--json', '--config', JSON.stringify(config)],
    { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' },
  );
  const json = run.stdout.slice(run.stdout.indexOf('{'));
  if (!json) throw new Error(`jest printed no summary (exit ${run.status}):\n${run.stderr}`);
  return JSON.parse(json) as JestSummary;
}

describe('scenario', () => {
  it('shows a selected scenario that cannot run on this machine as skipped, not passed, and records why', () => {
    const results = mkdtempSync(join(tmpdir(), 'tq-chaos-results-'));
    const summary = runJest('unavailable.scenario.ts', { TQ_CHAOS: 'all', CHAOS_RESULTS_DIR: results });
    expect(summary).toMatchObject({ numPassedTests: 0, numFailedTests: 0, numPendingTests: 1 });
    expect(summary.testResults[0]!.assertionResults).toEqual([
      expect.objectContaining({ title: 'skipped: the fixture tool is not installed', status: 'pending' }),
    ]);
    const recorded = JSON.parse(readFileSync(join(results, '99-unavailable.json'), 'utf8')) as ScenarioResult;
    expect(recorded.skipped).toBe('the fixture tool is not installed');
  });
});
