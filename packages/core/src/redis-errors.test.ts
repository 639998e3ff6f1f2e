import { isRedisUnavailable } from './redis-errors';

const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });

describe('isRedisUnavailable', () => {
  it.each([
    ['a command timeout', new Error('Command timed out')],
    ['a closed connection', new Error('Connection is closed.')],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
    ],
    ['OOM', reply("OOM command not allowed when used memory > 'maxmemory'.")],
    [
      'OOM inside a script',
      reply("OOM command not allowed when used memory > 'maxmemory'. script: 3f2a, on @user_script:60."),
    ],
    ['LOADING', reply('LOADING Redis is loading the dataset in memory')],
    ['READONLY', reply("READONLY You can't write against a read only replica.")],
    ['CLUSTERDOWN', reply('CLUSTERDOWN The cluster is down')],
    ['a busy script', reply('BUSY Redis is busy running a script.')],
    [
      'ioredis giving up on a request',
      Object.assign(new Error('Reached the max retries per request limit'), {
        name: 'MaxRetriesPerRequestError',
      }),
    ],
  ])('is true for %s', (_name, error) => {
    expect(isRedisUnavailable(error)).toBe(true);
  });

  it.each([
    ['a script bug', reply('ERR Error running script: attempt to compare nil with number')],
    ['a wrong type', reply('WRONGTYPE Operation against a key holding the wrong kind of value')],
    ['any other error', new TypeError('x is not a function')],
    ['a non-error', 'Command timed out'],
  ])('is false for %s', (_name, error) => {
    expect(isRedisUnavailable(error)).toBe(false);
  });
});
