import { commandDelta, parseInfo, totalCalls } from './probe';

describe('INFO parsing', () => {
  it('reads fields and skips section headers', () => {
    const info = parseInfo('# Memory\r\nused_memory:1024\r\nused_memory_human:1K\r\n');
    expect(info.used_memory).toBe('1024');
    expect(Object.keys(info)).toEqual(['used_memory', 'used_memory_human']);
  });

  it('leaves the probe’s own INFO calls out of a command delta', () => {
    const delta = commandDelta({ info: 3, evalsha: 10, hset: 5 }, { info: 9, evalsha: 12, hset: 5, llen: 4 });
    expect(delta).toEqual({ evalsha: 2, llen: 4 });
    expect(totalCalls(delta)).toBe(6);
  });
});
