import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SERVICE_START_TIMEOUT_MS,
  freePort,
  onTestCluster,
  startRedisCluster,
  startRedisServer,
  testPartitions,
  waitForService,
  type RedisServer,
  type RedisServerOptions,
} from '@tq/testing';
import { Service, entryPoint, type ServiceKind } from './service';

/** The handler module the e2e workers load through HANDLER_MODULES (sleep, crash). */
export const HANDLERS_MODULE = join(__dirname, 'handlers.js');

/** What the handlers in handlers.js record, one JSON line each, in E2E_EFFECTS_FILE. */
export interface Effect {
  id: string;
  attempt: number;
  pid: number;
  what: 'start' | 'done';
  at: number;
}

/** TQ_TEST_CLUSTER=1: every stack runs on its own private 3-master Redis Cluster instead of a redis-server. */
export const ON_CLUSTER = onTestCluster();

/** TQ_TEST_PARTITIONS=N: the API and workers create every new queue with N partitions (ADR 0040). */
export const PARTITIONS = testPartitions();

/**
 * The Redis of a stack: a redis-server, or with TQ_TEST_CLUSTER=1 a cluster, whose `kill` and `restart`
 * throw (tests that stop the one redis-server are skipped there: {@link describeOneRedisServer}).
 */
export type StackRedis = Pick<RedisServer, 'url' | 'port' | 'kill' | 'restart' | 'stop'>;

/**
 * `describe` for tests whose subject is the one redis-server (they kill, restart or reconfigure it, or
 * start it with persistence options): on the cluster one skipped test saying so.
 */
export function describeOneRedisServer(name: string, body: () => void): void {
  if (!ON_CLUSTER) describe(name, body);
  else describe(name, () => it.skip(`skipped: ${SKIP_REASON}`, () => undefined));
}

/** `it` for one such test in a file that otherwise runs on the cluster too. */
export function itOneRedisServer(name: string, body: () => Promise<void>, timeoutMs?: number): void {
  if (!ON_CLUSTER) it(name, body, timeoutMs);
  else it.skip(`skipped: ${name} (${SKIP_REASON})`, () => undefined);
}

const SKIP_REASON =
  'stops or reconfigures the one redis-server; with TQ_TEST_CLUSTER=1 the stack is a cluster (a master failover is chaos scenario territory)';

/**
 * A private redis-server (or Redis Cluster, {@link ON_CLUSTER}) with the services of one test file on it. Every child is SIGKILLed by
 * `close()` (call it in afterAll) and when the jest process exits, so none outlives a failed run.
 */
export class Stack {
  readonly services: Service[] = [];
  readonly effectsFile: string;
  apiUrl = '';
  private constructor(readonly redis: StackRedis) {
    this.effectsFile = join(mkdtempSync(join(tmpdir(), 'tq-e2e-')), 'effects.jsonl');
    live.add(this);
  }

  /**
   * A stack on a new private redis-server (`redis`: its persistence and other options), or with
   * TQ_TEST_CLUSTER=1 on a new private 3-master Redis Cluster (where `redis` options cannot apply).
   */
  static async start(redis: RedisServerOptions = {}): Promise<Stack> {
    if (!ON_CLUSTER) return new Stack(await startRedisServer(redis));
    if (Object.keys(redis).length > 0)
      throw new Error('Stack.start: redis-server options need one redis-server (describeOneRedisServer)');
    const cluster = await startRedisCluster();
    const refuse = () => Promise.reject(new Error(`not on a Redis Cluster: ${SKIP_REASON}`));
    return new Stack({
      url: cluster.url,
      port: cluster.nodes[0]!.port,
      kill: refuse,
      restart: refuse,
      stop: () => cluster.stop(),
    });
  }

  /** Starts the API on a free port and waits until /readyz answers 200. */
  async startApi(env: Record<string, string> = {}): Promise<Service> {
    const port = await freePort();
    const api = this.spawn('api', 'api', { PORT: String(port), GRPC_PORT: '0', ...env });
    this.apiUrl = `http://127.0.0.1:${port}`;
    await this.until(
      api,
      async () => (await fetch(`${this.apiUrl}/readyz`).catch(() => undefined))?.status === 200,
      'api ready',
    );
    return api;
  }

  /**
   * Starts a worker and waits for its "worker started" log line. With `mayDieAtOnce`, a worker that exits
   * first is returned too: logs are written asynchronously, so one that claims a task that SIGKILLs it can
   * die before its start line reaches the pipe; the caller watches `exited`.
   */
  async startWorker(
    name: string,
    env: Record<string, string> = {},
    { mayDieAtOnce = false }: { mayDieAtOnce?: boolean } = {},
  ): Promise<Service> {
    const worker = this.spawn(name, 'worker', {
      METRICS_PORT: String(await freePort()),
      HANDLER_MODULES: HANDLERS_MODULE,
      E2E_EFFECTS_FILE: this.effectsFile,
      ...env,
    });
    await this.until(
      mayDieAtOnce ? undefined : worker,
      () => worker.logged('worker started') || (mayDieAtOnce && !worker.running),
      `${name} started`,
    );
    return worker;
  }

  async startReaper(env: Record<string, string> = {}): Promise<Service> {
    const reaper = this.spawn('reaper', 'reaper', { METRICS_PORT: String(await freePort()), ...env });
    await this.until(reaper, () => reaper.logged('reaper started'), 'reaper started');
    return reaper;
  }

  spawn(name: string, kind: ServiceKind, env: Record<string, string>): Service {
    const service = new Service(
      name,
      kind,
      { REDIS_URL: this.redis.url, ...partitionsEnv(), ...env },
      { argv: [entryPoint(kind)] },
    );
    this.services.push(service);
    return service;
  }

  /**
   * waitFor, failing early if `service` exits, and with every service's recent logs in the error. The
   * default deadline is sized for a loaded machine (SERVICE_START_TIMEOUT_MS); tests that measure a time
   * assert it themselves.
   */
  async until<T>(
    service: Service | undefined,
    predicate: () => T | Promise<T>,
    message: string,
    timeoutMs = SERVICE_START_TIMEOUT_MS,
  ): Promise<Truthy<T>> {
    return waitForService(predicate, {
      service,
      timeoutMs,
      message,
      intervalMs: 20,
      context: () => this.tails(),
    });
  }

  /** The effects recorded so far by the handlers in handlers.js. */
  effects(id?: string): Effect[] {
    if (!existsSync(this.effectsFile)) return [];
    const all = readFileSync(this.effectsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Effect);
    return id === undefined ? all : all.filter((e) => e.id === id);
  }

  tails(): string {
    return this.services.map((s) => s.tail()).join('\n');
  }

  /** Kills every service and the redis-server. */
  async close(): Promise<void> {
    await Promise.all(this.services.map((s) => s.kill()));
    await this.redis.stop();
    live.delete(this);
  }
}

/** QUEUE_DEFAULT_PARTITIONS for the services when TQ_TEST_PARTITIONS asks for partitioned queues. */
function partitionsEnv(): Record<string, string> {
  return PARTITIONS > 1 ? { QUEUE_DEFAULT_PARTITIONS: String(PARTITIONS) } : {};
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

const live = new Set<Stack>();
// jest may exit without running afterAll (a crash, a timeout in beforeAll): take the children along.
process.once('exit', () => {
  for (const stack of live) for (const s of stack.services) s.signal('SIGKILL');
});
