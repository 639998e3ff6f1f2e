import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** Calls per Redis command name (from INFO commandstats), e.g. { evalsha: 120, hset: 400 }. */
export type CommandCounts = Record<string, number>;

/** Parses `INFO` text into a flat map of fields. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Bytes Redis has allocated (`used_memory`). */
export async function usedMemory(redis: Redis): Promise<number> {
  return Number(parseInfo(await redis.info('memory')).used_memory);
}

/** CPU seconds the redis-server process has used (user + system, all threads), µs precision. */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = parseInfo(await redis.info('cpu'));
  return Number(info.used_cpu_user) + Number(info.used_cpu_sys);
}

/** Calls and Redis-side time (µs) of one command, from INFO commandstats. */
export interface CommandStat {
  calls: number;
  usec: number;
}

/**
 * Calls and time per command so far. Redis counts the commands a Lua script runs as well as the EVALSHA
 * itself (whose time includes theirs), so the delta over a run shows the work behind each script call.
 */
export async function commandStats(redis: Redis): Promise<Record<string, CommandStat>> {
  const info = parseInfo(await redis.info('commandstats'));
  const out: Record<string, CommandStat> = {};
  for (const [key, value] of Object.entries(info)) {
    if (!key.startsWith('cmdstat_')) continue;
    const calls = /calls=(\d+)/.exec(value);
    const usec = /usec=(\d+)/.exec(value);
    if (calls) out[key.slice('cmdstat_'.length)] = { calls: Number(calls[1]), usec: Number(usec?.[1] ?? 0) };
  }
  return out;
}

/** Calls per command so far (see commandStats). */
export async function commandCounts(redis: Redis): Promise<CommandCounts> {
  const stats = await commandStats(redis);
  return Object.fromEntries(Object.entries(stats).map(([name, s]) => [name, s.calls]));
}

/** Redis-side µs per command between two commandStats readings (INFO left out). */
export function usecDelta(
  before: Record<string, CommandStat>,
  after: Record<string, CommandStat>,
): CommandCounts {
  const out: CommandCounts = {};
  for (const [name, s] of Object.entries(after)) {
    const d = s.usec - (before[name]?.usec ?? 0);
    if (d > 0 && name !== 'info') out[name] = d;
  }
  return out;
}

/** `after - before` per command, dropping zeros and the probe's own INFO calls. */
export function commandDelta(before: CommandCounts, after: CommandCounts): CommandCounts {
  const out: CommandCounts = {};
  for (const [name, calls] of Object.entries(after)) {
    const d = calls - (before[name] ?? 0);
    if (d > 0 && name !== 'info') out[name] = d;
  }
  return out;
}

/** Sum of the calls of a delta. */
export function totalCalls(counts: CommandCounts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * CPU seconds (user + system) a process has used, from /proc/<pid>/stat (10 ms resolution).
 * Returns NaN when the process is gone or /proc is not available.
 */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND; // utime, stime
  } catch {
    return NaN;
  }
}
