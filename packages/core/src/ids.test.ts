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

  it('sort by creation time', () => {
    expect(newLocalId(1000) < newLocalId(2000)).toBe(true);
    expect(newLocalId(1000)).toHaveLength(26);
  });

  it.each([
    '',
    'emails',
    'emails.',
    'a:b.01M8F54YX7PGR1X8FEA69BWT98',
    'q.not-a-ulid',
    'q.01M8F54YX7PGR1X8FEA69BWT9U',
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
