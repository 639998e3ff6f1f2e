/**
 * BullMQ and bee-queue, each at the settings its documentation recommends for throughput. These objects
 * are the single source of the settings: the harness uses them and the report prints them.
 */
import { requireFromBench } from './load-cjs';

/** BullMQ Worker options (besides connection and concurrency). */
export const BULLMQ_WORKER_SETTINGS = {
  // "Auto-removal of jobs": remove every completed job as it finishes ({ count: 0 }); keeps Redis small and
  // saves the completed-set bookkeeping. Failed jobs are kept (the default), as a production setup would.
  removeOnComplete: { count: 0 },
  // Everything else at its default: lockDuration 30000 (lock renewed at half), stalledInterval 30000,
  // drainDelay 5 s, maxStalledCount 1. No skipLockRenewal / skipStalledCheck: those drop crash recovery.
} as const;

/** BullMQ job options used by the producers: the defaults (attempts 1, no backoff). */
export const BULLMQ_JOB_OPTIONS = {} as const;

/** bee-queue settings of the producer queue (README "Optimizing Redis Connections" and Settings). */
export const BEE_PRODUCER_SETTINGS = {
  isWorker: false,
  getEvents: false,
  sendEvents: false,
  storeJobs: false,
  activateDelayedJobs: false,
} as const;

/** bee-queue settings of the worker queue. */
export const BEE_WORKER_SETTINGS = {
  isWorker: true,
  getEvents: false,
  sendEvents: false,
  storeJobs: false,
  activateDelayedJobs: false,
  removeOnSuccess: true,
  // stallInterval at its default (5000 ms).
} as const;

/** The parts of bee-queue 2.0.0 the bench uses (its own typings need @types/redis, not installed). */
export interface BeeJob {
  data: unknown;
  id: string;
  save(): Promise<BeeJob>;
}
export interface BeeQueueInstance {
  ready(): Promise<BeeQueueInstance>;
  createJob(data: unknown): BeeJob;
  saveAll(jobs: BeeJob[]): Promise<Map<BeeJob, Error>>;
  process(concurrency: number, handler: (job: BeeJob) => Promise<unknown>): void;
  close(timeoutMs?: number): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): void;
  /** A local event of the worker queue, once the job's finish script has answered. */
  on(event: 'succeeded', listener: (job: BeeJob) => void): void;
}
export type BeeQueueClass = new (name: string, settings: Record<string, unknown>) => BeeQueueInstance;

export function loadBeeQueue(): BeeQueueClass {
  return requireFromBench('bee-queue') as BeeQueueClass;
}

/** `{ host, port }` of a `redis://host:port` URL (what bee-queue's node_redis and BullMQ take). */
export function redisHostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379) };
}
