// The handler module the chaos workers load through HANDLER_MODULES (plain CommonJS: it needs nothing
// from tq). Its side effects are recorded OUTSIDE the Redis under test, in CHAOS_EFFECTS_DIR, one file
// per worker process, written with fs.writeSync (on disk in the page cache before the call returns,
// so a SIGKILL right after loses nothing):
//   starts-<pid>.jsonl   {value, attempt, pid, id, at, startedAt}  when an attempt begins (startedAt: the
//                                                         claim's time on Redis's clock; `at` is this process's)
//   cron-<pid>.jsonl     {attempt, pid, id, at, startedAt}  when an attempt of a `cron` task begins
//   effects-<pid>.jsonl  {value, attempt, pid, id, at}   the side effect, BEFORE the handler returns
//                                                         (so before the acknowledgement)
//   aborts-<pid>.jsonl   {value, attempt, pid, id, at, reason}  when the task's AbortSignal fired during
//                                                         its sleep (reason: the error's name)
'use strict';
const { openSync, writeSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.CHAOS_EFFECTS_DIR;
const files = {};

function record(kind, ctx, extra = {}) {
  if (!dir) throw new Error('CHAOS_EFFECTS_DIR is not set');
  files[kind] ??= openSync(join(dir, `${kind}-${process.pid}.jsonl`), 'a');
  const line = {
    value: ctx.payload.value,
    attempt: ctx.attempt,
    pid: process.pid,
    id: ctx.id,
    at: Date.now(),
    startedAt: ctx.startedAt,
    ...extra,
  };
  writeSync(files[kind], JSON.stringify(line) + '\n');
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first (recorded in `aborts`). */
function sleep(ms, ctx) {
  const { signal } = ctx;
  return new Promise((resolve, reject) => {
    const abort = () => {
      record('aborts', ctx, { reason: signal.reason?.name ?? String(signal.reason) });
      reject(signal.reason);
    };
    if (signal.aborted) return abort();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        abort();
      },
      { once: true },
    );
  });
}

exports.handlers = {
  /**
   * payload {value, ms?, mode?, blockMs?, fastFromAttempt?}:
   * - mode "throw": fails every attempt (a poison task that throws);
   * - mode "crash": SIGKILLs its own worker every attempt (a poison task that crashes the process);
   * - mode "block": busy-loops `blockMs` on the event loop (no timer, no lease extension can run), then
   *   sleeps `ms` (give 0 to return at once, before the worker's own timers run);
   * - otherwise sleeps `ms` (honoring the AbortSignal), records the effect and returns.
   * From attempt `fastFromAttempt` on, blocks and sleeps are skipped. CHAOS_SLEEP_CAP_MS caps sleeps.
   */
  chaos: async (ctx) => {
    const p = ctx.payload;
    record('starts', ctx);
    const fast = ctx.attempt >= (p.fastFromAttempt ?? Infinity);
    if (p.mode === 'throw') throw new Error(`poison value ${p.value} throws (attempt ${ctx.attempt})`);
    if (p.mode === 'crash') {
      process.kill(process.pid, 'SIGKILL');
      await new Promise(() => {});
    }
    if (p.mode === 'block' && !fast) {
      const until = Date.now() + p.blockMs;
      while (Date.now() < until) {
        // blocks the event loop on purpose
      }
    }
    const cap =
      process.env.CHAOS_SLEEP_CAP_MS === undefined ? Infinity : Number(process.env.CHAOS_SLEEP_CAP_MS);
    const ms = fast ? 0 : Math.min(p.ms ?? 0, cap);
    // No sleep at all for 0 ms: a blocked handler then completes before any timer (its lease keeper) runs.
    if (ms > 0) await sleep(ms, ctx);
    record('effects', ctx);
    return { value: p.value };
  },

  /**
   * What a cron schedule's tasks run (payload {ms?}): records the start in `cron` (not in starts or
   * effects: a schedule's tasks share one payload, so they have no value for the checker), sleeps `ms`.
   */
  cron: async (ctx) => {
    record('cron', ctx);
    const ms = ctx.payload?.ms ?? 0;
    if (ms > 0) await sleep(ms, ctx);
    return { slotOf: ctx.id };
  },
};
