/**
 * How often the pages refresh while the tab is visible. Each poll of a page is one to three HTTP
 * requests and a handful of Redis commands (docs/dashboard.md has the measured figure); TanStack
 * Query stops polling while the tab is hidden.
 */
export const POLL_MS = 5000;

/** A task that may still change (not done, dead or canceled) refreshes faster on its detail page. */
export const TASK_POLL_MS = 2000;

/** Per-minute history changes slowly: its chart refreshes less often than the counts. */
export const HISTORY_POLL_MS = 15_000;

/** A queue's limits change rarely: the Queues page reads them once a minute. */
export const LIMITS_POLL_MS = 60_000;
