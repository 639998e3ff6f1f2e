import { submittedPayload, toHistoryView } from './task';

const MIN = 60_000;
const T = Date.UTC(2026, 10, 30, 9, 0); // a minute boundary

describe('toHistoryView', () => {
  it('sums queues minute by minute into the window of the latest read', () => {
    const view = toHistoryView(null, 3, [
      { queue: 'a', now: T + 2 * MIN + 5, firstMinuteAt: T, processed: [1, 2, 3], failed: [0, 1, 0] },
      // Read a little earlier, in the minute before: its window starts a minute earlier.
      { queue: 'b', now: T + 2 * MIN - 5, firstMinuteAt: T - MIN, processed: [7, 10, 20], failed: [7, 0, 1] },
    ]);
    expect(view).toEqual({
      queue: null,
      minutes: 3,
      from: new Date(T).toISOString(),
      now: new Date(T + 2 * MIN + 5).toISOString(),
      totals: { processed: 36, failed: 2 },
      points: [
        { at: new Date(T).toISOString(), processed: 11, failed: 0 },
        { at: new Date(T + MIN).toISOString(), processed: 22, failed: 2 },
        { at: new Date(T + 2 * MIN).toISOString(), processed: 3, failed: 0 },
      ],
    });
  });
});

describe('submittedPayload', () => {
  it("answers what JSON.parse of the stored JSON gives, never the caller's own object", () => {
    const values: unknown[] = [
      'hello',
      '',
      'lone \ud800',
      true,
      false,
      null,
      undefined,
      0,
      -0,
      1.5,
      -7,
      NaN,
      Infinity,
    ];
    const objects: unknown[] = [{ a: 1, b: undefined, d: new Date(T) }, [1, undefined, () => 1], {}];
    for (const value of [...values, ...objects]) {
      const json = JSON.stringify(value ?? null);
      const answer = submittedPayload(value, json);
      expect(Object.is(answer, JSON.parse(json))).toBe(typeof answer !== 'object' || answer === null);
      expect(answer).toEqual(JSON.parse(json));
    }
    for (const value of objects) expect(submittedPayload(value, JSON.stringify(value))).not.toBe(value);
  });
});
