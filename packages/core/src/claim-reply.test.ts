import { readClaimReply, readClaimedTasks, type ClaimOrigin } from './claim-reply';

// The claim script's reply as ADR 0060 (and ADR 0054 for the tasks) writes it; these tests need no Redis
// (queue.test.ts claims for real).

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
    expect(readClaimedTasks(pack([FIELDS, '"hello"', TRACED, '{"to":"a b"}']), 0, ORIGIN)).toEqual([
      FIRST,
      SECOND,
    ]);
  });

  it('reads the tasks from where they start in a longer reply', () => {
    const reply = Buffer.concat([Buffer.from('ok ok\n1764540000123 -1 -1 \n'), pack([FIELDS, '"hello"'])]);
    expect(readClaimedTasks(reply, 27, ORIGIN)).toEqual([FIRST]);
  });

  it('decodes types and payloads outside ASCII as UTF-8, and the tasks after them', () => {
    const fields = FIELDS.replace('noop', 'grüße 📨');
    const tasks = readClaimedTasks(pack([fields, '"héllo 📨"', TRACED, '{"to":"a b"}']), 0, ORIGIN);
    expect(tasks).toEqual([{ ...FIRST, type: 'grüße 📨', payload: '"héllo 📨"' }, SECOND]);
  });

  it('reads numbers that are not plain digits as Number() does', () => {
    const fields = FIELDS.replace(' 1 3 ', ' 1 3e0 ').replace('1764539999000', '1.5');
    expect(readClaimedTasks(pack([fields, '""']), 0, ORIGIN)[0]).toMatchObject({
      maxAttempts: 3,
      createdAt: 1.5,
    });
  });

  it('refuses a reply whose lengths do not add up, or a task with fields missing', () => {
    const packed = pack([FIELDS, '"hello"']);
    expect(() => readClaimedTasks(Buffer.concat([packed, Buffer.from('x')]), 0, ORIGIN)).toThrow(/add up/);
    expect(() => readClaimedTasks(pack(['01JD tok1 1 3', '""']), 0, ORIGIN)).toThrow(/end early/);
  });
});

describe('readClaimReply', () => {
  it('reads the line of figures, then the tasks, from where the claim starts', () => {
    const reply = Buffer.concat([
      Buffer.from('lease_lost ok\n1764540000123 1764540009000 -1 \n'),
      pack([FIELDS, '"hello"']),
    ]);
    expect(readClaimReply(reply, 14, 'q', 'q.')).toEqual({
      now: ORIGIN.now,
      nextDueAt: 1_764_540_009_000,
      retryAt: -1,
      limitedBy: '',
      tasks: [FIRST],
    });
  });

  it('reads a claim that leased nothing, and says what held it back', () => {
    expect(readClaimReply(Buffer.from('1764540000123 -1 1764540000500 rate\n'), 0, 'q', 'q.')).toEqual({
      now: ORIGIN.now,
      nextDueAt: -1,
      retryAt: 1_764_540_000_500,
      limitedBy: 'rate',
      tasks: [],
    });
  });

  it('refuses a reply without its line of four figures', () => {
    expect(() => readClaimReply(Buffer.from('1764540000123 -1 -1'), 0, 'q', 'q.')).toThrow(/four figures/);
    expect(() => readClaimReply(Buffer.from('1764540000123 -1\n'), 0, 'q', 'q.')).toThrow(/four figures/);
  });
});
