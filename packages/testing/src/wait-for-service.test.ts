import { ChildService } from './child-service';
import { waitForService } from './wait-for-service';

describe('waitForService', () => {
  it('fails as soon as the service exits, with its exit and the context in the message', async () => {
    const child = new ChildService(
      'short-lived',
      'test',
      {},
      { argv: ['-e', 'console.log("bye"); process.exit(3)'] },
    );
    await child.exited;
    const started = Date.now();
    await expect(
      waitForService(() => false, {
        service: child,
        timeoutMs: 60_000,
        message: 'never true',
        context: () => child.tail(),
      }),
    ).rejects.toThrow(/short-lived exited: \{"code":3,.*\n--- service logs ---\n\[short-lived\] bye/s);
    // Long before the deadline: the exit, not the timeout, ended the wait.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('returns the value while the service runs, and times out with the context', async () => {
    let calls = 0;
    expect(await waitForService(() => ++calls >= 2 && 'ready', { intervalMs: 1 })).toBe('ready');
    await expect(
      waitForService(() => false, { timeoutMs: 30, message: 'queue drained', context: () => 'the logs' }),
    ).rejects.toThrow('queue drained: not met within 30 ms\n--- service logs ---\nthe logs');
  });
});
