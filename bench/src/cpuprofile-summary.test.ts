import { areaOf } from './cpuprofile-summary';

describe('areaOf', () => {
  it('names workspace packages, npm packages, Node modules and V8 frames', () => {
    expect(areaOf('file:///work/main/packages/core/dist/queue.js', 'claim')).toBe('packages/core');
    expect(areaOf('file:///work/main/apps/worker/dist/worker.js', 'begin')).toBe('apps/worker');
    expect(
      areaOf('file:///r/node_modules/.pnpm/ioredis@6.0.0/node_modules/ioredis/built/Command.js', 'x'),
    ).toBe('ioredis');
    expect(
      areaOf('file:///r/node_modules/.pnpm/@ioredis+commands@1/node_modules/@ioredis/commands/a.js', 'x'),
    ).toBe('@ioredis/commands');
    expect(areaOf('node:internal/streams/writable', 'write')).toBe('node:internal');
    expect(areaOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(areaOf('', 'writev')).toBe('(native)');
  });
});
