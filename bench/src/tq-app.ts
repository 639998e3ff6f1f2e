/**
 * Finds tq's apps (apps/worker, apps/api) when they are built. They are developed alongside the bench, so
 * the harness checks at run time and falls back (and says so in the results) when one is missing.
 */
import { builtFile, requireFromBench } from './load-cjs';

/** The part of @tq/worker's library surface the bench uses. */
export interface TqWorkerModule {
  createWorker(options: {
    redis: unknown;
    queues: string[];
    concurrency: number;
    claimBatch: number;
    handlers: Record<string, (ctx: { payload: unknown; id: string }) => Promise<unknown>>;
  }): { start(): Promise<void>; stop(): Promise<void> };
}

/** How tq's tasks are processed in this run. */
export type TqWorkerDriver =
  | { kind: 'main'; path: string } // the stock service, apps/worker dist/main.js with HANDLER_MODULES
  | { kind: 'lib' } // createWorker from @tq/worker in a bench process
  | { kind: 'core' }; // a minimal loop on @tq/core's Queue (apps/worker not built)

/** How tq's HTTP API is served in this run. */
export type TqApiDriver = { kind: 'main'; path: string } | { kind: 'stand-in' };

export function loadTqWorker(): TqWorkerModule {
  return requireFromBench('@tq/worker') as TqWorkerModule;
}

function workerLibraryWorks(): boolean {
  try {
    return typeof loadTqWorker().createWorker === 'function';
  } catch {
    return false;
  }
}

/** The best available worker driver, or the one BENCH_TQ_WORKER (main | lib | core) asks for. */
export function pickWorkerDriver(): TqWorkerDriver {
  const wanted = process.env.BENCH_TQ_WORKER;
  const main = builtFile('@tq/worker', 'dist/main.js');
  if ((wanted === undefined || wanted === 'main') && main) return { kind: 'main', path: main };
  if ((wanted === undefined || wanted === 'lib') && workerLibraryWorks()) return { kind: 'lib' };
  if (wanted !== undefined && wanted !== 'core') {
    throw new Error(`BENCH_TQ_WORKER=${wanted} but that driver is not available (is apps/worker built?)`);
  }
  return { kind: 'core' };
}

/** apps/api dist/main.js when built, else the bench's stand-in (express + TaskService). */
export function pickApiDriver(): TqApiDriver {
  const main = builtFile('@tq/api', 'dist/main.js');
  if (process.env.BENCH_TQ_API !== 'stand-in' && main) return { kind: 'main', path: main };
  return { kind: 'stand-in' };
}

export function describeWorkerDriver(d: TqWorkerDriver): string {
  if (d.kind === 'main')
    return 'apps/worker (dist/main.js, the stock service, HANDLER_MODULES=bench noop handler)';
  if (d.kind === 'lib') return 'apps/worker library (createWorker in a bench process)';
  return 'STAND-IN: a minimal claim/complete loop on @tq/core Queue (apps/worker was not built)';
}

export function describeApiDriver(d: TqApiDriver): string {
  if (d.kind === 'main') return 'apps/api (dist/main.js)';
  return 'STAND-IN: express 5 + TaskService.submit/submitBatch (apps/api was not built)';
}
