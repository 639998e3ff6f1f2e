import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/** How a child process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() at exit. */
  at: number;
}

/** Lines kept in memory per process (with `logFile`, the whole output also goes there). */
const MAX_LOG_LINES = 20_000;

/** Every child started by this process and not yet exited: SIGKILLed when it exits, whatever happens. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Spawns a command tracked for cleanup at exit. */
export function spawnTracked(
  command: string,
  args: string[],
  options: Parameters<typeof spawn>[2],
): ChildProcess {
  const child = spawn(command, args, options);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Options of {@link ChildService}. */
export interface ChildServiceOptions {
  /** The node script and its arguments, e.g. `[<package>/dist/main.js]`. */
  argv: string[];
  /** Where the whole output goes too (appended). */
  logFile?: string;
}

/**
 * A node process run by a test (a tq service, a load generator), with its output kept line by line: the
 * services log pino JSON to stdout, so tests read what happened from the lines. Killed when the test
 * process exits.
 */
export class ChildService {
  readonly logs: string[] = [];
  readonly exited: Promise<Exit>;
  readonly startedAt = Date.now();
  private readonly child: ChildProcess;
  private readonly file: WriteStream | undefined;
  private exit: Exit | undefined;

  constructor(
    readonly name: string,
    readonly kind: string,
    readonly env: Record<string, string>,
    options: ChildServiceOptions,
  ) {
    if (options.logFile) {
      mkdirSync(dirname(options.logFile), { recursive: true });
      this.file = createWriteStream(options.logFile, { flags: 'a' });
    }
    this.child = spawnTracked(process.execPath, options.argv, {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      let rest = '';
      stream.on('data', (chunk: Buffer) => {
        this.file?.write(chunk);
        const lines = (rest + chunk.toString()).split('\n');
        rest = lines.pop()!;
        this.logs.push(...lines);
        if (this.logs.length > MAX_LOG_LINES) this.logs.splice(0, this.logs.length - MAX_LOG_LINES);
      });
    }
    // 'close', not 'exit': 'exit' can come before the last output is read, and a test that sees the
    // process gone must also see everything it wrote.
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal, at: Date.now() };
        this.file?.end();
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Its /metrics (METRICS_PORT for workers and reapers, PORT for the API). */
  get metricsUrl(): string {
    return `http://127.0.0.1:${this.env.METRICS_PORT ?? this.env.PORT}/metrics`;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Log lines parsed as JSON (pino), skipping anything else. */
  entries(): Record<string, unknown>[] {
    return this.logs.flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  /** Output lines that are not JSON log lines (DESIGN §4: services log JSON to stdout, nothing else). */
  plainLines(): string[] {
    return this.logs.filter((line) => {
      if (line.trim() === '') return false;
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });
  }

  /** Whether some JSON log line has this `msg` (or, for a RegExp, a matching one). */
  logged(msg: string | RegExp): boolean {
    return this.entries().some((e) =>
      typeof msg === 'string' ? e.msg === msg : typeof e.msg === 'string' && msg.test(e.msg),
    );
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<Exit> {
    this.signal('SIGKILL');
    return this.exited;
  }

  /** The last `n` log lines, prefixed with the service name, for failure messages. */
  tail(n = 20): string {
    return this.logs
      .slice(-n)
      .map((line) => `[${this.name}] ${line}`)
      .join('\n');
  }
}
