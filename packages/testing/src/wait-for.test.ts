import { waitFor } from './wait-for';

describe('waitFor', () => {
  it('returns the first truthy value of an async predicate', async () => {
    let calls = 0;
    const value = await waitFor(() => Promise.resolve(++calls >= 3 ? `after ${calls}` : undefined), {
      intervalMs: 1,
    });
    expect(value).toBe('after 3');
  });

  it('throws with the message and the timeout when the deadline passes', async () => {
    await expect(waitFor(() => false, { timeoutMs: 50, message: 'queue drained' })).rejects.toThrow(
      'queue drained: not met within 50 ms',
    );
  });

  it('lets an error thrown by the predicate through at once', async () => {
    await expect(
      waitFor(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });
});
