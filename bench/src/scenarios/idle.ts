/**
 * Scenario 6: what an idle worker costs Redis. One worker process (concurrency 10) on an empty queue;
 * after it settles, the harness watches Redis for `idleWindowS`: MONITOR gives the commands the worker
 * sends itself (a script call counts once), INFO commandstats also counts the commands scripts run.
 */
import type { Redis } from 'ioredis';
import { sleep, type Context } from '../context';
import { commandCounts, commandDelta, totalCalls } from '../probe';
import { SYSTEMS, goAll, startWorkers, stopAll } from './common';

const QUEUE = 'bench-idle';
const SCENARIO = '6 idle worker';

export async function runIdle(ctx: Context): Promise<void> {
  for (let r = 0; r < ctx.repeat; r++) {
    for (const system of SYSTEMS) {
      try {
        await ctx.redis.flushall();
        const workers = await startWorkers(ctx, system, QUEUE, 1, 10);
        try {
          await goAll(ctx, system, QUEUE, workers);
          await sleep(ctx.sizes.idleSettleS * 1000);
          const monitor = await ctx.redis.monitor();
          const sent: Record<string, number> = {};
          monitor.on('monitor', (_time: string, args: string[], source: string) => {
            const name = String(args[0]).toLowerCase();
            if (source === 'lua' || name === 'info') return;
            sent[name] = (sent[name] ?? 0) + 1;
          });
          const before = await commandCounts(ctx.redis);
          await sleep(ctx.sizes.idleWindowS * 1000);
          const all = commandDelta(before, await commandCounts(ctx.redis));
          await disconnect(monitor);
          const window = ctx.sizes.idleWindowS;
          ctx.record(
            {
              id: 'idle.sent',
              scenario: SCENARIO,
              label: `commands/s an idle worker sends (script call = 1; ${window} s window)`,
              unit: 'commands/s',
              better: 'lower',
            },
            system,
            totalCalls(sent) / window,
          );
          ctx.record(
            {
              id: 'idle.all',
              scenario: SCENARIO,
              label: 'Redis commands/s of an idle worker, incl. inside scripts',
              unit: 'commands/s',
              better: 'lower',
            },
            system,
            totalCalls(all) / window,
          );
          ctx.detail(`idle.${system}.r${r + 1}`, { sent, all });
          ctx.log(`idle r${r + 1} ${system}: ${(totalCalls(sent) / window).toFixed(2)} commands/s sent`);
        } finally {
          await stopAll(workers);
        }
      } catch (error) {
        ctx.fail(`idle ${system} r${r + 1}`, error);
      }
    }
  }
}

async function disconnect(monitor: Redis): Promise<void> {
  monitor.disconnect();
  await sleep(10);
}
