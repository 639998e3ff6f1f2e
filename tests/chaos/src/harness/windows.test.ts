import { maxInWindow, slotCoverage } from './windows';

describe('maxInWindow', () => {
  it('counts closed windows: a start exactly periodMs after another is in its window', () => {
    expect(maxInWindow([0, 1000], 1000)).toEqual({ max: 2, from: 0 });
    expect(maxInWindow([0, 1001], 1000)).toEqual({ max: 1, from: 0 });
    expect(maxInWindow([], 1000)).toEqual({ max: 0, from: null });
  });

  it('finds the busiest window across a boundary that fixed windows would split', () => {
    // 10 starts at the end of one second and 10 at the start of the next: 20 in one sliding second.
    const times = [
      ...Array.from({ length: 10 }, (_, i) => 900 + i),
      ...Array.from({ length: 10 }, (_, i) => 1000 + i),
    ];
    expect(maxInWindow(times, 1000)).toEqual({ max: 20, from: 900 });
    // Spread one period apart, never more than 10.
    const spread = Array.from({ length: 100 }, (_, i) => Math.floor(i / 10) * 1001 + (i % 10));
    expect(maxInWindow(spread, 1000).max).toBe(10);
  });

  it('ignores input order and counts equal times', () => {
    expect(maxInWindow([5, 5, 3, 2000, 5], 1000)).toEqual({ max: 4, from: 3 });
  });
});

describe('slotCoverage', () => {
  it('is clean when every slot of (from, to] has one task', () => {
    const tasks = [1000, 2000, 3000].map((slot) => ({ slot, missed: 0 }));
    expect(slotCoverage(tasks, 500, 3000, 1000)).toEqual({ expected: 3, lost: [], doubled: [], outside: [] });
  });

  it('counts a run-once catch-up for the slots it stands for', () => {
    const tasks = [
      { slot: 1000, missed: 0 },
      { slot: 2000, missed: 3 }, // 2000, 3000, 4000
      { slot: 5000, missed: 0 },
    ];
    expect(slotCoverage(tasks, 0, 5000, 1000)).toEqual({ expected: 5, lost: [], doubled: [], outside: [] });
  });

  it('reports lost, doubled and outside slots', () => {
    const tasks = [
      { slot: 1000, missed: 0 },
      { slot: 1000, missed: 0 },
      { slot: 2000, missed: 2 }, // 2000, 3000
      { slot: 3000, missed: 0 },
      { slot: 9000, missed: 0 },
      { slot: 6500, missed: 0 },
    ];
    expect(slotCoverage(tasks, 0, 5000, 1000)).toEqual({
      expected: 5,
      lost: [4000, 5000],
      doubled: [1000, 3000],
      outside: [6500, 9000],
    });
  });
});
