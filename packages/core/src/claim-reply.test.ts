import { readClaimedTasks, type ClaimOrigin } from './claim-reply';

// The claim script's reply as ADR 0054 packs it; these tests need no Redis (queue.test.ts claims for real).

const ORIGIN: ClaimOrigin = { queue: 'q', idPrefix: 'q.', now: 1_764_540_000_123 };

/** Packs task strings the way claim.lua does: count, byte lengths (4-byte big-endian), then the strings. */
function pack(strings: string[]): Buffer {
  const bodies = strings.map((s) => Buffer.from(s, 'utf8'));
  const head = Buffer.alloc(4 + 4 * bodies.length);
  head.writeUInt32BE(bodies.length, 0);
  bodies.forEach((b, i) => head.writeUInt32BE(b.length, 4 + 4 * i));
  return Buffer.concat([head, ...bodies]);
}

const FIELDS = '01JDZQ0000000000000000000A tok1 1 3  1764539999000 1764539999500  noop';
const TRACED =
  '01JDZQ0000000000000000000B tok2 2 5 60000 1764539999001 1764539999501 00-abc-def-01 send email';

const FIRST = {
  id: 'q.01JDZQ0000000000000000000A',
  queue: 'q',
  token: 'tok1',
  attempt: 1,
  type: 'noop',
  payload: '"hello"',
  maxAttempts: 3,
  timeoutMs: undefined,
  createdAt: 1_764_539_999_000,
  readyAt: 1_764_539_999_500,
  startedAt: ORIGIN.now,
  traceparent: undefined,
};
const SECOND = {
  id: 'q.01JDZQ0000000000000000000B',
  queue: 'q',
  token: 'tok2',
  attempt: 2,
  type: 'send email',
  payload: '{"to":"a b"}',
  maxAttempts: 5,
  timeoutMs: 60_000,
  createdAt: 1_764_539_999_001,
  readyAt: 1_764_539_999_501,
  startedAt: ORIGIN.now,
  traceparent: '00-abc-def-01',
};

describe('readClaimedTasks', () => {
  it('reads every field of packed tasks, the type with its spaces and absent timeout and traceparent', () => {
    expect(readClaimedTasks(pack([FIELDS, '"hello"', TRACED, '{"to":"a b"}']), ORIGIN)).toEqual([
      FIRST,
      SECOND,
    ]);
  });

  it('reads a single task answered as a list, and none', () => {
    expect(readClaimedTasks([Buffer.from(FIELDS), Buffer.from('"hello"')], ORIGIN)).toEqual([FIRST]);
    expect(readClaimedTasks([], ORIGIN)).toEqual([]);
  });

  it('decodes types and payloads outside ASCII as UTF-8, and the tasks after them', () => {
    const fields = FIELDS.replace('noop', 'grüße 📨');
    const tasks = readClaimedTasks(pack([fields, '"héllo 📨"', TRACED, '{"to":"a b"}']), ORIGIN);
    expect(tasks).toEqual([{ ...FIRST, type: 'grüße 📨', payload: '"héllo 📨"' }, SECOND]);
  });

  it('reads numbers that are not plain digits as Number() does', () => {
    const fields = FIELDS.replace(' 1 3 ', ' 1 3e0 ').replace('1764539999000', '1.5');
    expect(readClaimedTasks(pack([fields, '""']), ORIGIN)[0]).toMatchObject({
      maxAttempts: 3,
      createdAt: 1.5,
    });
  });

  it('refuses a reply whose lengths do not add up, or a task with fields missing', () => {
    const packed = pack([FIELDS, '"hello"']);
    expect(() => readClaimedTasks(Buffer.concat([packed, Buffer.from('x')]), ORIGIN)).toThrow(/add up/);
    expect(() => readClaimedTasks(pack(['01JD tok1 1 3', '""']), ORIGIN)).toThrow(/end early/);
  });
});
