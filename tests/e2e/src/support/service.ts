import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';

/** The services the e2e tests run, each as `node <package>/dist/main.js`. */
export type ServiceKind = 'api' | 'worker' | 'reaper';

/** How a child process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() at exit. */
  at: number;
}

const MAX_LOG_LINES = 5000;

/** The built entry point of a service, found through its workspace package (a devDependency of @tq/e2e). */
export function entryPoint(kind: ServiceKind): string {
  return join(dirname(require.resolve(`@tq/${kind}/package.json`)), 'dist', 'main.js');
}

/** One service running as a child process, with its output kept line by line. */
export class Service {
  readonly logs: string[] = [];
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;
  private exit: Exit | undefined;

  constructor(
    readonly name: string,
    readonly kind: ServiceKind,
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, [entryPoint(kind)], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      let rest = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString()).split('\n');
        rest = lines.pop()!;
        this.logs.push(...lines);
        if (this.logs.length > MAX_LOG_LINES) this.logs.splice(0, this.logs.length - MAX_LOG_LINES);
      });
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal, at: Date.now() };
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Log lines parsed as JSON (pino), skipping anything else. */
  entries(): Record<string, unknown>[] {
    return this.logs.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  /** Whether some JSON log line has this `msg`. */
  logged(msg: string): boolean {
    return this.entries().some((e) => e.msg === msg);
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
  tail(n = 30): string {
    return this.logs
      .slice(-n)
      .map((line) => `[${this.name}] ${line}`)
      .join('\n');
  }
}
