import type { Redis } from 'ioredis';
import type { Profile } from './profile-sizes';
import type { TqApiDriver, TqWorkerDriver } from './tq-app';

/**
 * Columns of the results: the three systems, tq's core-only producer, the HTTP reference, and the ceiling
 * loop (scenarios/ceiling.ts: the least a fenced task can cost here).
 */
export type Column = 'tq' | 'tq-core' | 'bullmq' | 'bee' | 'ref' | 'ceiling';

/** One measured quantity, with one value per repetition per column. */
export interface Metric {
  id: string;
  scenario: string;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  values: Partial<Record<Column, number[]>>;
  /** Per-column notes (e.g. which endpoint or setting produced the value). */
  notes?: Partial<Record<Column, string>>;
}

/** What every scenario gets. */
export interface Context {
  redisUrl: string;
  /** The harness's admin connection (FLUSHALL, INFO, polling). */
  redis: Redis;
  redisPid: number;
  sizes: Profile;
  repeat: number;
  tqWorker: TqWorkerDriver;
  tqApi: TqApiDriver;
  /** Node flags for spawned tq processes (profiling mode adds --cpu-prof). */
  tqExecArgv: string[];
  log(message: string): void;
  /** Records one value of a metric (creating the metric on first use). */
  record(metric: Omit<Metric, 'values' | 'notes'>, column: Column, value: number, note?: string): void;
  /** Extra, non-tabular data for the JSON (command breakdowns, clock offsets...). */
  detail(key: string, value: unknown): void;
  /** Failures are recorded and the run goes on; the process exits non-zero at the end. */
  fail(where: string, error: unknown): void;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
