import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { POSTGRES_START_TIMEOUT_MS } from './deadlines';
import { freePort } from './free-port';

/** A private PostgreSQL on 127.0.0.1 that a test started, and may stop, kill and restart. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Process id of the current (or, after kill(), the last) postmaster. */
  readonly pid: number;
  /** A fast shutdown, then removes the data directory. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL to the postmaster and every backend (a crash); keeps the data so restart() recovers it. */
  kill(): Promise<void>;
  /** Starts again on the same port and data (after a crash recovery when it was killed). */
  restart(): Promise<void>;
}

const NOT_FOUND =
  'PostgreSQL server binaries (initdb, postgres) not found: run ./scripts/setup.sh (apt-get install postgresql), or set PG_BIN_DIR, TEST_DATABASE_URL';

/**
 * The folder holding initdb and postgres: PG_BIN_DIR, else Debian's newest /usr/lib/postgresql/<v>/bin,
 * else the folder of `initdb` on PATH. Throws saying how to install them.
 */
export function postgresBinDir(): string {
  const fromEnv = process.env.PG_BIN_DIR;
  if (fromEnv) return fromEnv;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => existsSync(join(debian, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(debian, versions[0], 'bin');
  }
  try {
    const path = execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim();
    if (path) return path.slice(0, path.lastIndexOf('/'));
  } catch {
    // reported below
  }
  throw new Error(NOT_FOUND);
}

/**
 * initdb and postgres refuse to run as root: as root, the server runs as the `postgres` user when there is
 * one (Debian's package makes it), else as `nobody`. Undefined: run as ourselves.
 */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }));
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }));
      return { uid, gid };
    } catch {
      // try the next
    }
  }
  throw new Error('running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as');
}

const live = new Set<ManagedPostgres>();
let cleanupInstalled = false;

/**
 * Starts a private PostgreSQL in a fresh temp dir on a free port (trust authentication, fsync off: a test
 * server), resolving once it accepts connections. Servers still running when the process exits are killed
 * and their dirs removed. Outage tests use this, never a shared server.
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const user = serverUser();
  const dir = await mkdtemp(join(tmpdir(), 'tq-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const server = new ManagedPostgres(bin, dir, user);
  try {
    const init = spawn(
      join(bin, 'initdb'),
      [
        '-D',
        join(dir, 'data'),
        '-U',
        'postgres',
        '--auth=trust',
        '-E',
        'UTF8',
        '--no-sync',
        '--no-instructions',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], ...user },
    );
    let output = '';
    init.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    init.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const [code] = (await once(init, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`initdb failed (${code}):\n${output}`);
    server.port = await freePort();
    await server.spawn();
    return server;
  } catch (error) {
    await server.stop();
    throw error;
  }
}

class ManagedPostgres implements PostgresServer {
  port = 0;
  #child: ChildProcess | undefined;
  #pid = 0;
  #stopped = false;

  constructor(
    private readonly bin: string,
    readonly dir: string,
    private readonly user: { uid: number; gid: number } | undefined,
  ) {
    live.add(this);
    if (!cleanupInstalled) {
      cleanupInstalled = true;
      process.once('exit', () => {
        for (const server of live) server.killSync();
      });
    }
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  get pid(): number {
    return this.#pid;
  }

  async spawn(): Promise<void> {
    const args = [
      ...['-D', join(this.dir, 'data'), '-p', String(this.port), '-h', '127.0.0.1', '-k', this.dir],
      ...['-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'max_connections=50'],
    ];
    // Its own process group: kill() reaches every backend, as a crash of the machine would.
    const child = spawn(join(this.bin, 'postgres'), args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
      ...this.user,
    });
    this.#child = child;
    let output = '';
    child.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
    const exited = once(child, 'exit').then(() => {
      throw new Error(`postgres exited before it accepted connections:\n${output}`);
    });
    exited.catch(() => undefined);
    const deadline = Date.now() + POSTGRES_START_TIMEOUT_MS;
    for (;;) {
      const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 1000 });
      try {
        await Promise.race([client.connect(), exited]);
        await client.end();
        this.#pid = child.pid ?? 0;
        return;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (child.exitCode !== null || child.signalCode !== null) throw error;
        if (Date.now() > deadline) {
          await this.kill();
          throw new Error(`postgres not ready within ${POSTGRES_START_TIMEOUT_MS} ms:\n${output}`, {
            cause: error,
          });
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT'); // fast shutdown
      const timer = setTimeout(() => this.signalGroup('SIGKILL'), 10_000);
      await once(child, 'exit');
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    // Backends call setsid(): they are not in the postmaster's group. Every child of the postmaster is
    // killed with it, as a crash of the machine would, so no connection outlives the "outage".
    const children = childrenOf(child.pid!);
    const exit = once(child, 'exit');
    this.signalGroup('SIGKILL');
    for (const pid of children) signal(pid, 'SIGKILL');
    await exit;
    const deadline = Date.now() + POSTGRES_START_TIMEOUT_MS;
    while (children.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  async restart(): Promise<void> {
    if (this.#stopped) throw new Error(`postgres on port ${this.port} was stopped; start a new one`);
    await this.kill();
    await this.spawn();
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.#child?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  }

  killSync(): void {
    const pid = this.#child?.pid;
    const children = pid ? childrenOf(pid) : [];
    this.signalGroup('SIGKILL');
    for (const c of children) signal(c, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
  }
}

/** The pids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the command in parentheses, which may hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
