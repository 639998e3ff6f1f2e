/**
 * The HANDLER_MODULES module the harness gives the stock tq worker (apps/worker dist/main.js): one `noop`
 * handler that records latencies and answers the harness over IPC.
 */
import { BenchHandler } from './bench-handler';

const probe = new BenchHandler();
probe.listen(undefined, { unref: true });

/** Task type -> handler, the shape apps/worker's loadHandlerModule expects. */
export const handlers = {
  noop: (ctx: { payload: unknown }): Promise<void> => {
    probe.onTask(ctx.payload);
    return Promise.resolve();
  },
};
