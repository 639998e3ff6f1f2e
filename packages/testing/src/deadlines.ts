/**
 * Deadlines for tests, sized for the slowest machine the test command must pass on: 2 cores shared with
 * four busy loops and other builds (docs/testing.md). A deadline costs time only when a test fails anyway,
 * so these are generous; a test that measures timing asserts its own bound, with the margin explained.
 */

/** How long a test waits for a child process (a tq service, a load generator) to say it started: 60 s. */
export const SERVICE_START_TIMEOUT_MS = 60_000;

/** waitFor's default deadline: 15 s, for conditions that take milliseconds on an idle machine. */
export const WAIT_FOR_TIMEOUT_MS = 15_000;

/** How long redis-server may take to accept connections before a start counts as failed: 30 s. */
export const REDIS_START_TIMEOUT_MS = 30_000;

/** How long a private PostgreSQL may take to accept connections, ms (initdb is separate). */
export const POSTGRES_START_TIMEOUT_MS = 60_000;
