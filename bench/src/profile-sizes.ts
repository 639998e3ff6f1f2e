/** How big each scenario is. `full` stays under ~10 minutes on 2 cores; `quick` is a smoke run of seconds. */
export interface Profile {
  name: 'full' | 'quick';
  repeat: number;
  /** Scenario 1. */
  enqueueOneN: number;
  enqueueOneInFlight: number;
  enqueueBulkN: number;
  bulkBatch: number;
  /** Scenario 2. */
  httpDurationS: number;
  httpWarmupS: number;
  httpConnections: number;
  httpBatchConnections: number;
  httpBatchSizes: number[];
  /** Scenario 3: tasks per drain, by worker layout. */
  drain: { processes: number; concurrency: number; n: number }[];
  /** Also drain this many with BullMQ keeping completed jobs (its default, and what tq does); 0 = skip. */
  bullmqKeepN: number;
  /** Scenario 4. */
  latencyRatePerS: number;
  latencyDurationS: number;
  latencyConcurrency: number;
  /** How long the worker sits idle before the fixed-rate run starts, s. */
  latencyIdleS: number;
  /**
   * Scenario 4's warm-up: how long tasks go at the rate before the measured `latencyDurationS` (ADR 0062).
   * Its samples are reported apart, as the latency of a worker's first seconds (JIT compilation).
   */
  latencyWarmupS: number;
  /** Scenario 5. */
  memoryN: number;
  /** Scenario 6. */
  idleSettleS: number;
  idleWindowS: number;
  /** Longest wait for a drain before the run counts as failed, ms. */
  drainTimeoutMs: number;
}

export const FULL: Profile = {
  name: 'full',
  repeat: 3,
  enqueueOneN: 10_000,
  enqueueOneInFlight: 100,
  enqueueBulkN: 50_000,
  bulkBatch: 1000,
  httpDurationS: 5,
  httpWarmupS: 1,
  httpConnections: 100,
  httpBatchConnections: 8,
  httpBatchSizes: [100, 1000],
  drain: [
    { processes: 1, concurrency: 1, n: 5_000 },
    { processes: 1, concurrency: 10, n: 20_000 },
    { processes: 1, concurrency: 100, n: 30_000 },
    { processes: 2, concurrency: 100, n: 30_000 },
  ],
  bullmqKeepN: 30_000,
  latencyRatePerS: 1000,
  latencyDurationS: 10,
  latencyConcurrency: 10,
  latencyIdleS: 1,
  latencyWarmupS: 10,
  memoryN: 20_000,
  idleSettleS: 1,
  idleWindowS: 8,
  drainTimeoutMs: 120_000,
};

export const QUICK: Profile = {
  name: 'quick',
  repeat: 1,
  enqueueOneN: 200,
  enqueueOneInFlight: 20,
  enqueueBulkN: 1000,
  bulkBatch: 500,
  httpDurationS: 0.5,
  httpWarmupS: 0,
  httpConnections: 10,
  httpBatchConnections: 2,
  httpBatchSizes: [100],
  drain: [
    { processes: 1, concurrency: 10, n: 300 },
    { processes: 2, concurrency: 10, n: 300 },
  ],
  bullmqKeepN: 0,
  latencyRatePerS: 200,
  latencyDurationS: 0.5,
  latencyConcurrency: 10,
  latencyIdleS: 0.1,
  latencyWarmupS: 0.5,
  memoryN: 300,
  idleSettleS: 0.3,
  idleWindowS: 0.5,
  drainTimeoutMs: 30_000,
};
