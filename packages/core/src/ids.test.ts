import { assertQueueName, newLeaseNonce, newLocalId, newTaskId, parseTaskId } from './ids';
import { queueKeys } from './keys';

describe('task ids', () => {
  it('carry their queue, so a task is found without a scan', () => {
    const id = newTaskId('emails');
    expect(parseTaskId(id)).toEqual({ queue: 'emails', localId: id.slice('emails.'.length) });
  });

  it('lease nonces are 8 base64url characters and do not repeat', () => {
    const nonces = new Set(Array.from({ length: 2000 }, () => newLeaseNonce()));
    expect(nonces.size).toBe(2000);
    for (const n of nonces) expect(n).toMatch(/^[A-Za-z0-9_-]{8}$/);
  });

  it('sort by creation time, in both formats (ADR 0045)', () => {
    expect(newLocalId(1000) < newLocalId(2000)).toBe(true);
    expect(newLocalId(Date.now()) < newLocalId(Date.now() + 1)).toBe(true);
    expect(newLocalId(2 ** 48 - 2) < newLocalId(2 ** 48 - 1)).toBe(true);
    expect(newLocalId(1000)).toHaveLength(20);
    expect(newLocalId(1000, 1) < newLocalId(2000, 1)).toBe(true);
    expect(newLocalId(1000, 1)).toHaveLength(26);
  });

  it('parse in both formats: a format 1 ULID and a format 2 id (ADR 0045)', () => {
    for (const format of [1, 2] as const) {
      const id = newTaskId('q', undefined, 0, format);
      expect(parseTaskId(id)).toEqual({ queue: 'q', localId: id.slice(2) });
      const inPartition = newTaskId('q', undefined, 3, format);
      expect(parseTaskId(inPartition)).toEqual({ queue: 'q', localId: inPartition.slice(4), partition: 3 });
    }
  });

  it('format 2 ids: 8 base62 characters of ms time, most significant first, then 12 random ones', () => {
    for (const [ms, time] of [
      [0, '00000000'],
      [61, '0000000z'],
      [62, '00000010'],
      [1_764_547_200_000, '0V456E1g'],
      [2 ** 48 - 1, 'HvWXNAa7'],
      [61, '0000000z'],
    ] as const) {
      const [a, b] = [newLocalId(ms), newLocalId(ms)];
      for (const id of [a, b]) expect(id).toMatch(new RegExp(`^${time}[0-9A-Za-z]{12}$`));
      expect(a).not.toBe(b);
    }
  });

  it('format 2 ids do not repeat', () => {
    const ids = new Set(Array.from({ length: 20_000 }, () => newLocalId(1000)));
    expect(ids.size).toBe(20_000);
  });

  it.each([
    '',
    'emails',
    'emails.',
    'a:b.01M8F54YX7PGR1X8FEA69BWT98',
    'q.not-a-ulid',
    'q.01M8F54YX7PGR1X8FEA69BWT9U',
    'q.0UnKg2Jq7xR4bN8cT1w',
    'q.0UnKg2Jq7xR4bN8cT1wY_',
  ])('rejects the malformed id %p', (id) => {
    expect(parseTaskId(id)).toBeNull();
  });
});

describe('queue names and keys', () => {
  it('tag every key with the queue so one queue lives on one cluster slot', () => {
    const k = queueKeys('q1');
    for (const key of [
      k.pendingPrefix,
      k.scheduled,
      k.running,
      k.retry,
      k.dead,
      k.done,
      k.canceled,
      k.meta,
      k.taskPrefix,
    ]) {
      expect(key.startsWith('tq:{q1}:')).toBe(true);
    }
    expect(`${k.taskPrefix}ABC`).toBe('tq:{q1}:task:ABC');
  });

  it.each(['', 'a{b', 'a}b', 'a:b', 'a.b', 'x'.repeat(65), 'with space'])(
    'refuses the queue name %p with a message',
    (name) => {
      expect(() => assertQueueName(name)).toThrow(/use 1-64 letters, digits, "_" or "-"/);
    },
  );
});
