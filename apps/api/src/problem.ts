import { status as GrpcStatus } from '@grpc/grpc-js';
import type { TqErrorCode } from '@tq/core';
import type { RejectReason } from './api-metrics';

/** Seconds a client should wait before retrying a 429 or 503 (the Retry-After header). */
export const RETRY_AFTER_SECONDS = 1;

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

/** What the API answers for one kind of problem. */
export interface ProblemSpec {
  status: number;
  /** Never varies for a kind. */
  title: string;
  /** Why a refused submission counts in tq_tasks_rejected_total; none for problems that are not refusals. */
  reason?: RejectReason;
  /** Answered with `Retry-After`: trying again later can succeed. */
  retryAfter?: boolean;
  /** The gRPC status the gRPC API (GRPC_PORT, docs/grpc.md) answers the same problem with. */
  grpc: GrpcStatus;
}

export type ProblemKind =
  | 'malformed-json'
  | 'invalid-request'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'queue-full'
  | 'queue-not-allowed'
  | 'queue-limit-reached'
  | 'schedule-limit-reached'
  | 'internal'
  | 'unavailable';

/**
 * Every kind of problem the API answers with: its HTTP status, a title that never varies, and the
 * `type` URI (`urn:tq:problem:<slug>`, documented under the same slug in docs/api.md). A URN because
 * the API must not depend on a documentation host being reachable.
 */
export const PROBLEMS: Readonly<Record<ProblemKind, ProblemSpec>> = {
  'malformed-json': {
    status: 400,
    title: 'Malformed JSON',
    reason: 'invalid',
    grpc: GrpcStatus.INVALID_ARGUMENT,
  },
  'invalid-request': {
    status: 400,
    title: 'Invalid request',
    reason: 'invalid',
    grpc: GrpcStatus.INVALID_ARGUMENT,
  },
  unauthorized: {
    status: 401,
    title: 'Unauthorized',
    reason: 'unauthorized',
    grpc: GrpcStatus.UNAUTHENTICATED,
  },
  forbidden: { status: 403, title: 'Forbidden', grpc: GrpcStatus.PERMISSION_DENIED },
  'not-found': { status: 404, title: 'Not found', grpc: GrpcStatus.NOT_FOUND },
  // An idempotency key reused for another task, a cancel of a running task: the state decides, retrying the
  // same call does not help (ABORTED, as gRPC says for conflicts with the current state).
  conflict: { status: 409, title: 'Conflict', reason: 'conflict', grpc: GrpcStatus.ABORTED },
  // Not RESOURCE_EXHAUSTED: gRPC clients may retry that, and the same payload never fits.
  'payload-too-large': {
    status: 413,
    title: 'Payload too large',
    reason: 'too_large',
    grpc: GrpcStatus.INVALID_ARGUMENT,
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported media type',
    reason: 'unsupported_media_type',
    grpc: GrpcStatus.INVALID_ARGUMENT,
  },
  'queue-full': {
    status: 429,
    title: 'Queue full',
    reason: 'queue_full',
    retryAfter: true,
    grpc: GrpcStatus.RESOURCE_EXHAUSTED,
  },
  'queue-not-allowed': {
    status: 403,
    title: 'Queue not allowed',
    reason: 'queue_not_allowed',
    grpc: GrpcStatus.PERMISSION_DENIED,
  },
  'queue-limit-reached': {
    status: 403,
    title: 'Queue limit reached',
    reason: 'queue_limit',
    grpc: GrpcStatus.PERMISSION_DENIED,
  },
  'schedule-limit-reached': {
    status: 403,
    title: 'Schedule limit reached',
    grpc: GrpcStatus.PERMISSION_DENIED,
  },
  internal: { status: 500, title: 'Internal server error', grpc: GrpcStatus.INTERNAL },
  unavailable: {
    status: 503,
    title: 'Service unavailable',
    reason: 'unavailable',
    retryAfter: true,
    grpc: GrpcStatus.UNAVAILABLE,
  },
};

/**
 * The one table from tq's error codes (what `@tq/core` and `@tq/task` throw or answer per batch item) to
 * problems, and through PROBLEMS to an HTTP status and a gRPC status: one table for both protocols (the
 * compiler insists that every code and every problem kind has its row).
 */
export const PROBLEM_OF_CODE: Readonly<Record<TqErrorCode, ProblemKind>> = {
  invalid: 'invalid-request',
  not_found: 'not-found',
  conflict: 'conflict',
  too_large: 'payload-too-large',
  queue_full: 'queue-full',
  unavailable: 'unavailable',
  queue_not_allowed: 'queue-not-allowed',
  queue_limit: 'queue-limit-reached',
  schedule_limit: 'schedule-limit-reached',
};

/** The `type` URI of a problem kind. */
export function problemType(kind: ProblemKind): string {
  return `urn:tq:problem:${kind}`;
}

/** Options of an {@link HttpProblem}. */
export interface HttpProblemOptions {
  errors?: FieldProblem[];
  /** Response headers, e.g. WWW-Authenticate (Retry-After is added for the kinds that retry). */
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

  /** The response headers: the given ones, and Retry-After for a kind worth retrying. */
  headers(): Record<string, string> {
    const headers: Record<string, string> = { ...this.options.headers };
    if (PROBLEMS[this.kind].retryAfter) headers['Retry-After'] ??= String(RETRY_AFTER_SECONDS);
    return headers;
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
