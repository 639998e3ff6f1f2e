/**
 * Scenario 3 (and the CPU half of 5): processing throughput of noop tasks. N tasks are enqueued first;
 * the workers (child processes) start and connect; then they are let go and the time until Redis shows
 * no task waiting or running is the drain time. Around the single-process, highest-concurrency drain the
 * harness also reads Redis CPU (INFO cpu), the worker's CPU (/proc/<pid>/stat) and INFO commandstats.
 */
import { PartitionedQueue } from '@tq/core';
import { type Context } from '../context';
import { clockMs } from '../ipc';
import {
  commandCounts,
  commandDelta,
  processCpuSeconds,
  redisCpuSeconds,
  totalCalls,
  type CommandCounts,
} from '../probe';
import { tqUnfinished, unfinished, unfinishedCommands } from '../producers';
import type { WorkerSystem } from '../worker-process';
import { SYSTEMS, goAll, holdIfTq, prefill, startWorkers, stopAll, waitUntil } from './common';

/** The queue every drain uses. */
export const DRAIN_QUEUE = 'bench-drain';
const QUEUE = DRAIN_QUEUE;
const PAYLOAD = 'hello world';
const SCENARIO = '3 processing';

export interface Layout {
  processes: number;
  concurrency: number;
  n: number;
}

interface Drain {
  seconds: number;
  /** CPU seconds of redis-server and of all worker processes during the drain. */
  redisCpu: number;
  workerCpu: number;
  /** Redis commands during the drain (the harness's own polling left out). */
  commands: CommandCounts;
}

/** How one drain departs from the plain one (every field optional). */
export interface DrainOptions {
  /** BullMQ only: keep completed jobs (its default) instead of removing them. */
  bullmqKeepCompleted?: boolean;
  /** Runs on the empty Redis first: the events and features scenarios set up the queue there. */
  prepare?: () => Promise<void>;
  /** tq only: enqueues the `n` tasks instead of the plain bulk prefill (grouped tasks, partitions). */
  prefill?: (n: number) => Promise<void>;
  /** tq only: the queue has partitions (made by `prepare`): it is held, let go and watched over each. */
  partitions?: number;
}

/** Prefills, starts the workers, lets them go and times the drain. */
export async function drainOnce(
  ctx: Context,
  system: WorkerSystem,
  layout: Layout,
  options: DrainOptions = {},
): Promise<Drain> {
  const parts = options.partitions ?? 1;
  await ctx.redis.flushall();
  await options.prepare?.();
  const partitioned = parts > 1 ? await PartitionedQueue.open(ctx.redis, QUEUE) : undefined;
  const left = partitioned
    ? () =>
        tqUnfinished(
          ctx.redis,
          partitioned.partitions.map((p) => p.keys),
        )
    : () => unfinished(ctx.redis, system, QUEUE);
  if (partitioned) await partitioned.pause();
  else await holdIfTq(ctx, system, QUEUE);
  if (options.prefill) {
    await options.prefill(layout.n);
    const waiting = await left();
    if (waiting !== layout.n) throw new Error(`prefill left ${waiting} tasks waiting, expected ${layout.n}`);
  } else await prefill(ctx, system, QUEUE, layout.n, PAYLOAD);
  const workers = await startWorkers(
    ctx,
    system,
    QUEUE,
    layout.processes,
    layout.concurrency,
    [],
    options.bullmqKeepCompleted,
  );
  try {
    const cmd0 = await commandCounts(ctx.redis);
    const redisCpu0 = await redisCpuSeconds(ctx.redis);
    const workerCpu0 = workers.map((w) => processCpuSeconds(w.pid));
    let polls = 0;
    const t0 = clockMs();
    if (partitioned) await partitioned.resume();
    else await goAll(ctx, system, QUEUE, workers);
    await waitUntil(
      `${system} to drain ${layout.n} tasks (${layout.processes}x${layout.concurrency})`,
      async () => {
        if (workers.some((w) => !w.alive))
          throw new Error(`a worker exited:\n${workers.map((w) => w.recentOutput).join('\n')}`);
        polls++;
        return (await left()) === 0;
      },
      ctx.sizes.drainTimeoutMs,
    );
    const seconds = (clockMs() - t0) / 1000;
    const redisCpu = (await redisCpuSeconds(ctx.redis)) - redisCpu0;
    const workerCpu = workers.reduce((s, w, i) => s + processCpuSeconds(w.pid) - workerCpu0[i]!, 0);
    const commands = commandDelta(cmd0, await commandCounts(ctx.redis));
    for (const [cmd, perPoll] of Object.entries(unfinishedCommands(system, parts))) {
      commands[cmd] = Math.max(0, (commands[cmd] ?? 0) - polls * perPoll);
    }
    const handled = (await Promise.all(workers.map((w) => w.flush()))).reduce((s, f) => s + f.handled, 0);
    if (handled < layout.n) throw new Error(`handlers ran ${handled} times for ${layout.n} tasks`);
    return { seconds, redisCpu, workerCpu, commands };
  } finally {
    await stopAll(workers);
  }
}

