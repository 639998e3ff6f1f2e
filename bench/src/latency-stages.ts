/**
 * `pnpm --filter @tq/bench latency:stages`: where tq's enqueue -> acknowledged completion time goes at a fixed
 * rate with an idle worker (scenario 4's setting: one task at a time, `createWorker` at concurrency 10, claim
 * batch 20, the producer `TaskService.submit` in another process). Every task is stamped at each stage, on one
 * clock (ipc.ts `clockMs`, the machine's monotonic clock): submit called, its enqueue script
 * written to the socket (producer), the wake message received, the claim that leased it written (for a parked
 * claim, ADR 0061: the park sent) and answered, handler start, its complete written and answered (worker).
 * Prints percentiles of each stage, the medians of the stages for the slowest 1 % of tasks, how many wake
 * messages came while the claim loop had a claim out, how many tasks parked claims leased, the worker's
 * event-loop delay and Redis's own stalls (LATENCY LATEST over 1 ms, SLOWLOG over 0.5 ms). A private
 * redis-server; tq only (bee-queue and BullMQ side by side: `node dist/main.js --only latency`).
 *
 *   node dist/latency-stages.js [--rate 1000] [--seconds 10]
 */
import { fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRedis } from '@tq/core';
import { TaskRepository, TaskService } from '@tq/task';
import { startRedisServer } from '@tq/testing';
import { sleep } from './context';
import { clockMs, nextMessage, watchCommands } from './ipc';
import { percentile } from './stats';
import { loadTqWorker } from './tq-app';

const QUEUE = 'stages';

/** The stamps of one task, ms. */
interface Row {
  t: number; // submit called
  write: number; // its enqueue script written (producer)
  msg: number; // the last wake message before its claim was written
  claimSent: number;
  claimReply: number;
  start: number;
  ackSent: number;
  ackReply: number;
  /** The wake message came while the claim loop had a claim out. */
  busy: boolean;
  /** Its claim was sent only after a claim that was out at its wake message had come back. */
  late: boolean;
  /** Its complete rode with a claim (complete_and_claim). */
  rode: boolean;
  /** It was leased by a parked claim (ADR 0061): claim written = when the park was sent. */
  parked: boolean;
}

const strings = (args: unknown[]) => args.filter((a): a is string => typeof a === 'string');

