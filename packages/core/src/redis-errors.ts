/**
 * Redis replies that mean "cannot take this write now", not "this request is wrong": out of memory,
 * still loading its data set, a read-only replica, a cluster or master that is down, a busy script.
 */
const UNAVAILABLE_REPLY =
  /\b(OOM command not allowed|LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|BUSY|MISCONF|UNBLOCKED)\b/;

/** ioredis client errors (not replies) raised when no reply can come. */
const UNAVAILABLE_CLIENT_MESSAGE =
  /^(Command timed out|Connection is closed\.|Stream isn't writeable|None of startup nodes is available|Failed to refresh slots cache|Too many Cluster redirections)/;

const UNAVAILABLE_CLIENT_NAMES = new Set([
  'MaxRetriesPerRequestError',
  'ClusterAllFailedError',
  'AbortError',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * Whether an error says Redis did not answer (in REDIS_COMMAND_TIMEOUT_MS) or refused to store
 * anything right now. Such a request gets a 503: its write may or may not have happened, so the
 * client retries, with the same Idempotency-Key to be safe.
 */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ReplyError') return UNAVAILABLE_REPLY.test(error.message);
  if (UNAVAILABLE_CLIENT_NAMES.has(error.name)) return true;
  if (UNAVAILABLE_CLIENT_MESSAGE.test(error.message)) return true;
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && NETWORK_CODES.has(code);
}

/**
 * Whether an error came from Redis or the connection to it (a reply error such as NOPERM, or one of the
 * above), as opposed to a bug in tq: what a caller may answer as "try again" rather than as a crash.
 */
export function isRedisError(error: unknown): boolean {
  return (error instanceof Error && error.name === 'ReplyError') || isRedisUnavailable(error);
}
