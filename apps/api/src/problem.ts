/** One problem with one field of the request: where (a dotted path, '' for the whole body) and why. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** An RFC 9457 problem details body, as served with `application/problem+json`. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldProblem[];
}

/**
 * Every kind of problem the API answers with: its HTTP status, a title that never varies, and the
 * `type` URI (`urn:tq:problem:<slug>`, documented under the same slug in docs/api.md). A URN because
 * the API must not depend on a documentation host being reachable.
 */
export const PROBLEMS = {
  'malformed-json': { status: 400, title: 'Malformed JSON' },
  'invalid-request': { status: 400, title: 'Invalid request' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  'not-found': { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'queue-full': { status: 429, title: 'Queue full' },
  internal: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;

export type ProblemKind = keyof typeof PROBLEMS;

/** The `type` URI of a problem kind. */
export function problemType(kind: ProblemKind): string {
  return `urn:tq:problem:${kind}`;
}

/** Options of an {@link HttpProblem}. */
export interface HttpProblemOptions {
  errors?: FieldProblem[];
  /** Response headers, e.g. Retry-After or WWW-Authenticate. */
  headers?: Record<string, string>;
  /** Close the connection after answering, so an unread request body is not read. */
  closeConnection?: boolean;
}

/** An error the error handler answers as it is: thrown by middleware and routes for HTTP-level problems. */
export class HttpProblem extends Error {
  readonly status: number;

  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly options: HttpProblemOptions = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
    this.status = PROBLEMS[kind].status;
  }

  /** The body to send, with `instance` set to the request's path. */
  body(instance?: string): ProblemBody {
    const { status, title } = PROBLEMS[this.kind];
    return {
      type: problemType(this.kind),
      title,
      status,
      detail: this.detail,
      ...(instance === undefined ? {} : { instance }),
      ...(this.options.errors?.length ? { errors: this.options.errors } : {}),
    };
  }
}

/** A 400 for invalid fields, with a detail summarizing them. */
export function invalidRequest(errors: FieldProblem[], what = 'the request'): HttpProblem {
  const summary = errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
  return new HttpProblem('invalid-request', `${what} is invalid: ${summary}`, { errors });
}
