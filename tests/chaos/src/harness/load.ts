import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnqueueRecord, Outcome } from './checker';
import { Service } from './service';

/** What load-generator.js takes (argv[2], JSON). */
export interface LoadConfig {
  /** The API's base URL. */
  url: string;
  /** The history file (JSON lines, appended). */
  out: string;
  queue: string;
  /** Task type; default "chaos" (chaos-handlers.js). */
  type?: string;
  /** The first payload value; the next ones count up. Default 1. */
  firstValue?: number;
  /** Requests to send; default unbounded. */
  count?: number;
  /** Open-loop rate, requests per second; 0 (default) = as fast as `concurrency` allows. */
  ratePerSec?: number;
  /** Stop sending after this long, ms; default unbounded. */
  durationMs?: number;
  /** Most requests (and sockets) in flight; default 50. */
  concurrency?: number;
  /** Per-request deadline, ms; default 5000. */
  timeoutMs?: number;
  maxAttempts?: number;
  /** Each task's handler sleeps a random time in [min, max] ms. */
  msRange?: [number, number];
  /** Filler bytes in each payload (to fill memory). */
  padBytes?: number;
  /** Extra fields in every payload, e.g. {fastFromAttempt: 2}. */
  payloadExtra?: Record<string, unknown>;
  /** Extra payload fields for some values, e.g. {"17": {"mode": "crash"}}. */
  specials?: Record<string, Record<string, unknown>>;
  /** Stop once `count` answers had this status. */
  stopAfter?: { status: number; count: number };
}

/** One line of the history file. */
export interface HistoryLine {
  op: 'invoke' | Outcome;
  value: number;
  status?: number;
  taskId?: string;
  /** Redis time of the write (the 2xx body's createdAt), ms. */
  createdAt?: number;
  /** Request sent / answered, ms (Date.now() of the load process). */
  t0?: number;
  t1?: number;
  t?: number;
  error?: string;
}

/** The load generator's final stdout line. */
export interface LoadSummary {
  sent: number;
  ok: number;
  fail: number;
  info: number;
  byStatus: Record<string, number>;
  errors: Record<string, number>;
  durationMs: number;
  nextValue: number;
}

/** load-generator.js running as a child process. */
export class LoadGenerator {
  readonly service: Service;

  constructor(
    readonly config: LoadConfig,
    logFile: string,
  ) {
    this.service = new Service(
      'load',
      'load',
      {},
      {
        argv: [join(__dirname, 'load-generator.js'), JSON.stringify(config)],
        logFile,
      },
    );
  }

  /** Waits for the generator to finish on its own (count, duration or stopAfter). */
  async finished(): Promise<LoadSummary> {
    const exit = await this.service.exited;
    const line = this.service.entries().find((e) => e.msg === 'load done');
    if (exit.code !== 0 || !line)
      throw new Error(`load generator failed (${JSON.stringify(exit)}):\n${this.service.tail()}`);
    const { msg: _msg, ...summary } = line;
    return summary as unknown as LoadSummary;
  }

  /** Stops sending (SIGTERM), waits for the requests in flight, returns the summary. */
  stop(): Promise<LoadSummary> {
    this.service.signal('SIGTERM');
    return this.finished();
  }
}

/** Reads history files: every line, in file order. */
export function readHistory(...files: string[]): HistoryLine[] {
  return files.flatMap((file) =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as HistoryLine)
      : [],
  );
}

/**
 * One enqueue record per value for the checker: its final outcome, or `info` when only the invoke was
 * written (the generator died with the request in flight: it may have been stored).
 */
export function enqueueRecords(history: HistoryLine[]): EnqueueRecord[] {
  const byValue = new Map<number, EnqueueRecord>();
  for (const line of history) {
    if (line.op === 'invoke') {
      if (!byValue.has(line.value)) byValue.set(line.value, { value: line.value, outcome: 'info' });
    } else byValue.set(line.value, { value: line.value, outcome: line.op, taskId: line.taskId });
  }
  return [...byValue.values()];
}

/** Answered requests only (op ok/fail/info), for status and timing checks. */
export function outcomes(history: HistoryLine[]): HistoryLine[] {
  return history.filter((line) => line.op !== 'invoke');
}
