import { median, percentile, round } from './stats';

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it('is NaN for no values', () => expect(median([])).toBeNaN());
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
  });
  it('returns the only value for one sample', () => expect(percentile([7], 99)).toBe(7));
});

describe('round', () => {
  it('keeps significant digits', () => expect(round(123456.789, 4)).toBe(123500));
});
