import { renderMarkdown, type ScenarioResult } from './report';

const result: ScenarioResult = {
  id: '01-x',
  title: 'workers killed',
  guarantees: ['§2.1 no loss'],
  passed: true,
  startedAt: '2026-11-27T00:00:00.000Z',
  wallMs: 12_400,
  noLossPromised: true,
  check: {
    attempted: 10,
    acknowledged: 9,
    performed: 9,
    deadLettered: 0,
    lost: 0,
    unexpected: 0,
    duplicated: 1,
    recovered: 0,
    lostValues: [],
    valid: true,
  },
  invariants: { tasks: 9, violations: 0, byState: { done: 9 }, sample: [] },
  measured: { 'recovery ms': { n: 2, max: 1500 } },
  notes: ['a note'],
};

describe('renderMarkdown', () => {
  it('has one table row per scenario and its measurements', () => {
    const md = renderMarkdown({ selection: 'all', startedAt: '2026-11-27T00:00:00.000Z', wallMs: 60_000 }, [
      result,
      { ...result, id: '02-y', passed: false, error: 'boom\nstack', check: undefined },
    ]);
    expect(md).toContain('wall time 60 s');
    expect(md).toContain('1 of 2 scenarios passed, 0 skipped');
    expect(md).toContain('| 01-x workers killed | pass | yes | 10 | 9 | 0 | 0 | 1 | 0 | 0 | 0 | 12 |');
    expect(md).toContain('| 02-y workers killed | FAIL | yes | – |');
    expect(md).toContain('- recovery ms: {"n":2,"max":1500}');
    expect(md).toContain('**Failed:** `boom`');
  });
});
