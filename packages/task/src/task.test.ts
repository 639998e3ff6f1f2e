import { toHistoryView } from './task';

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
