// Handlers for the browser tests, loaded by the stock worker through HANDLER_MODULES (plain CommonJS).
const { existsSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

exports.handlers = {
  /** Fails the first time it runs a task id and succeeds after (a marker file per id in BROWSER_MARKERS_DIR). */
  'fail-once': async (ctx) => {
    const marker = join(process.env.BROWSER_MARKERS_DIR, ctx.id);
    if (!existsSync(marker)) {
      writeFileSync(marker, '');
      throw new Error(`upstream answered 503 on the first try of ${ctx.id}`);
    }
    return { delivered: true, attempt: ctx.attempt };
  },
  /** Always fails, with a message naming the attempt. */
  broken: async (ctx) => {
    throw new Error(
      `template "${(ctx.payload && ctx.payload.template) || 'none'}" not found (attempt ${ctx.attempt})`,
    );
  },
  /** Succeeds at once (the history tests' second type). */
  'invoice-sent': async () => ({ sent: true }),
  /** Returns a small result after `payload.ms` (default 0), honoring the AbortSignal. */
  work: async (ctx) => {
    const ms = (ctx.payload && ctx.payload.ms) || 0;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(ctx.signal.reason);
      });
    });
    return { ok: true, tookMs: ms };
  },
};
