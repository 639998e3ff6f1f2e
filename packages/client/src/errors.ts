import type { FieldError, ProblemDetails, Task } from './types.js';

/** Everything the client throws (other than the caller's own abort) is one of these. */
export class TqClientError extends Error {
  override name = 'TqClientError';
}

/**
 * The API answered with an error status. Carries the problem+json fields: `type` (a stable URN,
 * `urn:tq:problem:<slug>`), `title`, `status`, `detail`, `instance` and per-field `errors`.
 */
export class TqApiError extends TqClientError implements ProblemDetails {
  override name = 'TqApiError';
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly errors?: FieldError[];
  /** From Retry-After (429, 503): how long the API asks to wait, ms. */
  readonly retryAfterMs?: number;

  constructor(problem: ProblemDetails, retryAfterMs?: number) {
    super(`${problem.title} (${problem.status}): ${problem.detail}`);
    this.type = problem.type;
    this.title = problem.title;
    this.status = problem.status;
    this.detail = problem.detail;
    if (problem.instance !== undefined) this.instance = problem.instance;
    if (problem.errors !== undefined) this.errors = problem.errors;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/** 400: malformed JSON or an invalid field; `errors` names each field and what is allowed. */
export class TqBadRequestError extends TqApiError {
  override name = 'TqBadRequestError';
}
/** 401: the API has API_TOKENS set and the token is missing or wrong. */
export class TqUnauthorizedError extends TqApiError {
  override name = 'TqUnauthorizedError';
}
/** 403: the token may not do this (for example a producer token on an admin route). */
export class TqForbiddenError extends TqApiError {
  override name = 'TqForbiddenError';
}
/** 404: no such task or queue (or no such route on this API version). */
export class TqNotFoundError extends TqApiError {
  override name = 'TqNotFoundError';
}
/** 409: an idempotency key reused for another submission, or a task in a state that forbids the action. */
export class TqConflictError extends TqApiError {
  override name = 'TqConflictError';
}
/** 413: the payload is over the API's MAX_PAYLOAD_BYTES. */
export class TqPayloadTooLargeError extends TqApiError {
  override name = 'TqPayloadTooLargeError';
}
/** 429: the queue is over its depth limit (backpressure); wait `retryAfterMs` and submit again. */
export class TqQueueFullError extends TqApiError {
  override name = 'TqQueueFullError';
}
/** 503: Redis did not answer in time or refuses writes; the outcome is unknown. Submits retry it. */
export class TqUnavailableError extends TqApiError {
  override name = 'TqUnavailableError';
}

/** No answer: connection refused or reset, DNS, or the request timeout. `cause` has the original. */
export class TqNetworkError extends TqClientError {
  override name = 'TqNetworkError';
}

/** `waitFor` gave up: the task had not finished within `timeoutMs`. `task` is its last known state. */
export class TqTimeoutError extends TqClientError {
  override name = 'TqTimeoutError';
  constructor(
    message: string,
    readonly task?: Task,
  ) {
    super(message);
  }
}

const BY_STATUS: Record<number, new (problem: ProblemDetails, retryAfterMs?: number) => TqApiError> = {
  400: TqBadRequestError,
  401: TqUnauthorizedError,
  403: TqForbiddenError,
  404: TqNotFoundError,
  409: TqConflictError,
  413: TqPayloadTooLargeError,
  429: TqQueueFullError,
  503: TqUnavailableError,
};

/** The typed error of an error answer. `body` is the parsed body (problem+json, or text from a proxy). */
export function errorFromResponse(response: Response, body: unknown): TqApiError {
  const problem = isProblem(body)
    ? body
    : {
        type: 'about:blank',
        title: response.statusText || 'HTTP error',
        status: response.status,
        detail:
          typeof body === 'string' && body.length > 0
            ? body.slice(0, 500)
            : `the server answered ${response.status} without problem details`,
      };
  const ErrorClass = BY_STATUS[response.status] ?? TqApiError;
  return new ErrorClass({ ...problem, status: response.status }, retryAfterMs(response.headers));
}

function isProblem(body: unknown): body is ProblemDetails {
  const b = body as Partial<ProblemDetails> | null;
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.type === 'string' &&
    typeof b.title === 'string' &&
    typeof b.detail === 'string'
  );
}

/** Retry-After as ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
