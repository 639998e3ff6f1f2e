import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS_START_TIMEOUT_MS } from './deadlines';
import { freePort } from './free-port';

/** Options for {@link startRedisServer}. */
export interface RedisServerOptions {
  /** TCP port on 127.0.0.1; default: a free port, picked again (up to 3 times) if another process takes it first. */
  port?: number;
  /** Data directory, created if missing and never removed; default: a fresh temp dir that stop() removes. */
  dir?: string;
  /** Turn on the append-only file; default false. */
  appendonly?: boolean;
  /** AOF fsync policy; default: the server's own (everysec). */
  appendfsync?: 'always' | 'everysec';
  /** Run as a Redis Cluster node (nodes.conf in the dir, bus on port + 10000); default false. */
  cluster?: boolean;
  /** A cluster node's `cluster-node-timeout`, ms: how long a silent master takes to be failed over. Default 5000. */
  clusterNodeTimeoutMs?: number;
  /** More redis-server arguments, appended last. */
  extraArgs?: string[];
}

/** A private redis-server on 127.0.0.1. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Process id of the current (or, after kill(), the last) server process. */
  readonly pid: number;
  /** SIGTERM, wait for exit, remove the dir if startRedisServer created it. Safe to call twice. */
  stop(): Promise<void>;
  /** Send `signal` (default SIGKILL) and wait for exit; keeps the dir so restart() finds the data. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Start again on the same port, dir and options (after a graceful stop if still running). */
  restart(): Promise<void>;
}

const READY = 'Ready to accept connections';
const STOP_TIMEOUT_MS = 5000;
const PORT_RACE_RETRIES = 3;
const CLUSTER_ARGS = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'];
const CLUSTER_NODE_TIMEOUT_MS = 5000;
const NOT_FOUND =
  'redis-server not found: install it (apt-get install redis-server) or set REDIS_URL / REDIS_SERVER_BIN';

/**
 * Spawns a private redis-server (REDIS_SERVER_BIN or `redis-server` on PATH) and resolves once it accepts
 * connections (REDIS_START_TIMEOUT_MS, 30 s). Persistence is off unless asked for. Servers still running when the process exits
 * or gets SIGINT/SIGTERM/SIGHUP are killed and their temp dirs removed.
 */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const ownsDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'tq-redis-')));
  if (!ownsDir) await mkdir(dir, { recursive: true });
  const server = new ManagedRedisServer(dir, ownsDir, opts);
  try {
    for (let retry = 0; ; retry++) {
      server.port = opts.port ?? (await freePort({ clusterBus: opts.cluster }));
      try {
        await server.spawn();
        return server;
      } catch (err) {
        const lostRace = err instanceof PortTakenError && opts.port === undefined;
        if (!lostRace || retry === PORT_RACE_RETRIES) throw err;
      }
    }
  } catch (err) {
    await server.stop();
    throw err;
  }
}

class PortTakenError extends Error {}

class ManagedRedisServer implements RedisServer {
  port = 0;
  #child: ChildProcess | undefined;
  #pid = 0;
  #stopped = false;

  constructor(
    readonly dir: string,
    private readonly ownsDir: boolean,
    private readonly opts: RedisServerOptions,
  ) {
    live.add(this);
    installExitCleanup();
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.#pid;
  }

  async spawn(): Promise<void> {
    const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
    const child = spawn(bin, this.#args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    try {
      await untilReady(child);
      this.#pid = child.pid ?? 0;
    } catch (err) {
      await this.kill();
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#terminate();
    if (this.ownsDir) await rm(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (!child || !isRunning(child)) return;
    child.kill(signal);
    await exited(child);
  }

  async restart(): Promise<void> {
    if (this.#stopped) throw new Error(`redis-server on port ${this.port} was stopped; start a new one`);
    await this.#terminate();
    await this.spawn();
  }

  async #terminate(): Promise<void> {
    const child = this.#child;
    if (!child || !isRunning(child)) return;
    child.kill('SIGTERM');
    // A server stuck in shutdown must not outlive the test run.
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited(child);
    clearTimeout(timer);
  }

  /** For the exit handler: only synchronous work runs there. */
  killSync(): void {
    const child = this.#child;
    if (child && isRunning(child)) child.kill('SIGKILL');
    // A just-killed server may still be closing files in the dir, hence the retries.
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
  }

  #args(): string[] {
    const { appendonly = false, appendfsync, cluster = false, extraArgs = [] } = this.opts;
    const nodeTimeoutMs = this.opts.clusterNodeTimeoutMs ?? CLUSTER_NODE_TIMEOUT_MS;
    return [
      ...['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', ''],
      ...['--appendonly', appendonly ? 'yes' : 'no'],
      ...(appendfsync ? ['--appendfsync', appendfsync] : []),
      ...(cluster ? [...CLUSTER_ARGS, '--cluster-node-timeout', String(nodeTimeoutMs)] : []),
      '--daemonize',
      'no',
      ...extraArgs,
    ];
  }
}

function untilReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(READY)) finish();
    };
    const onExit = (code: number | null, signal: string | null): void => {
      const Failure = output.includes('Address already in use') ? PortTakenError : Error;
      finish(new Failure(`redis-server exited (${code ?? signal}) before it was ready:\n${output}`));
    };
    const onError = (err: NodeJS.ErrnoException): void =>
      finish(err.code === 'ENOENT' ? new Error(NOT_FOUND) : err);
    const timer = setTimeout(
      () => finish(new Error(`redis-server not ready within ${REDIS_START_TIMEOUT_MS} ms:\n${output}`)),
      REDIS_START_TIMEOUT_MS,
    );
    function finish(err?: Error): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      // Keep draining the pipes so a chatty server never blocks on a full one.
      child.stdout?.resume();
      child.stderr?.resume();
      if (err) reject(err);
      else resolve();
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

async function exited(child: ChildProcess): Promise<void> {
  if (isRunning(child)) await once(child, 'exit');
}

/** Servers not yet stopped; the exit handler kills them, since jest skips globalTeardown when interrupted. */
const live = new Set<ManagedRedisServer>();
let exitCleanupInstalled = false;

function installExitCleanup(): void {
  if (exitCleanupInstalled) return;
  exitCleanupInstalled = true;
  process.once('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllSync();
      // Our listener replaced the default action; re-raise so the process still dies of the signal.
      process.kill(process.pid, signal);
    });
  }
}

function killAllSync(): void {
  for (const server of live) server.killSync();
  live.clear();
}