async function child(url: string): Promise<void> {
  const redis = createRedis(url, { connectionName: 'stages-worker' });
  const subscriber = createRedis(url, { connectionName: 'stages-worker-sub' });
  const rows = new Map<string, Partial<Row>>();
  let lastMsg = 0;
  let lastMsgBusy = false;
  // Claim replies so far, and their count when the last wake message came.
  let replies = 0;
  let lastMsgReplies = 0;
  let claimsOut = 0;
  let claims = 0;
  let parks = 0;
  // The stamps of the claim whose answer is being handled (its tasks start in that callback).
  let claim = { msg: 0, busy: false, late: false, sent: 0, reply: 0, parked: false };
  subscriber.on('message', () => {
    lastMsg = clockMs();
    lastMsgBusy = claimsOut > 0;
    lastMsgReplies = replies;
  });
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const watch = (client: unknown, parkedOn: boolean) =>
    watchCommands(client, (command) => {
      if (command.name !== 'fcall') return;
      const args = strings(command.args);
      const acks = (args[0] ?? '').startsWith('tq_complete_'); // complete and complete_and_claim (ADR 0047 names)
      // claim and complete_and_claim (one key since ADR 0056: the function's name tells them).
      const claims_ = /^tq_(complete_and_)?claim_/.test(args[0] ?? '');
      const sent = clockMs();
      if (claims_) {
        const late = lastMsgBusy && replies > lastMsgReplies;
        const at = { msg: lastMsg, busy: lastMsgBusy, late, sent, reply: 0, parked: parkedOn };
        if (!parkedOn) claimsOut++;
        command.promise.then(
          () => {
            if (!parkedOn) claimsOut--;
            if (parkedOn) parks++;
            else claims++;
            replies++;
            claim = { ...at, reply: clockMs() };
          },
          () => {
            if (!parkedOn) claimsOut--;
          },
        );
      }
      if (acks)
        command.promise.then(
          () => {
            const at = clockMs();
            for (const a of args) {
              const row = rows.get(`${QUEUE}.${a}`);
              if (row && row.ackReply === undefined)
                Object.assign(row, { ackSent: sent, ackReply: at, rode: claims_ });
            }
          },
          () => undefined,
        );
    });
  watch(redis, false);
  // Parked claims (ADR 0061) go on a connection the worker makes with duplicate(): watched too.
  const duplicating = redis as unknown as { duplicate: (...a: unknown[]) => unknown };
  const duplicate = duplicating.duplicate.bind(redis);
  duplicating.duplicate = (...a: unknown[]) => {
    const made = duplicate(...a);
    watch(made, true);
    return made;
  };
  const worker = loadTqWorker().createWorker({
    redis,
    subscriber,
    queues: [QUEUE],
    concurrency: 10,
    claimBatch: 20,
    handlers: {
      noop: (ctx) => {
        const start = clockMs();
        const t = (ctx.payload as { t?: unknown } | null)?.t;
        if (typeof t === 'number')
          rows.set(ctx.id, {
            t,
            msg: claim.msg,
            busy: claim.busy,
            late: claim.late,
            claimSent: claim.sent,
            claimReply: claim.reply,
            parked: claim.parked,
            start,
          });
        return Promise.resolve();
      },
    },
  } as Parameters<ReturnType<typeof loadTqWorker>['createWorker']>[0]);
  await worker.start();
  process.send!({ type: 'ready' });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'flush') {
      process.send!({
        type: 'rows',
        rows: [...rows.values()],
        claims,
        parks,
        lagMs: { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 },
      });
      rows.clear();
      claims = parks = 0;
      lag.reset();
    } else if (m.type === 'stop') {
      worker.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }
  });
}

interface Flushed {
  rows: Row[];
  claims: number;
  parks: number;
  lagMs: { p50: number; p99: number; max: number };
}

const STAGES: Record<string, (r: Row) => number> = {
  'submit → enqueue written': (r) => r.write - r.t,
  'enqueue written → wake message': (r) => r.msg - r.write,
  'wake message → claim written': (r) => r.claimSent - r.msg,
  'claim round trip': (r) => r.claimReply - r.claimSent,
  'enqueue written → claim answered': (r) => r.claimReply - r.write,
  'claim answered → handler start': (r) => r.start - r.claimReply,
  'enqueue → start': (r) => r.start - r.t,
  'handler start → complete written': (r) => r.ackSent - r.start,
  'complete round trip': (r) => r.ackReply - r.ackSent,
  'start → acknowledged': (r) => r.ackReply - r.start,
  'enqueue → acknowledged': (r) => r.ackReply - r.t,
};

