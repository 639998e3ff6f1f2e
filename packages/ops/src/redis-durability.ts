import { isRedisUnavailable, redisMasters, type RedisClient, type RedisNode } from '@tq/core';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from './logger';
import { PeriodicPass } from './periodic-pass';

/**
 * What one Redis master says about the settings tq's promises rest on (docs/operations.md, "Redis settings
 * tq needs"). Read with INFO, which managed Redis offerings keep when they disable CONFIG.
 */
export interface RedisNodeDurability {
  /** `host:port` of the master (`sentinel:<master name>` through Sentinel): no credentials. */
  node: string;
  /** INFO persistence `aof_enabled`. */
  aofEnabled: boolean;
  /**
   * The AOF fsync policy (`always`, `everysec`, `no`), or undefined when it cannot be read. INFO does not
   * show it (Redis 7.0), so it is the one setting read with `CONFIG GET appendfsync`; where CONFIG is
   * disabled, renamed or denied by an ACL it stays unknown: warned about, never a reason to refuse.
   */
  appendfsync: string | undefined;
  /** INFO memory `maxmemory_policy`. */
  maxmemoryPolicy: string;
  /** INFO server `redis_version`. */
  version: string;
}

/** How often a service reads the settings again after its start: 60 s (and at every reconnect). */
export const DURABILITY_CHECK_INTERVAL_MS = 60_000;

