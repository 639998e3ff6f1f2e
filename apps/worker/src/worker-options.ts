import type { Clock, RedisClient } from '@tq/core';
import type { Logger } from '@tq/ops';
import { LIMITS, type BackoffPolicy } from '@tq/task';
import type { Registry } from 'prom-client';
import type { HandlerMap } from './types';

/** Options of {@link createWorker}; every duration is in ms. */
const HOUR_MS = 3_600_000;

/**
 * The integer options' [default, min, max]: createWorker refuses a value outside the range, naming the
 * option, and the stock worker's environment (config.ts) takes the same ranges.
 */
export const WORKER_OPTION_RANGES = {
  concurrency: [10, 1, 10_000],
  claimBatch: [20, 1, 1000],
  visibilityTimeoutMs: [30_000, 100, 12 * HOUR_MS],
  taskTimeoutMs: [300_000, 1, 12 * HOUR_MS],
  idlePollMs: [5000, 10, HOUR_MS],
  shutdownTimeoutMs: [25_000, 0, HOUR_MS],
} as const;

export interface WorkerOptions {
  /** The connection for claims and acknowledgements (not closed by stop()). */
  redis: RedisClient;
  /** Queues to claim from, in turn. Default ['default']. */
  queues?: string[];
  /**
   * The worker pool (one Deployment serving one set of queues) this worker belongs to: the `pool` label
   * of tq_worker_slots and tq_worker_busy_slots, so each pool's autoscaler sees its own workers. Default
   * 'default'.
   */
  pool?: string;
  handlers: HandlerMap;
  /** Tasks run at once. Default 10. */
  concurrency?: number;
  /** Lease of each claim, extended every third of it while the handler runs. Default 30000. */
  visibilityTimeoutMs?: number;
  /** Most tasks leased by one claim script. Default 20. */
  claimBatch?: number;
  /** Handler timeout for tasks that set no timeoutMs. Default 300000. */
  taskTimeoutMs?: number;
  /** Retry backoff: full jitter in [0, min(capMs, baseMs * 2^(attempt-1))]. Default 1000 / 3600000. */
  backoff?: Partial<BackoffPolicy>;
  /**
   * The most times one task may be postponed by a RateLimitError from its handler; past that each one is a
   * failed attempt (retry with backoff, or dead), so a task never loops forever. Default 20.
   */
  maxPostponements?: number;
  /**
   * How long the worker keeps a queue's partition layout before reading it again (ADR 0040): a resize, or
   * a queue made partitioned, is claimed from within this time plus one idle poll. Default 5000.
   */
  layoutTtlMs?: number;
  /**
   * Partitions a queue of `queues` gets when this worker is the first to use it (no layout, not in the
   * registry yet; ADR 0040, QueueDirectory). A queue that exists keeps its layout. Default 1 (none).
   */
  defaultPartitions?: number;
  /** Longest idle wait without a wake message (covers messages missed while reconnecting). Default 5000. */
  idlePollMs?: number;
  /**
   * Whether an idle worker parks its claim in Redis (ADR 0061): a claim queued behind a blocking pop on a
   * connection of its own, which Redis runs the moment a task is pushed, so the task starts one hop after its
   * enqueue. Only a worker of one queue with one partition on a single Redis node parks; others wait for wake
   * messages and claim then. Default true.
   */
  parkClaims?: boolean;
  /** How long stop() lets running handlers finish before releasing their tasks. Default 25000. */
  shutdownTimeoutMs?: number;
  /** Between heartbeats to the live-worker registry (GET /workers); a record lives 3 of them. Default 5000. */
  heartbeatIntervalMs?: number;
  /** Default: silent. */
  logger?: Logger;
  /** Where the tq_* metrics go. Default: a new registry, exposed as `worker.registry`. */
  registry?: Registry;
  /** Tests only: a clock whose time replaces Redis TIME in the scripts. */
  clock?: Clock;
  /** Source of jitter, in [0, 1). Default Math.random. */
  random?: () => number;
  /** The SUBSCRIBE connection for wake messages. Default: `redis.duplicate()`, closed by stop(). */
  subscriber?: RedisClient;
}

/** Every option createWorker takes: a key outside them (a misspelt option, from JavaScript) is refused. */
export const WORKER_OPTION_KEYS: readonly string[] = Object.keys({
  redis: 1,
  queues: 1,
  pool: 1,
  handlers: 1,
  concurrency: 1,
  visibilityTimeoutMs: 1,
  claimBatch: 1,
  taskTimeoutMs: 1,
  backoff: 1,
  maxPostponements: 1,
  layoutTtlMs: 1,
  defaultPartitions: 1,
  idlePollMs: 1,
  parkClaims: 1,
  shutdownTimeoutMs: 1,
  heartbeatIntervalMs: 1,
  logger: 1,
  registry: 1,
  clock: 1,
  random: 1,
  subscriber: 1,
} satisfies Record<keyof WorkerOptions, 1>);

/**
 * Why `handler` cannot serve task type `type`, or undefined: a handler that is not a function, or a type name
 * no task can have (its handler would never run). createWorker and HANDLER_MODULES both ask.
 */
export function handlerProblem(type: string, handler: unknown): string | undefined {
  if (typeof handler !== 'function')
    return `the handler for type "${type}" is a ${typeof handler}, not a function`;
  if (!LIMITS.typePattern.test(type))
    return `"${type}" can never be a task type (a letter, then letters, digits, "_", ".", ":" or "-"; at most 100)`;
  return undefined;
}

/** A snapshot of a worker, for health checks and tests. */
export interface WorkerStatus {
  slots: number;
  busySlots: number;
  /** Idle: every queue was empty at the last claim and the loop is waiting for a wake-up. */
  waiting: boolean;
  stopping: boolean;
}