async function harness(rate: number, seconds: number): Promise<void> {
  const server = await startRedisServer({ appendonly: false });
  const worker = fork(__filename, ['--child', server.url]);
  const next = <T>(type: string) => nextMessage<T>(worker, type);
  const redis = createRedis(server.url, { connectionName: 'stages-producer' });
  try {
    await next('ready');
    // Redis's own view of its stalls: events over 1 ms (LATENCY LATEST) and commands over 0.5 ms (SLOWLOG).
    await redis.config('SET', 'latency-monitor-threshold', '1');
    await redis.config('SET', 'slowlog-log-slower-than', '500');
    const service = new TaskService(new TaskRepository(redis));
    const writes = new Map<number, number>();
    let unwritten: number[] = [];
    watchCommands(redis, (command) => {
      if (command.name !== 'fcall') return;
      const at = clockMs();
      for (const t of unwritten) writes.set(t, at);
      unwritten = [];
    });
    const submit = (t?: number) => {
      if (t !== undefined) unwritten.push(t);
      return service.submit({ type: 'noop', payload: { t }, queue: QUEUE });
    };
    await submit(); // warm the path, then let the worker go idle
    await sleep(1000);
    worker.send({ type: 'flush' });
    await next('rows');

    const n = Math.round(rate * seconds);
    const errors: unknown[] = [];
    let sent = 0;
    const t0 = clockMs();
    while (sent < n) {
      const due = Math.min(n, Math.floor(((clockMs() - t0) / 1000) * rate) + 1);
      for (; sent < due; sent++) submit(clockMs()).catch((e: unknown) => errors.push(e));
      await sleep(1);
    }
    await sleep(1000);
    worker.send({ type: 'flush' });
    const flushed = await next<Flushed>('rows');
    console.log(
      'Redis LATENCY LATEST (event, last, latest ms, max ms):',
      JSON.stringify(await redis.latency('LATEST')),
    );
    const slow = (await redis.slowlog('GET', 20)) as [number, number, number, string[]][];
    console.log(
      `Redis SLOWLOG (>0.5 ms): ${slow.map((e) => `${e[3][0]} ${e[3][1]?.slice(0, 24)} ${e[2]} µs`).join('; ')}`,
    );
    if (errors.length > 0) throw errors[0];
    const rows = flushed.rows.filter((r) => r.ackReply !== undefined);
    for (const r of rows) r.write = writes.get(r.t) ?? r.t;
    const fmt = (x: number) => x.toFixed(3).padStart(8);
    console.log(
      `${rows.length} of ${n} tasks acknowledged at ${rate}/s; ${flushed.claims} claims and ${flushed.parks} parked claims answered; ` +
        `completes riding with a claim: ${rows.filter((r) => r.rode).length}`,
    );
    console.log(
      `worker event-loop delay (resolution 1 ms) p50 ${flushed.lagMs.p50.toFixed(2)} p99 ${flushed.lagMs.p99.toFixed(2)} max ${flushed.lagMs.max.toFixed(2)} ms`,
    );
    const cut = percentile(rows.map(STAGES['enqueue → acknowledged']!), 99);
    const tail = rows.filter((r) => STAGES['enqueue → acknowledged']!(r) >= cut);
    console.log(`${'ms'.padEnd(34)}     p50      p90      p99      max  tail p50`);
    for (const [name, of] of Object.entries(STAGES)) {
      const xs = rows.map(of);
      console.log(
        `${name.padEnd(34)}${fmt(percentile(xs, 50))} ${fmt(percentile(xs, 90))} ${fmt(percentile(xs, 99))} ` +
          `${fmt(Math.max(...xs))} ${fmt(percentile(tail.map(of), 50))}`,
      );
    }
    const busy = rows.filter((r) => r.busy);
    if (busy.length > 0) {
      const line = (name: string) => {
        const xs = busy.map(STAGES[name]!);
        return `${name} p50 ${percentile(xs, 50).toFixed(3)} p90 ${percentile(xs, 90).toFixed(3)}`;
      };
      console.log(
        `the ${busy.length} tasks whose wake message came while a claim was out: ` +
          `${line('wake message → claim written')}; ${line('enqueue → start')} ms; ` +
          `${busy.filter((r) => r.late).length} of them claimed only after that claim came back`,
      );
    }
    console.log(
      `tail = the ${tail.length} tasks at or above the p99 of enqueue → acknowledged (${cut.toFixed(3)} ms); ` +
        `of them ${tail.filter((r) => r.busy).length} had their wake message come while a claim was out ` +
        `(${busy.length} of all tasks), ${tail.filter((r) => r.msg < r.t).length} were claimed with no wake message of their own, ` +
        `${tail.filter((r) => r.parked).length} by a parked claim (${rows.filter((r) => r.parked).length} of all tasks)`,
    );
  } finally {
    worker.send({ type: 'stop' });
    await new Promise((resolve) => worker.once('exit', resolve));
    await redis.quit();
    await server.stop();
  }
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const main =
  process.argv[2] === '--child'
    ? child(process.argv[3]!)
    : harness(arg('--rate', 1000), arg('--seconds', 10));
main.catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
