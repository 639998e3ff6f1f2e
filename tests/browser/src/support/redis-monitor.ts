import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { spawnTracked, waitFor } from '@tq/testing';

const CLI = process.env.REDIS_CLI_BIN ?? 'redis-cli';

/** Redis commands counted while a MONITOR ran: those of the API's connections, with the calls their scripts made. */
export interface CommandCount {
  /** Commands the API sent (EVALSHA counts once). */
  sent: number;
  /** `sent` plus every command run inside the API's scripts: what Redis executed for the API. */
  executed: number;
  seconds: number;
  /** The API's commands by name, e.g. { evalsha: 8, smembers: 4 }. */
  byName: Record<string, number>;
}

/**
 * Counts the Redis commands caused by the API's connections (client name tq-api) with MONITOR on a
 * private redis-server. A script's own calls show as "[0 lua]" lines right after the EVALSHA that ran
 * them (scripts run atomically, so no other client's line comes between), and are counted with it.
 * Other clients (workers, the reaper) are left out: what remains is what the open tab made the API do.
 */
export class RedisMonitor {
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private rest = '';

  private constructor(private readonly url: string) {
    this.child = spawnTracked(CLI, ['-u', url, 'monitor'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const parts = (this.rest + chunk.toString()).split('\n');
      this.rest = parts.pop()!;
      this.lines.push(...parts);
    });
  }

  static async start(url: string): Promise<RedisMonitor> {
    const monitor = new RedisMonitor(url);
    await waitFor(() => monitor.lines.some((l) => l.startsWith('OK')), {
      timeoutMs: 10_000,
      message: 'MONITOR started',
    });
    return monitor;
  }

  /** Counts the API's commands over the next `ms` milliseconds (but its reads of the data marker tq:epoch). */
  async count(ms: number): Promise<CommandCount> {
    const apiAddrs = new Set(
      execFileSync(CLI, ['-u', this.url, 'client', 'list'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => /\bname=tq-api\b/.test(l))
        .map((l) => /\baddr=(\S+)/.exec(l)![1]!),
    );
    const from = this.lines.length;
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const seconds = (Date.now() - started) / 1000;
    const result: CommandCount = { sent: 0, executed: 0, seconds, byName: {} };
    let inApiScript = false;
    for (const line of this.lines.slice(from)) {
      const match = /^\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]+)"(?: "([^"]+)")?/.exec(line);
      if (!match) continue;
      const [, client, name, firstArg] = match as unknown as [string, string, string, string | undefined];
      if (client === 'lua') {
        if (inApiScript) result.executed++;
        continue;
      }
      // The API's own check of the data marker (every 10 s, EpochWatcher) is not the tab's doing.
      inApiScript = apiAddrs.has(client) && firstArg !== 'tq:epoch';
      if (!inApiScript) continue;
      result.sent++;
      result.executed++;
      const key = name.toLowerCase();
      result.byName[key] = (result.byName[key] ?? 0) + 1;
    }
    return result;
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}
