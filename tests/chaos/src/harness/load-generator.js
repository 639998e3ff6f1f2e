// The load generator of the chaos suite: a separate process (so the system under test and the test
// runner never slow down or lose its bookkeeping) that POSTs tasks to the API and writes one JSON line
// per request to the history file, with fs.writeSync, so a line is on disk the moment it is written:
//   {op:"invoke", value, t}                       before the request is sent
//   {op:"ok"|"fail"|"info", value, status, taskId, createdAt, t0, t1, error}   when its outcome is known
// ok = 2xx (the task is stored); fail = a definite refusal (4xx: nothing was stored); info = unknown
// (5xx, timeout, reset, refused connection): the task may or may not exist. Each task's payload carries
// a unique integer `value`, which the handler module records as the side effect.
//
// Config: a JSON object in argv[2] (see LoadConfig in load.ts). Stops when `count` requests were sent,
// after `durationMs`, on SIGTERM, or once `stopAfter` answers of one status came; then waits for the
// requests in flight (each bounded by timeoutMs), prints a summary line to stdout and exits 0.
'use strict';
const http = require('node:http');
const { openSync, writeSync, closeSync } = require('node:fs');

const config = JSON.parse(process.argv[2]);
const {
  url,
  out,
  queue,
  type = 'chaos',
  firstValue = 1,
  count = Infinity,
  ratePerSec = 0,
  durationMs = Infinity,
  concurrency = 50,
  timeoutMs = 5000,
  maxAttempts = 5,
  msRange = [0, 0],
  padBytes = 0,
  specials = {},
  payloadExtra = {},
  stopAfter,
} = config;

const target = new URL('/tasks', url);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const fd = openSync(out, 'a');
const startedAt = Date.now();
const summary = { sent: 0, byStatus: {}, errors: {}, ok: 0, fail: 0, info: 0 };
let next = firstValue;
let inFlight = 0;
let stopping = false;
let done;
const finished = new Promise((resolve) => (done = resolve));

function write(record) {
  writeSync(fd, JSON.stringify(record) + '\n');
}

function payloadFor(value) {
  const [min, max] = msRange;
  const payload = { value, ms: Math.round(min + Math.random() * (max - min)), ...payloadExtra };
  if (padBytes > 0) payload.pad = 'x'.repeat(padBytes);
  return Object.assign(payload, specials[String(value)] || {});
}

function classify(status) {
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 400 && status < 500 && status !== 408) return 'fail';
  return 'info';
}

function send() {
  const value = next++;
  summary.sent++;
  inFlight++;
  const body = JSON.stringify({ type, queue, payload: payloadFor(value), maxAttempts });
  const t0 = Date.now();
  write({ op: 'invoke', value, t: t0 });
  let settled = false;
  const settle = (record) => {
    if (settled) return;
    settled = true;
    inFlight--;
    summary[record.op]++;
    write({ ...record, value, t0, t1: Date.now() });
    if (stopAfter && record.status === stopAfter.status) {
      stopAfter.seen = (stopAfter.seen || 0) + 1;
      if (stopAfter.seen >= stopAfter.count) stopping = true;
    }
    pump();
  };
  const req = http.request(
    target,
    {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      timeout: timeoutMs,
    },
    (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', (error) => settle({ op: 'info', status: res.statusCode, error: error.message }));
      res.on('end', () => {
        const status = res.statusCode;
        summary.byStatus[status] = (summary.byStatus[status] || 0) + 1;
        const record = { op: classify(status), status };
        if (record.op === 'ok') {
          try {
            const task = JSON.parse(Buffer.concat(chunks).toString());
            record.taskId = task.id;
            record.createdAt = Date.parse(task.createdAt);
          } catch (error) {
            record.error = `unparseable 2xx body: ${error.message}`;
          }
        }
        settle(record);
      });
    },
  );
  req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
  req.on('error', (error) => {
    const code = error.code || error.message;
    summary.errors[code] = (summary.errors[code] || 0) + 1;
    settle({ op: 'info', error: code });
  });
  req.end(body);
}

// Open loop at ratePerSec (never more than `concurrency` in flight), or closed loop at full speed.
let credit = 0;
let lastTick = Date.now();
function pump() {
  if (!stopping && (summary.sent >= count || Date.now() - startedAt >= durationMs)) stopping = true;
  if (stopping) {
    if (inFlight === 0) done();
    return;
  }
  if (ratePerSec > 0) {
    const now = Date.now();
    credit = Math.min(credit + ((now - lastTick) / 1000) * ratePerSec, concurrency);
    lastTick = now;
  }
  while (!stopping && inFlight < concurrency && summary.sent < count && (ratePerSec === 0 || credit >= 1)) {
    if (ratePerSec > 0) credit--;
    send();
  }
}

process.once('SIGTERM', () => {
  stopping = true;
  if (inFlight === 0) done();
});
const ticker = setInterval(pump, 5);
pump();
finished.then(
  () => {
    clearInterval(ticker);
    closeSync(fd);
    agent.destroy();
    summary.durationMs = Date.now() - startedAt;
    summary.nextValue = next;
    process.stdout.write(JSON.stringify({ msg: 'load done', ...summary }) + '\n');
    process.exit(0);
  },
  (error) => {
    process.stderr.write(`load generator failed: ${String(error)}\n`);
    process.exit(1);
  },
);
