// Example tq handler module. The stock worker loads it with
//   HANDLER_MODULES=/app/examples/handlers/handlers.js
// and the same object can be passed to createWorker() from @tq/worker (see my-worker.ts).
// Plain CommonJS, depending on nothing: the stock container has only its own packages.
'use strict';

/** A permanent failure without importing tq: the worker reads `permanent` (and `reason`). */
function permanent(message, reason = 'invalid_payload') {
  return Object.assign(new Error(message), { permanent: true, reason });
}

/** Resolves after `ms`, or rejects as soon as the task's signal aborts (timeout, lease lost, shutdown). */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
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
  /** payload {name}: a bad payload can never succeed, so it fails permanently instead of retrying. */
  greet: async ({ payload, logger }) => {
    if (typeof payload?.name !== 'string' || payload.name === '') {
      throw permanent('greet needs {"name": "<non-empty string>"}');
    }
    logger.info({ length: payload.name.length }, 'greeting'); // log facts about the payload, not the payload
    return { greeting: `Hello, ${payload.name}!` };
  },

  /**
   * payload {pages}: a long job in steps. It passes the signal to everything that waits, so a timeout or
   * a shutdown stops it promptly; its lease is extended by the worker meanwhile. The task id is stable
   * across attempts: use it as the idempotency key of side effects, since a task may run more than once.
   */
  'report.generate': async ({ id, payload, attempt, signal, logger }) => {
    const pages = Number.isInteger(payload?.pages) && payload.pages > 0 ? payload.pages : 1;
    for (let page = 1; page <= pages; page++) {
      await sleep(100, signal); // stands for real work: fetch(url, { signal }), a query, ...
      logger.debug({ page, pages }, 'page rendered');
    }
    return { report: `report-${id}.pdf`, pages, attempt };
  },
};
