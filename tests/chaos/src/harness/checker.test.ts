import { check } from './checker';

describe('check', () => {
  it('finds nothing wrong when every acknowledged value was performed once', () => {
    const result = check(
      [
        { value: 1, outcome: 'ok' },
        { value: 2, outcome: 'ok' },
      ],
      [
        { value: 1, attempt: 1, pid: 10 },
        { value: 2, attempt: 1, pid: 11 },
      ],
      [],
    );
    expect(result).toMatchObject({ valid: true, lost: [], unexpected: [], duplicated: [], recovered: [] });
  });

  it('reports an acknowledged value that was neither performed nor dead-lettered as lost', () => {
    const result = check(
      [
        { value: 1, outcome: 'ok' },
        { value: 2, outcome: 'ok' },
        { value: 3, outcome: 'ok' },
      ],
      [{ value: 1, attempt: 1, pid: 1 }],
      [3],
    );
    expect(result).toMatchObject({ valid: false, lost: [2], deadLettered: 1 });
  });

  it('reports values performed but never submitted as unexpected', () => {
    expect(check([], [{ value: 9, attempt: 1, pid: 1 }], []).unexpected).toEqual([9]);
  });

  it('counts duplicates without failing the run (at-least-once)', () => {
    const result = check(
      [{ value: 1, outcome: 'ok' }],
      [
        { value: 1, attempt: 1, pid: 1 },
        { value: 1, attempt: 2, pid: 2 },
      ],
      [],
    );
    expect(result).toMatchObject({ valid: true, duplicated: [{ value: 1, times: 2 }] });
  });

  it('calls performed values whose enqueue outcome was unknown recovered, and does not count unknown ones as lost', () => {
    const result = check(
      [
        { value: 1, outcome: 'info' },
        { value: 2, outcome: 'info' },
        { value: 3, outcome: 'fail' },
      ],
      [{ value: 1, attempt: 1, pid: 1 }],
      [],
    );
    expect(result).toMatchObject({ valid: true, recovered: [1], lost: [] });
  });
});
