/**
 * `--profile`: where tq's time goes. CPU profiles (node --cpu-prof) of one tq worker draining noop tasks
 * at concurrency 100, and of the API under POST /tasks and under POST /tasks/batch (1000), each with the
 * Redis commands per task from INFO commandstats. Writes the profiles and summary.md under `dir`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from './context';
import { summarizeCpuProfile } from './cpuprofile-summary';
import {
  commandDelta,
  commandStats,
  redisCpuSeconds,
  totalCalls,
  usecDelta,
  type CommandStat,
} from './probe';
import { unfinished, unfinishedCommands } from './producers';
import { perTaskBreakdown } from './scenarios/drain';
import { goAll, holdIfTq, prefill, startWorkers, stopAll, waitUntil } from './scenarios/common';
import { load, startServer, stopServer } from './scenarios/http';

const N = 50_000;
const QUEUE = 'bench-profile';

export async function runProfile(ctx: Context, dir: string): Promise<void> {
  const sections: string[] = [`# tq profile\n\ntq worker: ${ctx.tqWorker.kind}, tq API: ${ctx.tqApi.kind}\n`];

  const workerDir = join(dir, 'worker');
  mkdirSync(workerDir, { recursive: true });
  await ctx.redis.flushall();
  await holdIfTq(ctx, 'tq', QUEUE);
  await prefill(ctx, 'tq', QUEUE, N, 'hello world');
  const workers = await startWorkers(ctx, 'tq', QUEUE, 1, 100, ['--cpu-prof', `--cpu-prof-dir=${workerDir}`]);
  const cmd0 = await commandStats(ctx.redis);
  const cpu0 = await redisCpuSeconds(ctx.redis);
  let polls = 0;
  const t0 = Date.now();
  await goAll(ctx, 'tq', QUEUE, workers);
  await waitUntil(
    'the drain',
    async () => (polls++, (await unfinished(ctx.redis, 'tq', QUEUE)) === 0),
    120_000,
  );
  const seconds = (Date.now() - t0) / 1000;
  const redisCpu = (await redisCpuSeconds(ctx.redis)) - cpu0;
  const cmd1 = await commandStats(ctx.redis);
  const commands = commandDelta(calls(cmd0), calls(cmd1));
  for (const [cmd, perPoll] of Object.entries(unfinishedCommands('tq')))
    commands[cmd] = Math.max(0, (commands[cmd] ?? 0) - polls * perPoll);
  await stopAll(workers);
  sections.push(
    `## Worker: drain of ${N} noop tasks, 1 process × concurrency 100`,
    `${Math.round(N / seconds)} tasks/s (profiling slows it); Redis CPU ${((redisCpu * 1e6) / N).toFixed(1)} µs/task; ${(totalCalls(commands) / N).toFixed(2)} Redis commands/task`,
    '',
    'Redis commands per task (INFO commandstats, incl. inside scripts):',
    '',
    commandTable(commands, usecDelta(cmd0, cmd1), N),
    '',
    ...profiles(workerDir),
  );

  for (const [name, batch] of [
    ['api-post-tasks', 1],
    ['api-post-tasks-batch-1000', 1000],
  ] as const) {
    const apiDir = join(dir, name);
    mkdirSync(apiDir, { recursive: true });
    await ctx.redis.flushall();
    const server = await startServer(
      { ...ctx, tqExecArgv: ['--cpu-prof', `--cpu-prof-dir=${apiDir}`] },
      'tq',
    );
    const task = { type: 'noop', payload: 'hello world', queue: QUEUE };
    const body = JSON.stringify(batch === 1 ? task : { tasks: Array.from({ length: batch }, () => task) });
    const c0 = await commandStats(ctx.redis);
    const rc0 = await redisCpuSeconds(ctx.redis);
    const result = await load(
      {
        url: `${server.url}${batch === 1 ? '/tasks' : '/tasks/batch'}`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections: batch === 1 ? 100 : 8,
        pipelining: 1,
      },
      5,
    );
    const c1 = await commandStats(ctx.redis);
    const rcpu = (await redisCpuSeconds(ctx.redis)) - rc0;
    const cmds = commandDelta(calls(c0), calls(c1));
    await stopServer(server);
    const tasks = result.ok2xx * batch;
    sections.push(
      `## API: ${batch === 1 ? 'POST /tasks (100 connections)' : 'POST /tasks/batch with 1000 tasks (8 connections)'}`,
      `${Math.round(result.ok2xx / result.durationS)} requests/s, ${Math.round(tasks / result.durationS)} tasks/s (profiling slows it); non-2xx ${result.non2xx}; Redis CPU ${((rcpu * 1e6) / tasks).toFixed(1)} µs/task`,
      '',
      commandTable(cmds, usecDelta(c0, c1), tasks),
      '',
      ...profiles(apiDir),
    );
  }
  const enqueueDir = join(dir, 'enqueue-submit-batch');
  mkdirSync(enqueueDir, { recursive: true });
  await ctx.redis.flushall();
  const e0 = await commandStats(ctx.redis);
  const er0 = await redisCpuSeconds(ctx.redis);
  const rate = execFileSync(
    process.execPath,
    [
      '--cpu-prof',
      `--cpu-prof-dir=${enqueueDir}`,
      join(__dirname, 'profile-enqueue.js'),
      ctx.redisUrl,
      QUEUE,
      String(N),
    ],
    { encoding: 'utf8' },
  ).trim();
  const e1 = await commandStats(ctx.redis);
  const erCpu = (await redisCpuSeconds(ctx.redis)) - er0;
  sections.push(
    `## Library bulk enqueue: TaskService.submitBatch, ${N} tasks in calls of 1000 (one process)`,
    `${rate} (profiling slows it); Redis CPU ${((erCpu * 1e6) / N).toFixed(1)} µs/task`,
    '',
    commandTable(commandDelta(calls(e0), calls(e1)), usecDelta(e0, e1), N),
    ...profiles(enqueueDir),
  );
  writeFileSync(join(dir, 'summary.md'), sections.join('\n'));
  console.log(sections.join('\n'));
  ctx.log(`profiles and summary in ${dir}`);
}

function calls(stats: Record<string, CommandStat>): Record<string, number> {
  return Object.fromEntries(Object.entries(stats).map(([name, s]) => [name, s.calls]));
}

/** Calls per task and Redis-side µs per task of each command (a script's time includes its commands'). */
function commandTable(callsDelta: Record<string, number>, usec: Record<string, number>, n: number): string {
  const rows = Object.entries(perTaskBreakdown(callsDelta, n))
    .filter(([, perTask]) => perTask > 0)
    .map(([name, perTask]) => `| ${name} | ${perTask} | ${((usec[name] ?? 0) / n).toFixed(2)} |`);
  return ['| command | calls/task | Redis µs/task |', '| --- | ---: | ---: |', ...rows, ''].join('\n');
}

function profiles(dir: string): string[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0)
    return ['(no profile written: did the process exit through process.exit or a signal?)', ''];
  return files.flatMap((f) => [`### ${f}`, '', summarizeCpuProfile(join(dir, f)), '']);
}
