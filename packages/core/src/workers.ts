import type { Clock } from './clock';
import { WORKER_KEYS } from './keys';
import { runScript, type RedisClient } from './scripts';

/** Most running task ids a worker's record lists (busySlots says how many run). */
export const MAX_LISTED_RUNNING = 100;

/** What a worker says about itself in each heartbeat. */
export interface WorkerInfo {
  /** Unique per process: `<host>-<pid>-<random>`. */
  id: string;
  host: string;
  pid: number;
  queues: string[];
  /** Slots: tasks it runs at once at most. */
  concurrency: number;
  /** Slots busy now. */
  busySlots: number;
  /** When the worker started, ms since the epoch. */
  startedAt: number;
  /** The worker package's version. */
  version: string;
  /** Ids of the tasks it runs now, at most MAX_LISTED_RUNNING of them. */
  runningTaskIds: string[];
}

/** A worker as the registry knows it. */
export interface LiveWorker extends WorkerInfo {
  /** Redis time of its last heartbeat, ms. */
  lastBeatAt: number;
  /** When its record expires unless it beats again, ms. */
  expiresAt: number;
}

/**
 * The live-worker registry (ADR 0016): workers write a record with a TTL and an index entry scored by the
 * same expiry in one script per beat; readers trim the index and read the records in one script. A worker
 * that stops beating disappears when its TTL runs out; nothing has to clean up after it.
 */
export class WorkerRegistry {
  constructor(
    readonly redis: RedisClient,
    private readonly clock?: Clock,
  ) {}

  /** Records `info` as alive for `ttlMs`. Returns the Redis time of the beat. */
  async beat(info: WorkerInfo, ttlMs: number): Promise<number> {
    const record = { ...info, runningTaskIds: info.runningTaskIds.slice(0, MAX_LISTED_RUNNING) };
    return Number(
      await this.run('heartbeat', [Math.max(1, Math.round(ttlMs)), info.id, JSON.stringify(record)]),
    );
  }

  /** Removes the worker at once (a graceful stop). */
  async leave(id: string): Promise<void> {
    await this.run('heartbeat', [0, id, '']);
  }

  /** Live workers, at most `limit`, soonest to expire first; `total` counts all of them. */
  async list(limit = 1000): Promise<{ now: number; total: number; workers: LiveWorker[] }> {
    const [now, total, rows] = (await runScript(
      this.redis,
      'list_workers',
      [WORKER_KEYS.index, WORKER_KEYS.recordPrefix],
      [this.now(), limit],
    )) as [number, number, string[]];
    const workers: LiveWorker[] = [];
    for (let i = 0; i < rows.length; i += 3) {
      const value = rows[i + 2]!;
      const space = value.indexOf(' ');
      try {
        const info = JSON.parse(value.slice(space + 1)) as WorkerInfo;
        workers.push({
          ...info,
          id: rows[i]!,
          lastBeatAt: Number(value.slice(0, space)),
          expiresAt: Number(rows[i + 1]),
        });
      } catch {
        // Not written by a tq worker: leave it out rather than fail the whole list.
      }
    }
    return { now: Number(now), total: Number(total), workers };
  }

  private run(name: 'heartbeat', args: (string | number)[]): Promise<unknown> {
    return runScript(this.redis, name, [WORKER_KEYS.index, WORKER_KEYS.recordPrefix], [this.now(), ...args]);
  }

  private now(): string {
    return this.clock ? String(this.clock.now()) : '';
  }
}
