import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import { fingerprint } from './fingerprint';

const base = { type: 'email', payload: { to: 'a@b.c' }, queue: 'mail', priority: 0, maxAttempts: 5 };

describe('fingerprint', () => {
  it('keeps the v2 fingerprint of a submission without a group (keys stored before groups still replay)', () => {
    // The v2 fingerprint as it was before groups: the eight fields, canonical JSON, sha256, base64url.
    const before = createHash('sha256')
      .update(stringify(['email', { to: 'a@b.c' }, 'mail', 0, null, null, 5, null]))
      .digest('base64url');
    expect(fingerprint(base)).toBe(`v2:${before}`);
  });

  it('tells submissions to different groups apart', () => {
    const a = fingerprint({ ...base, group: 'tenant-a' });
    expect(a).not.toBe(fingerprint(base));
    expect(a).not.toBe(fingerprint({ ...base, group: 'tenant-b' }));
    expect(a).toBe(fingerprint({ ...base, group: 'tenant-a' }));
  });
});
