import { join } from 'node:path';
import { waitFor } from '@tq/testing';
import { loadHandlerModule } from './handlers/registry';
import { closeHarnesses, startHarness } from './test-support/harness';

afterEach(closeHarnesses);

/** examples/handlers/handlers.js, as an operator would load it, runs as its README says. */
describe('the example handler module', () => {
  it('runs its tasks: a success, a permanent failure, a long job', async () => {
    const handlers = loadHandlerModule(
      join(__dirname, '..', '..', '..', 'examples', 'handlers', 'handlers.js'),
    );
    const h = await startHarness({ handlers });
    const greet = await h.enqueue('greet', { name: 'Ada' });
    const invalid = await h.enqueue('greet', {}, { maxAttempts: 5 });
    const report = await h.enqueue('report.generate', { pages: 2 });

    await waitFor(async () => {
      const { done, dead } = (await h.logical.stats()).counts;
      return done === 2 && dead === 1;
    });
    expect(JSON.parse((await h.task(greet)).result!)).toEqual({ greeting: 'Hello, Ada!' });
    expect(await h.task(invalid)).toMatchObject({
      attempt: 1,
      deadReason: 'invalid_payload',
      lastError: 'greet needs {"name": "<non-empty string>"}',
    });
    expect(JSON.parse((await h.task(report)).result!)).toEqual({
      report: `report-${report}.pdf`,
      pages: 2,
      attempt: 1,
    });
  });
});
