import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';

/** What the results were measured on. */
export function describeMachine(): Record<string, unknown> {
  const cpuModel =
    /model name\s*:\s*(.*)/.exec(safeRead('/proc/cpuinfo'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  let redis = 'unknown';
  try {
    redis =
      /v=(\S+)/.exec(
        execFileSync(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--version']).toString(),
      )?.[1] ?? redis;
  } catch {
    // reported as unknown
  }
  return {
    nproc: cpus().length,
    cpuModel,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis,
    kernel: safeRead('/proc/sys/kernel/osrelease').trim(),
  };
}

/** The 1-minute load average and the busiest other processes, so a disturbed run can be recognized. */
export function describeLoad(): string {
  const [one] = loadavg();
  let top = '';
  try {
    top = execFileSync('ps', ['-eo', 'pcpu,comm', '--sort=-pcpu', '--no-headers'])
      .toString()
      .split('\n')
      .slice(0, 3)
      .map((l) => l.trim())
      .filter(Boolean)
      .join('; ');
  } catch {
    // ps missing: the load average alone
  }
  return `loadavg(1m) ${one?.toFixed(2)}; top: ${top}`;
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