/** Parses `field:value` lines of an INFO reply. */
function infoFields(reply: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of reply.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

function nodeName(redis: RedisNode): string {
  const options = redis.options;
  if (options.sentinels?.length) return `sentinel:${options.name ?? ''}`;
  return `${options.host ?? 'localhost'}:${options.port ?? 6379}`;
}

/** Reads one node's settings; rejects when the node does not answer INFO. */
async function readNode(redis: RedisNode): Promise<RedisNodeDurability> {
  const [persistence, memory, server, fsync] = await Promise.all([
    redis.info('persistence'),
    redis.info('memory'),
    redis.info('server'),
    // Not in INFO: CONFIG GET where allowed, else unknown (see RedisNodeDurability.appendfsync).
    (redis.config('GET', 'appendfsync') as Promise<unknown>).then(
      (reply) => (Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : undefined),
      () => undefined,
    ),
  ]);
  const p = infoFields(persistence);
  const m = infoFields(memory);
  const s = infoFields(server);
  const aof = p.get('aof_enabled');
  const policy = m.get('maxmemory_policy');
  if (aof === undefined || policy === undefined)
    throw new Error('INFO did not show aof_enabled and maxmemory_policy');
  return {
    node: nodeName(redis),
    aofEnabled: aof === '1',
    appendfsync: fsync,
    maxmemoryPolicy: policy,
    version: s.get('redis_version') ?? 'unknown',
  };
}

/**
 * Reads the settings of every master: the one server (or Sentinel's current master), or each master of a
 * Cluster. Rejects while Redis (or any master) does not answer, or a Cluster knows no master yet.
 */
export async function readRedisDurability(redis: RedisClient): Promise<RedisNodeDurability[]> {
  const nodes = redisMasters(redis);
  if (nodes.length === 0) throw new Error('the Redis Cluster has no known master yet');
  const read = await Promise.all(nodes.map(readNode));
  return read.sort((a, b) => a.node.localeCompare(b.node));
}

/** A setting that breaks a promise of docs/guarantees.md, with what it costs and how to fix it. */
export interface DurabilityProblem {
  setting: 'appendonly' | 'appendfsync' | 'maxmemory-policy';
  /** True when REDIS_REQUIRE_DURABLE=1 refuses to start on it (false: it could not be read). */
  refuses: boolean;
  message: string;
}

/** What is wrong with one node's settings: nothing when AOF is on with `always` and the policy is noeviction. */
export function durabilityProblems(node: RedisNodeDurability): DurabilityProblem[] {
  const problems: DurabilityProblem[] = [];
  if (!node.aofEnabled) {
    problems.push({
      setting: 'appendonly',
      refuses: true,
      message:
        'AOF is off: a Redis restart loses every task. Set `appendonly yes` and `appendfsync always` ' +
        '(with a persistent volume for its data directory)',
    });
  } else if (node.appendfsync === undefined) {
    problems.push({
      setting: 'appendfsync',
      refuses: false,
      message:
        'appendfsync cannot be read (INFO does not show it and CONFIG GET is not allowed): the no-loss ' +
        'promise needs `appendfsync always`; check it with your Redis provider',
    });
  } else if (node.appendfsync !== 'always') {
    problems.push({
      setting: 'appendfsync',
      refuses: true,
      message:
        `appendfsync is ${node.appendfsync}, not always: a crash of the Redis machine loses acknowledged ` +
        'writes not yet on disk (everysec: up to 1-2 s of them). Set `appendfsync always`',
    });
  }
  if (node.maxmemoryPolicy !== 'noeviction') {
    problems.push({
      setting: 'maxmemory-policy',
      refuses: true,
      message:
        `maxmemory-policy is ${node.maxmemoryPolicy}: at maxmemory Redis deletes keys, so tasks vanish or stay ` +
        'running for ever. Set `maxmemory-policy noeviction` (a full Redis then refuses writes: 503, nothing lost)',
    });
  }
  return problems;
}

/** Options of {@link watchRedisDurability}. */
export interface DurabilityWatchOptions {
  /**
   * REDIS_REQUIRE_DURABLE: wait for the first reading (retrying while Redis does not answer) and reject with
   * what is wrong and how to fix it when a master has AOF off, an fsync policy other than `always`, or a
   * policy other than noeviction. Default false: warn only.
   */
  require?: boolean;
  /** Default {@link DURABILITY_CHECK_INTERVAL_MS}. */
  intervalMs?: number;
}

/** A running durability watch. */
export interface DurabilityWatch {
  /** Reads the settings now (or joins the reading in progress); resolves to what was read, [] on failure. */
  check(): Promise<RedisNodeDurability[]>;
  /** Stops reading; a reading in progress ends with the connection (nothing waits on a dead Redis). */
  stop(): void;
}

/**
 * The durability preflight every service runs (docs/operations.md, "Redis settings tq needs"): reads each
 * master's settings at start, every `intervalMs` and at each reconnect; sets the gauges
 * `tq_redis_aof_enabled`, `tq_redis_appendfsync_always` (-1: cannot be read) and
 * `tq_redis_maxmemory_policy_noeviction`, each labelled with the master's `node` (one series per master);
 * and logs a warning naming the node, the settings and the fix once per change of a node's problems (an
 * info line when they are fixed). With `require`, resolves only after a first reading without a refusing
 * problem and rejects with a message saying what to fix otherwise.
 */
export async function watchRedisDurability(
  registry: Registry,
  redis: RedisClient,
  logger: Logger,
  options: DurabilityWatchOptions = {},
): Promise<DurabilityWatch> {
  const labelNames = ['node'] as const;
  const aof = new Gauge({
    name: 'tq_redis_aof_enabled',
    help: 'Whether the Redis master (node) has AOF persistence on (1) or off (0), from INFO persistence.',
    labelNames,
    registers: [registry],
  });
  const fsync = new Gauge({
    name: 'tq_redis_appendfsync_always',
    help: 'Whether the Redis master (node) fsyncs its AOF at every write (appendfsync always: 1), not (0), or cannot be read (-1: CONFIG not allowed).',
    labelNames,
    registers: [registry],
  });
  const noeviction = new Gauge({
    name: 'tq_redis_maxmemory_policy_noeviction',
    help: 'Whether the Redis master (node) has maxmemory-policy noeviction (1) or an evicting policy (0), from INFO memory.',
    labelNames,
    registers: [registry],
  });
  const reported = new Map<string, string>();
  let failureLogged = false;
  /** Why the last reading failed, undefined after one that worked. */
  let lastError: unknown;

  const record = (nodes: RedisNodeDurability[]) => {
    // Masters come and go (failover, resharding): only the current ones keep series.
    aof.reset();
    fsync.reset();
    noeviction.reset();
    for (const node of nodes) {
      aof.set({ node: node.node }, node.aofEnabled ? 1 : 0);
      fsync.set(
        { node: node.node },
        node.appendfsync === undefined ? -1 : node.appendfsync === 'always' ? 1 : 0,
      );
      noeviction.set({ node: node.node }, node.maxmemoryPolicy === 'noeviction' ? 1 : 0);
      const problems = durabilityProblems(node);
      const key = JSON.stringify([node.aofEnabled, node.appendfsync, node.maxmemoryPolicy]);
      if (reported.get(node.node) === key) continue;
      const first = !reported.has(node.node);
      reported.set(node.node, key);
      const fields = {
        node: node.node,
        redisVersion: node.version,
        aofEnabled: node.aofEnabled,
        appendfsync: node.appendfsync ?? 'unknown',
        maxmemoryPolicy: node.maxmemoryPolicy,
      };
      if (problems.length > 0) {
        logger.warn(
          { ...fields, problems: problems.map((p) => p.message) },
          'Redis is not set up for tq\'s no-loss guarantee (docs/operations.md, "Redis settings tq needs")',
        );
      } else {
        logger.info(fields, first ? 'Redis persistence and memory settings checked' : 'Redis settings fixed');
      }
    }
  };

  const read = async (): Promise<RedisNodeDurability[]> => {
    try {
      const nodes = await readRedisDurability(redis);
      failureLogged = false;
      lastError = undefined;
      record(nodes);
      return nodes;
    } catch (error) {
      lastError = error;
      if (!failureLogged)
        logger.warn({ err: error }, 'could not read the Redis persistence settings yet (INFO)');
      failureLogged = true;
      return [];
    }
  };

  if (options.require) {
    let nodes = await read();
    while (nodes.length === 0) {
      // Redis away (or a Cluster not ready yet) passes; a refusal (an ACL without INFO, a renamed INFO)
      // does not: the settings can never be checked, so say so rather than wait for ever.
      if (lastError instanceof Error && lastError.name === 'ReplyError' && !isRedisUnavailable(lastError)) {
        throw new Error(
          `REDIS_REQUIRE_DURABLE=1 and Redis's settings cannot be read: INFO was refused (${lastError.message}). ` +
            "Allow INFO for tq's Redis user (ACL: +info), or unset REDIS_REQUIRE_DURABLE.",
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      nodes = await read();
    }
    const refusals = nodes.flatMap((node) =>
      durabilityProblems(node)
        .filter((p) => p.refuses)
        .map((p) => `${node.node}: ${p.message}`),
    );
    if (refusals.length > 0) {
      throw new Error(
        `REDIS_REQUIRE_DURABLE=1 and Redis is not durable:\n${refusals.map((r) => `  - ${r}`).join('\n')}\n` +
          'Fix the Redis configuration (docs/operations.md, "Redis settings tq needs"), or unset ' +
          'REDIS_REQUIRE_DURABLE to run with the guarantee of the settings you have.',
      );
    }
  }

  const pass = new PeriodicPass(read, () => options.intervalMs ?? DURABILITY_CHECK_INTERVAL_MS, logger);
  // A reading logs its own failures and never rejects.
  const onReady = () => {
    pass.runNow().catch(() => undefined);
  };
  redis.on('ready', onReady);
  pass.start();
  return {
    check: () => pass.runNow(),
    stop: () => {
      redis.off('ready', onReady);
      pass.stop().catch(() => undefined);
    },
  };
}
