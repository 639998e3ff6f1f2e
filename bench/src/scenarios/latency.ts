/**
 * Scenario 4: enqueue -> handler-start latency at a fixed rate with idle workers. One worker process
 * (concurrency `latencyConcurrency`) waits on an empty queue; the harness enqueues one task at a time at
 * `latencyRatePerS`, each payload `{ t }` stamped just before the enqueue call; the handler subtracts `t` from
 * its own start time (same machine clock, see ipc.ts clockMs). The worker process also subtracts `t` from the
 * moment it has the answer of the task's completion (enqueue -> acknowledged completion: BullMQ's
 * `completed`, bee-queue's `succeeded` event, tq's complete script answered); for that tq runs as
 * `createWorker` in the bench's worker process (the library apps/worker main.js runs), since the stock process
 * cannot report it.
 *
 * The tasks go at the rate for `latencyWarmupS`, then for the measured `latencyDurationS` (ADR 0062): the
 * figures are those of a worker past its first seconds, whose code V8 has compiled; the warm-up's own p99 is
 * reported apart, as what a freshly started worker shows.
 */
import { sleep, type Context } from '../context';
import { clockMs } from '../ipc';
import { processCpuSeconds, redisCpuSeconds } from '../probe';
import { createProducer, unfinished } from '../producers';
import { percentile } from '../stats';
import { SYSTEMS, goAll, startWorkers, stopAll, waitUntil } from './common';
import type { WorkerProcess } from '../worker-process';

const QUEUE = 'bench-latency';
const SCENARIO = '4 latency';

export async function runLatency(ctx: Context): Promise<void> {
  const { latencyRatePerS: rate, latencyConcurrency: concurrency } = ctx.sizes;
  const warm = Math.round(rate * ctx.sizes.latencyWarmupS);
  const n = Math.round(rate * ctx.sizes.latencyDurationS);
  const total = warm + n;
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
        const worker = workers[0]!;
        const producer = await createProducer(system, ctx.redisUrl, QUEUE);
        try {
          await goAll(ctx, system, QUEUE, workers);
          // Load the path (scripts loaded, connections open), then let the worker go idle.
          await producer.addOne({ warmup: true });
          await waitUntil(
            'the first task',
            async () => (await unfinished(ctx.redis, system, QUEUE)) === 0,
            10_000,
          );
          await sleep(ctx.sizes.latencyIdleS * 1000);
          await worker.flush();
          const offset = await worker.clockOffsetMs();

          const errors: unknown[] = [];
          let sent = 0;
          let maxLagMs = 0;
          let cpu0: Promise<Cpu> | undefined;
          const t0 = clockMs();
          while (sent < total) {
            // Task i is due at t0 + i / rate; send every task that is due, then sleep a timer tick.
            const due = Math.min(total, Math.floor(((clockMs() - t0) / 1000) * rate) + 1);
            for (; sent < due; sent++) {
              if (sent === warm) cpu0 = readCpu(ctx, worker);
              const t = clockMs();
              maxLagMs = Math.max(maxLagMs, t - (t0 + (sent * 1000) / rate));
              producer.addOne({ t }).catch((e: unknown) => errors.push(e));
            }
            await sleep(1);
          }
          const sendSeconds = (clockMs() - t0) / 1000;
          await waitUntil(
            `${system} to run ${total} tasks`,
            async () => (await unfinished(ctx.redis, system, QUEUE)) === 0,
            ctx.sizes.drainTimeoutMs,
          );
          const cpu = diffCpu(await cpu0!, await readCpu(ctx, worker));
          if (errors.length > 0) throw errors[0];
          const flushed = await worker.flush();
          if (flushed.latenciesMs.length !== total)
            throw new Error(`got ${flushed.latenciesMs.length} latency samples for ${total} tasks`);
          // In start (and acknowledgement) order, which is the enqueue order but for a task or two at the cut.
          const latenciesMs = flushed.latenciesMs.slice(warm);
          const warmupMs = flushed.latenciesMs.slice(0, warm);
          const acked = flushed.ackLatenciesMs.length === total;
          const ackLatenciesMs = flushed.ackLatenciesMs.slice(warm);
          const ackDelaysMs = flushed.ackDelaysMs.slice(warm);

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
          if (acked) {
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
              `latency r${r + 1} ${system}: ${flushed.ackLatenciesMs.length} acknowledgements seen for ${total} tasks`,
            );
          }
          ctx.record(
            {
              id: 'latency.warmup.p99',
              scenario: SCENARIO,
              label: `enqueue → handler start p99 in the worker's first ${ctx.sizes.latencyWarmupS} s at ${rate}/s (the warm-up, not in the rows above)`,
              unit: 'ms',
              better: 'lower',
            },
            system,
            percentile(warmupMs, 99),
          );
          // CPU per task of the measured tasks (and the wait's few polls): on 2 cores, every µs one process
          // spends on a task is a µs another may wait for a core, so this is what the tail grows with.
          for (const [side, seconds] of Object.entries(cpu))
            ctx.record(
              {
                id: `latency.cpu.${side}`,
                scenario: SCENARIO,
                label: `${CPU_SIDES[side as keyof Cpu]} CPU per task at ${rate}/s`,
                unit: 'µs/task',
                better: 'lower',
              },
              system,
              (seconds * 1e6) / n,
            );
          ctx.detail(`latency.${system}.r${r + 1}`, {
            samples: n,
            warmupSamples: warm,
            achievedRatePerS: Math.round(total / sendSeconds),
            producerMaxLagMs: Number(maxLagMs.toFixed(2)),
            workerClockOffsetMs: Number(offset.toFixed(3)),
          });
          ctx.log(
            `latency r${r + 1} ${system}: start p50 ${percentile(latenciesMs, 50).toFixed(2)} p99 ${percentile(latenciesMs, 99).toFixed(2)} ms; ` +
              `acknowledged p50 ${percentile(ackLatenciesMs, 50).toFixed(2)} p99 ${percentile(ackLatenciesMs, 99).toFixed(2)} ms; ` +
              `start → acknowledged p50 ${percentile(ackDelaysMs, 50).toFixed(2)} p99 ${percentile(ackDelaysMs, 99).toFixed(2)} ms; ` +
              `warm-up start p99 ${percentile(warmupMs, 99).toFixed(2)} ms (clock offset ${offset.toFixed(3)} ms)`,
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

/** CPU seconds so far of Redis, the worker process and the producer (this, the harness, process). */
interface Cpu {
  redis: number;
  worker: number;
  producer: number;
}

const CPU_SIDES: Record<keyof Cpu, string> = {
  redis: 'Redis',
  worker: 'worker process',
  producer: 'producer (the harness)',
};

async function readCpu(ctx: Context, worker: WorkerProcess): Promise<Cpu> {
  const producer = process.cpuUsage();
  return {
    redis: await redisCpuSeconds(ctx.redis),
    worker: processCpuSeconds(worker.pid),
    producer: (producer.user + producer.system) / 1e6,
  };
}

const diffCpu = (a: Cpu, b: Cpu): Cpu => ({
  redis: b.redis - a.redis,
  worker: b.worker - a.worker,
  producer: b.producer - a.producer,
});
