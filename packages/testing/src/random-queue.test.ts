import { randomQueueName } from './random-queue';

describe('randomQueueName', () => {
  it('appends 10 random base36 chars to the prefix', () => {
    expect(randomQueueName()).toMatch(/^test-[0-9a-z]{10}$/);
    expect(randomQueueName('emails_v2')).toMatch(/^emails_v2-[0-9a-z]{10}$/);
  });

  it('gives a different name each call', () => {
    const names = new Set(Array.from({ length: 1000 }, () => randomQueueName()));
    expect(names.size).toBe(1000);
  });

  it.each(['', 'a:b', 'a{b}', 'a b', 'é'])('rejects the prefix %j', (prefix) => {
    expect(() => randomQueueName(prefix)).toThrow(/prefix must match/);
  });
});
