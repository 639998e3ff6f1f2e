/**
 * The Redis a jest run started in globalSetup. It lives on globalThis because jest loads globalSetup and
 * globalTeardown as separate modules in the same process.
 */
interface SuiteRedis {
  stop(): Promise<void>;
  /** REDIS_URL before globalSetup replaced it, restored on teardown so a watch-mode rerun starts afresh. */
  previousUrl: string | undefined;
}

const SLOT = Symbol.for('@tq/testing/suite-redis');
const slots = globalThis as { [SLOT]?: SuiteRedis };

/** Remembers the run's Redis for {@link takeSuiteRedis}. */
export function keepSuiteRedis(redis: SuiteRedis): void {
  slots[SLOT] = redis;
}

/** Returns and forgets the Redis kept by {@link keepSuiteRedis}, if any. */
export function takeSuiteRedis(): SuiteRedis | undefined {
  const redis = slots[SLOT];
  delete slots[SLOT];
  return redis;
}
