import { redactUrl, redactUrls } from './redact';

describe('redactUrls', () => {
  it.each([
    ['redis://:s3cret@cache:6380/2', 'redis://***@cache:6380/2'],
    ['rediss://user:pw@redis.example.com', 'rediss://***@redis.example.com'],
    ['smtps://me%40x.com:p%3Ass@mail.example.com:465', 'smtps://***@mail.example.com:465'],
    ['redis+sentinel://:pw@s1:26379,s2:26379/mymaster', 'redis+sentinel://***@s1:26379,s2:26379/mymaster'],
    // A password with a raw "@" or "/" is still hidden whole.
    ['redis://:p@ss/w@rd@cache:6379', 'redis://***@cache:6379'],
    ['REDIS_URL "redis://u:p@h:1" is not valid', 'REDIS_URL "redis://***@h:1" is not valid'],
    ['two: redis://a:b@h1 and http://c:d@h2/x', 'two: redis://***@h1 and http://***@h2/x'],
  ])('hides the userinfo of %s', (text, expected) => {
    expect(redactUrls(text)).toBe(expected);
  });

  it('leaves URLs without userinfo and other text alone', () => {
    const text = 'connect ECONNREFUSED 127.0.0.1:6379 (redis://cache:6379/0, mail me@example.com)';
    expect(redactUrls(text)).toBe(text);
  });
});

describe('redactUrl', () => {
  it.each([
    ['redis://:s3cret@cache:6379', 'redis://***@cache:6379'],
    ['redis:/:s3cret@cache:6379', 'redis:/***@cache:6379'],
    [':s3cret@cache:6379', '***@cache:6379'],
    ['redis://cache:6379', 'redis://cache:6379'],
  ])('shows %s as %s', (value, expected) => {
    expect(redactUrl(value)).toBe(expected);
  });
});
