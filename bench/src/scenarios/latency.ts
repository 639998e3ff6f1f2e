/**
 * Scenario 4: enqueue -> handler-start latency at a fixed rate with idle workers. One worker process
 * (concurrency `latencyConcurrency`) waits on an empty queue; the harness enqueues one task at a time at
 * `latencyRatePerS` for `latencyDurationS`, each payload `{ t }` stamped just before the enqueue call; the
 * handler subtracts `t` from its own start time (same machine clock, see ipc.ts clockMs). The worker process
 * also subtracts `t` from the moment it has the answer of the task's completion (enqueue -> acknowledged
 * completion: BullMQ's `completed`, bee-queue's `succeeded` event, tq's complete script answered); for that
 * tq runs as `createWorker` in the bench's worker process (the library apps/worker main.js runs), since the
 * stock process cannot report it.
 */
import { sleep, type Context } from '../context';
import { clockMs } from '../ipc';
import { createProducer, unfinished } from '../producers';
import { percentile } from '../stats';
import { SYSTEMS, goAll, startWorkers, stopAll, waitUntil } from './common';

const QUEUE = 'bench-latency';
const SCENARIO = '4 latency';

export async function runLatency(ctx: Context): Promise<void> {
  const { latencyRatePerS: rate, latencyDurationS: duration, latencyConcurrency: concurrency } = ctx.sizes;
  const n = Math.round(rate * duration);
  for (let r = 0; r < ctx.repeat; r++) {
    for (const system of SYSTEMS) {
      try {
        await ctx.redis.flushall();
        const workers = await startWorkers(
          ctx.tqWorker.kind === 'main' ? { ...ctx, tqWorker: { kind: 'lib' } } : ctx,
          system,
          QUEUE,
          1,
          concurrency,
        );
        const producer = await createProducer(system, ctx.redisUrl, QUEUE);
        try {
          await goAll(ctx, system, QUEUE, workers);
          // Warm the path (scripts loaded, connections hot), then let the worker go idle.
          await producer.addOne({ warmup: true });
          await waitUntil(
            'the warm-up task',
            async () => (await unfinished(ctx.redis, system, QUEUE)) === 0,
            10_000,
          );
          await sleep(ctx.sizes.latencyIdleS * 1000);
          await workers[0]!.flush();
          const offset = await workers[0]!.clockOffsetMs();

          const errors: unknown[] = [];
          let sent = 0;
          let maxLagMs = 0;
          const t0 = clockMs();
          while (sent < n) {
            // Task i is due at t0 + i / rate; send every task that is due, then sleep a timer tick.
            const due = Math.min(n, Math.floor(((clockMs() - t0) / 1000) * rate) + 1);
            for (; sent < due; sent++) {
              const t = clockMs();
              maxLagMs = Math.max(maxLagMs, t - (t0 + (sent * 1000) / rate));
              producer.addOne({ t }).catch((e: unknown) => errors.push(e));
            }
            await sleep(1);
          }
          const sendSeconds = (clockMs() - t0) / 1000;
          await waitUntil(
            `${system} to run ${n} tasks`,
            async () => (await unfinished(ctx.redis, system, QUEUE)) === 0,
            ctx.sizes.drainTimeoutMs,
          );
          if (errors.length > 0) throw errors[0];
          const { latenciesMs, ackLatenciesMs, ackDelaysMs } = await workers[0]!.flush();
          if (latenciesMs.length !== n)
            throw new Error(`got ${latenciesMs.length} latency samples for ${n} tasks`);

          const metric = (p: number) => ({
            id: `latency.p${p}`,
            scenario: SCENARIO,
            label: `enqueue → handler start p${p} at ${rate}/s (idle worker, concurrency ${concurrency})`,
            unit: 'ms',
            better: 'lower' as const,
          });
          for (const p of [50, 95, 99]) ctx.record(metric(p), system, percentile(latenciesMs, p));
          ctx.record(
            { ...metric(100), id: 'latency.max', label: `enqueue → handler start max at ${rate}/s` },
            system,
            Math.max(...latenciesMs),
          );
          if (ackLatenciesMs.length === n) {
            const ackMetric = (p: number) => ({
              id: `latency.ack.p${p}`,
              scenario: SCENARIO,
              label: `enqueue → acknowledged completion p${p} at ${rate}/s (idle worker, concurrency ${concurrency})`,
              unit: 'ms',
              better: 'lower' as const,
            });
            for (const p of [50, 99]) ctx.record(ackMetric(p), system, percentile(ackLatenciesMs, p));
            // The acknowledgement alone, without the wake-up and claim before the handler (whose tail is
            // the machine's scheduling on a loaded host): what the worker's flush policy decides.
            for (const p of [50, 99])
              ctx.record(
                {
                  id: `latency.ackDelay.p${p}`,
                  scenario: SCENARIO,
                  label: `handler start → acknowledged completion p${p} at ${rate}/s`,
                  unit: 'ms',
                  better: 'lower',
                },
                system,
                percentile(ackDelaysMs, p),
              );
          } else {
            ctx.log(
              `latency r${r + 1} ${system}: ${ackLatenciesMs.length} acknowledgements seen for ${n} tasks`,
            );
          }
          ctx.detail(`latency.${system}.r${r + 1}`, {
            samples: n,
            achievedRatePerS: Math.round(n / sendSeconds),
            producerMaxLagMs: Number(maxLagMs.toFixed(2)),
            workerClockOffsetMs: Number(offset.toFixed(3)),
          });
          ctx.log(
            `latency r${r + 1} ${system}: start p50 ${percentile(latenciesMs, 50).toFixed(2)} p99 ${percentile(latenciesMs, 99).toFixed(2)} ms; ` +
              `acknowledged p50 ${percentile(ackLatenciesMs, 50).toFixed(2)} p99 ${percentile(ackLatenciesMs, 99).toFixed(2)} ms; ` +
              `start → acknowledged p50 ${percentile(ackDelaysMs, 50).toFixed(2)} p99 ${percentile(ackDelaysMs, 99).toFixed(2)} ms (clock offset ${offset.toFixed(3)} ms)`,
          );
        } finally {
          await producer.close();
          await stopAll(workers);
        }
      } catch (error) {
        ctx.fail(`latency ${system} r${r + 1}`, error);
      }
    }
  }
}
