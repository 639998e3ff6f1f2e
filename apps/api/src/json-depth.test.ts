import { jsonDepth } from './json-depth';

describe('jsonDepth', () => {
  it('counts arrays and objects as levels and scalars as none', () => {
    expect(jsonDepth('text')).toBe(0);
    expect(jsonDepth(null)).toBe(0);
    expect(jsonDepth({})).toBe(1);
    expect(jsonDepth({ a: [1, { b: 2 }], c: 3 })).toBe(3);
  });

  it('measures 100,000 levels without overflowing the stack', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
    expect(jsonDepth(deep)).toBe(100_000);
  });

  it('stops at limit + 1 once the value is deeper than the limit', () => {
    const deep = JSON.parse('['.repeat(1000) + ']'.repeat(1000)) as unknown;
    expect(jsonDepth(deep, 10)).toBe(11);
    expect(jsonDepth([[1]], 2)).toBe(2);
  });
});
