import { readFileSync } from 'node:fs';
import { processCpuSeconds } from './probe';

const TICKS = 100; // USER_HZ

/** CPU time used by the whole machine and by the bench's own processes, s, at one instant. */
export interface CpuSnapshot {
  at: number;
  machineBusy: number;
  ours: number;
}

/**
 * Reads /proc/stat (all CPUs) and the bench's own share: this process, its reaped children (workers,
 * servers, autocannon: /proc/self/stat cutime + cstime) and the still-running redis-server.
 */
export function cpuSnapshot(redisPid: number): CpuSnapshot {
  const at = Date.now();
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
    const self = readFileSync('/proc/self/stat', 'utf8');
    const f = self
      .slice(self.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const ownTicks = f[11]! + f[12]! + f[13]! + f[14]!; // utime stime cutime cstime
    const redis = processCpuSeconds(redisPid);
    return {
      at,
      machineBusy: (user + nice + system + irq + softirq + steal) / TICKS,
      ours: ownTicks / TICKS + (Number.isNaN(redis) ? 0 : redis),
    };
  } catch {
    return { at, machineBusy: NaN, ours: NaN };
  }
}

/** Average cores other processes kept busy between two snapshots (the bench's children must have exited). */
export function foreignCores(a: CpuSnapshot, b: CpuSnapshot): number {
  const wall = (b.at - a.at) / 1000;
  return Math.max(0, (b.machineBusy - a.machineBusy - (b.ours - a.ours)) / wall);
}
