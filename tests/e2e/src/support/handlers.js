// Handlers for the e2e tests, loaded by the stock worker through HANDLER_MODULES (plain CommonJS: a
// handler module needs nothing from tq). Each run records its start and end in E2E_EFFECTS_FILE, so
// tests can count side effects per task and see which worker process ran them.
const { appendFileSync } = require('node:fs');

function record(ctx, what) {
  const file = process.env.E2E_EFFECTS_FILE;
  if (!file) return;
  const line = { id: ctx.id, attempt: ctx.attempt, pid: process.pid, what, at: Date.now() };
  appendFileSync(file, JSON.stringify(line) + '\n');
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

exports.handlers = {
  /**
   * payload {ms, fastFromAttempt?}: sleeps `ms` (honoring the AbortSignal), or not at all from attempt
   * `fastFromAttempt` on. SLEEP_CAP_MS in the worker's environment caps every sleep.
   */
  sleep: async (ctx) => {
    record(ctx, 'start');
    const { ms = 0, fastFromAttempt = Infinity } = ctx.payload || {};
    const cap = process.env.SLEEP_CAP_MS === undefined ? Infinity : Number(process.env.SLEEP_CAP_MS);
    const duration = ctx.attempt >= fastFromAttempt ? 0 : Math.min(ms, cap);
    await sleep(duration, ctx.signal);
    record(ctx, 'done');
    return { slept: duration, pid: process.pid };
  },

  /** Kills its own worker process: a poison task. */
  crash: async (ctx) => {
    record(ctx, 'start');
    process.kill(process.pid, 'SIGKILL');
    await new Promise(() => {});
  },
};