export async function runDrain(ctx: Context): Promise<void> {
  const maxSingle = Math.max(...ctx.sizes.drain.filter((d) => d.processes === 1).map((d) => d.concurrency));
  for (let r = 0; r < ctx.repeat; r++) {
    for (const system of SYSTEMS) {
      for (const layout of ctx.sizes.drain) {
        const name = `${layout.processes}x${layout.concurrency}`;
        try {
          const d = await drainOnce(ctx, system, layout);
          const label =
            layout.processes === 1
              ? `noop tasks processed, 1 worker process, concurrency ${layout.concurrency}`
              : `noop tasks processed, ${layout.processes} worker processes × concurrency ${layout.concurrency}`;
          ctx.record(
            { id: `process.${name}`, scenario: SCENARIO, label, unit: 'tasks/s', better: 'higher' },
            system,
            layout.n / d.seconds,
          );
          if (layout.processes === 1 && layout.concurrency === maxSingle)
            recordCosts(ctx, system, layout, d, r);
          ctx.log(`drain r${r + 1} ${system} ${name}: ${Math.round(layout.n / d.seconds)} tasks/s`);
        } catch (error) {
          ctx.fail(`drain ${system} ${name} r${r + 1}`, error);
        }
      }
    }
    if (ctx.sizes.bullmqKeepN > 0 && SYSTEMS.includes('bullmq')) {
      // Like for like with tq, which keeps finished tasks for its retention window.
      const layout = { processes: 1, concurrency: maxSingle, n: ctx.sizes.bullmqKeepN };
      try {
        const d = await drainOnce(ctx, 'bullmq', layout, { bullmqKeepCompleted: true });
        ctx.record(
          {
            id: `process.1x${maxSingle}.bullmqKeep`,
            scenario: SCENARIO,
            label: `noop tasks processed, 1×${maxSingle}, BullMQ keeping completed jobs (its default; tq keeps them too)`,
            unit: 'tasks/s',
            better: 'higher',
          },
          'bullmq',
          layout.n / d.seconds,
        );
        ctx.log(
          `drain r${r + 1} bullmq 1x${maxSingle} keeping completed: ${Math.round(layout.n / d.seconds)} tasks/s`,
        );
      } catch (error) {
        ctx.fail(`drain bullmq keep-completed r${r + 1}`, error);
      }
    }
  }
}

function recordCosts(ctx: Context, system: WorkerSystem, layout: Layout, d: Drain, r: number): void {
  const perTask = (x: number) => (x * 1e6) / layout.n;
  const scenario = '5 cost per task';
  const at = `1×${layout.concurrency}`;
  ctx.record(
    {
      id: 'cpu.redis',
      scenario,
      label: `Redis CPU per processed task (${at})`,
      unit: 'µs/task',
      better: 'lower',
    },
    system,
    perTask(d.redisCpu),
  );
  ctx.record(
    {
      id: 'cpu.worker',
      scenario,
      label: `worker process CPU per processed task (${at})`,
      unit: 'µs/task',
      better: 'lower',
    },
    system,
    perTask(d.workerCpu),
  );
  ctx.record(
    {
      id: 'commands.perTask',
      scenario,
      label: `Redis commands per processed task, incl. inside scripts (${at})`,
      unit: 'commands/task',
      better: 'lower',
    },
    system,
    totalCalls(d.commands) / layout.n,
  );
  ctx.record(
    {
      id: 'commands.scriptsPerTask',
      scenario,
      label: `script calls (FCALL/EVALSHA/EVAL) per processed task (${at})`,
      unit: 'calls/task',
      better: 'lower',
    },
    system,
    ((d.commands.fcall ?? 0) + (d.commands.evalsha ?? 0) + (d.commands.eval ?? 0)) / layout.n,
  );
  ctx.detail(`commandsPerProcessedTask.${system}.r${r + 1}`, perTaskBreakdown(d.commands, layout.n));
}

/** Calls per task of each command, largest first. */
export function perTaskBreakdown(commands: Record<string, number>, n: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(commands)
      .sort((a, b) => b[1] - a[1])
      .map(([name, calls]) => [name, Number((calls / n).toFixed(3))]),
  );
}
