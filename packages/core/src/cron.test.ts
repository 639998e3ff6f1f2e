import { CronSchedule } from './cron';

const PARIS = 'Europe/Paris';
const iso = (ms: number) => new Date(ms).toISOString();
/** Local wall-clock time in Paris, "dd/mm hh:mm:ss". */
const paris = (ms: number) =>
  new Date(ms).toLocaleString('en-GB', { timeZone: PARIS, hour12: false }).slice(0, 5) +
  ' ' +
  new Date(ms).toLocaleTimeString('en-GB', { timeZone: PARIS, hour12: false });

function slots(expression: string, fromIso: string, untilIso: string, timezone = PARIS): number[] {
  const schedule = CronSchedule.parse(expression, timezone);
  const until = Date.parse(untilIso);
  const out: number[] = [];
  for (let at = schedule.next(Date.parse(fromIso)); at !== null && at <= until; at = schedule.next(at)) {
    out.push(at);
  }
  return out;
}

describe('CronSchedule', () => {
  it('reads 5 fields, 6 with seconds first, and nicknames, strictly after the given instant', () => {
    const s = CronSchedule.parse('*/15 * * * *', 'UTC');
    expect(iso(s.next(Date.parse('2026-01-01T00:00:00Z'))!)).toBe('2026-01-01T00:15:00.000Z');
    expect(iso(s.next(Date.parse('2026-01-01T00:14:59.999Z'))!)).toBe('2026-01-01T00:15:00.000Z');
    const seconds = CronSchedule.parse('*/1 * * * * *', 'UTC');
    expect(seconds.nextRuns(Date.parse('2026-01-01T00:00:00.400Z'), 3).map(iso)).toEqual([
      '2026-01-01T00:00:01.000Z',
      '2026-01-01T00:00:02.000Z',
      '2026-01-01T00:00:03.000Z',
    ]);
    expect(iso(CronSchedule.parse('@daily', 'Asia/Tokyo').next(Date.parse('2026-01-01T00:00:00Z'))!)).toBe(
      '2026-01-01T15:00:00.000Z',
    );
  });

  it('refuses bad expressions and zones with a message naming the field', () => {
    const problem = (cron: string, timezone = 'UTC') => {
      try {
        CronSchedule.parse(cron, timezone);
        return 'accepted';
      } catch (error) {
        return (error as { details: { errors: { field: string; message: string }[] } }).details.errors;
      }
    };
    expect(problem('61 * * * *')).toEqual([
      { field: 'cron', message: expect.stringContaining('Invalid value for minute: 61') },
    ]);
    expect(problem('* * *')).toEqual([
      { field: 'cron', message: expect.stringContaining('or 6 with seconds') },
    ]);
    expect(problem('* * * * * * *')).toEqual([
      { field: 'cron', message: expect.stringContaining('7 parts') },
    ]);
    expect(problem('0 0 30 2 *')).toEqual([{ field: 'cron', message: '"0 0 30 2 *" matches no date' }]);
    expect(problem('0 ? * * *')).toEqual([{ field: 'cron', message: '"?" is not supported: use "*"' }]);
    expect(problem('* * * * *', 'Mars/Olympus')).toEqual([
      { field: 'timezone', message: expect.stringContaining('is not an IANA time zone') },
    ]);
  });

  // Europe/Paris: 2026-03-29 02:00 CET -> 03:00 CEST (01:00Z); 2026-10-25 03:00 CEST -> 02:00 CET (01:00Z).
  describe('across DST changes in Europe/Paris', () => {
    it('runs a time of day once every day: a skipped 02:30 runs at 03:30, a repeated one once', () => {
      const spring = slots('30 2 * * *', '2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z');
      expect(spring.map(paris)).toEqual([
        '27/03 02:30:00',
        '28/03 02:30:00',
        '29/03 03:30:00',
        '30/03 02:30:00',
      ]);
      const autumn = slots('30 2 * * *', '2026-10-23T00:00:00Z', '2026-10-27T00:00:00Z');
      expect(autumn.map(iso)).toEqual([
        '2026-10-23T00:30:00.000Z',
        '2026-10-24T00:30:00.000Z',
        '2026-10-25T00:30:00.000Z', // the first 02:30 (CEST); the second (CET) does not run
        '2026-10-26T01:30:00.000Z',
      ]);
    });

    it('runs every wall-clock time of a time-of-day list once, also inside the changing hour', () => {
      // croner alone runs "*/30 2 * * *" on neither 02:00 nor 02:30 of the spring day, and twice each in autumn.
      expect(slots('*/30 2 * * *', '2026-03-28T12:00:00Z', '2026-03-29T12:00:00Z').map(paris)).toEqual([
        '29/03 03:00:00',
        '29/03 03:30:00',
      ]);
      expect(slots('*/30 2 * * *', '2026-10-24T12:00:00Z', '2026-10-25T12:00:00Z').map(paris)).toEqual([
        '25/10 02:00:00',
        '25/10 02:30:00',
      ]);
      // 02:00 runs one hour late, at 03:00: the instant of 03:00 itself, so one task stands for both.
      expect(slots('0 1-3 * * *', '2026-03-28T12:00:00Z', '2026-03-29T12:00:00Z').map(paris)).toEqual([
        '29/03 01:00:00',
        '29/03 03:00:00',
      ]);
    });

    it('runs an interval in real time: no absolute hour skipped, the repeated hour on both passes', () => {
      const spring = slots('0 * * * *', '2026-03-28T21:30:00Z', '2026-03-29T03:30:00Z');
      expect(spring.map(iso)).toEqual([22, 23, 24, 25, 26, 27].map((h) => iso(Date.UTC(2026, 2, 28, h))));
      const autumn = slots('0 * * * *', '2026-10-24T21:30:00Z', '2026-10-25T03:30:00Z');
      expect(autumn.map(iso)).toEqual([21 + 1, 23, 24, 25, 26, 27].map((h) => iso(Date.UTC(2026, 9, 24, h))));
      expect(autumn.map(paris)).toEqual([
        '25/10 00:00:00',
        '25/10 01:00:00',
        '25/10 02:00:00',
        '25/10 02:00:00',
        '25/10 03:00:00',
        '25/10 04:00:00',
      ]);
      // Every second across each change, none twice: one slot per second of real time.
      for (const change of ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z']) {
        const at = Date.parse(change);
        const perSecond = slots('* * * * * *', iso(at - 600_000), iso(at + 600_000));
        expect(perSecond).toEqual(Array.from({ length: 1200 }, (_, i) => at - 599_000 + i * 1000));
      }
    });
  });

  it('handles a zone whose clock skips midnight (America/Santiago, 2026-09-06 00:00 -> 01:00)', () => {
    expect(
      slots('0 0 * * *', '2026-09-04T12:00:00Z', '2026-09-07T12:00:00Z', 'America/Santiago').map(iso),
    ).toEqual(['2026-09-05T04:00:00.000Z', '2026-09-06T04:00:00.000Z', '2026-09-07T03:00:00.000Z']);
  });
});
