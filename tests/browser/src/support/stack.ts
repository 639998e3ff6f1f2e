import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ChildService, freePort, startRedisServer, waitForService, type RedisServer } from '@tq/testing';

type Kind = 'api' | 'worker' | 'reaper' | 'archiver';

/** The built entry point of a service, found through its workspace package (a devDependency here). */
function entryPoint(kind: Kind): string {
  return join(dirname(require.resolve(`@tq/${kind}/package.json`)), 'dist', 'main.js');
}

/** The dashboard's built bundle (apps/dashboard/dist), found through its workspace package. */
export const DASHBOARD_DIST = join(dirname(require.resolve('@tq/dashboard/package.json')), 'dist');

/**
 * A private redis-server with the API, workers, a reaper and an archiver on it, as the built services run in
 * production. Every child is SIGKILLed by `close()` and when the jest process exits.
 */
export class Stack {
  readonly services: ChildService[] = [];
  readonly markersDir = mkdtempSync(join(tmpdir(), 'tq-browser-'));
  apiUrl = '';

  private constructor(readonly redis: RedisServer) {}

  static async start(): Promise<Stack> {
    return new Stack(await startRedisServer());
  }

  /** The API on a free port, serving the dashboard bundle; resolves once /readyz answers 200. */
  async startApi(env: Record<string, string> = {}): Promise<ChildService> {
    const port = await freePort();
    // GRPC_PORT 0: gRPC's default port 9090 is not the test's to take (another suite or service may hold it).
    const api = this.spawn('api', 'api', {
      PORT: String(port),
      GRPC_PORT: '0',
      DASHBOARD_DIR: DASHBOARD_DIST,
      ...env,
    });
    this.apiUrl = `http://127.0.0.1:${port}`;
    await this.until(
      api,
      async () => (await fetch(`${this.apiUrl}/readyz`).catch(() => undefined))?.status === 200,
      'api ready',
    );
    return api;
  }

  /** A worker with the handlers of handlers.js; resolves once it logged that it started. */
  async startWorker(name: string, env: Record<string, string> = {}): Promise<ChildService> {
    const worker = this.spawn(name, 'worker', {
      METRICS_PORT: String(await freePort()),
      HANDLER_MODULES: join(__dirname, 'handlers.js'),
      BROWSER_MARKERS_DIR: this.markersDir,
      ...env,
    });
    await this.until(worker, () => worker.logged('worker started'), `${name} started`);
    return worker;
  }

  async startReaper(env: Record<string, string> = {}): Promise<ChildService> {
    const reaper = this.spawn('reaper', 'reaper', { METRICS_PORT: String(await freePort()), ...env });
    await this.until(reaper, () => reaper.logged('reaper started'), 'reaper started');
    return reaper;
  }

  /** An archiver (DATABASE_URL in `env`); resolves once it logged that it started. */
  async startArchiver(env: Record<string, string>): Promise<ChildService> {
    const archiver = this.spawn('archiver', 'archiver', { METRICS_PORT: String(await freePort()), ...env });
    await this.until(archiver, () => archiver.logged('archiver started'), 'archiver started');
    return archiver;
  }

  private spawn(name: string, kind: Kind, env: Record<string, string>): ChildService {
    const service = new ChildService(
      name,
      kind,
      { REDIS_URL: this.redis.url, ...env },
      { argv: [entryPoint(kind)] },
    );
    this.services.push(service);
    return service;
  }

  /** waitFor with a deadline sized for a busy machine, failing early if `service` exits; logs in the error. */
  until<T>(
    service: ChildService | undefined,
    predicate: () => T | Promise<T>,
    message: string,
    timeoutMs = 20_000,
  ) {
    return waitForService(predicate, {
      service,
      timeoutMs,
      message,
      intervalMs: 200,
      context: () => this.services.map((s) => s.tail()).join('\n'),
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.services.map((s) => s.kill()));
    await this.redis.stop();
  }
}
