// Original file: ../../proto/tq/v1/tq.proto

import type {
  Value as _google_protobuf_Value,
  Value__Output as _google_protobuf_Value__Output,
} from '../../google/protobuf/Value';
import type { Long } from '@grpc/proto-loader';

/**
 * One task to submit: the fields of the HTTP API's POST /tasks body, with the same limits.
 */
export interface SubmitRequest {
  type?: string;
  /**
   * Any JSON value (google.protobuf.Value holds exactly those); unset for none.
   */
  payload?: _google_protobuf_Value | null;
  /**
   * Default "default".
   */
  queue?: string;
  /**
   * 0-9, higher first; default 0.
   */
  priority?: number;
  /**
   * Run this many ms from now (give delay_ms or run_at, not both).
   */
  delayMs?: number | string | Long;
  /**
   * Run at this ISO 8601 date-time with an offset, e.g. "2026-01-01T12:00:00Z".
   */
  runAt?: string;
  /**
   * 1-1000; default 5.
   */
  maxAttempts?: number;
  timeoutMs?: number | string | Long;
  /**
   * Instead of the idempotency-key metadata (Submit) or per item (SubmitBatch).
   */
  idempotencyKey?: string;
  idempotencyTtlMs?: number | string | Long;
  /**
   * A W3C traceparent; the `traceparent` metadata is used when this is unset.
   */
  traceparent?: string;
  /**
   * The fair group (a tenant, a customer): 1-128 printable ASCII characters without spaces.
   */
  group?: string;
  /**
   * Partitioned queues: tasks with the same key go to the same partition (their order holds there);
   * 1-255 printable ASCII characters without spaces. Ignored by a queue of one partition.
   */
  partitionKey?: string;
  _queue?: 'queue';
  _priority?: 'priority';
  _delayMs?: 'delayMs';
  _runAt?: 'runAt';
  _maxAttempts?: 'maxAttempts';
  _timeoutMs?: 'timeoutMs';
  _idempotencyKey?: 'idempotencyKey';
  _idempotencyTtlMs?: 'idempotencyTtlMs';
  _traceparent?: 'traceparent';
  _group?: 'group';
  _partitionKey?: 'partitionKey';
}

/**
 * One task to submit: the fields of the HTTP API's POST /tasks body, with the same limits.
 */
export interface SubmitRequest__Output {
  type: string;
  /**
   * Any JSON value (google.protobuf.Value holds exactly those); unset for none.
   */
  payload: _google_protobuf_Value__Output | null;
  /**
   * Default "default".
   */
  queue?: string;
  /**
   * 0-9, higher first; default 0.
   */
  priority?: number;
  /**
   * Run this many ms from now (give delay_ms or run_at, not both).
   */
  delayMs?: number;
  /**
   * Run at this ISO 8601 date-time with an offset, e.g. "2026-01-01T12:00:00Z".
   */
  runAt?: string;
  /**
   * 1-1000; default 5.
   */
  maxAttempts?: number;
  timeoutMs?: number;
  /**
   * Instead of the idempotency-key metadata (Submit) or per item (SubmitBatch).
   */
  idempotencyKey?: string;
  idempotencyTtlMs?: number;
  /**
   * A W3C traceparent; the `traceparent` metadata is used when this is unset.
   */
  traceparent?: string;
  /**
   * The fair group (a tenant, a customer): 1-128 printable ASCII characters without spaces.
   */
  group?: string;
  /**
   * Partitioned queues: tasks with the same key go to the same partition (their order holds there);
   * 1-255 printable ASCII characters without spaces. Ignored by a queue of one partition.
   */
  partitionKey?: string;
  _queue?: 'queue';
  _priority?: 'priority';
  _delayMs?: 'delayMs';
  _runAt?: 'runAt';
  _maxAttempts?: 'maxAttempts';
  _timeoutMs?: 'timeoutMs';
  _idempotencyKey?: 'idempotencyKey';
  _idempotencyTtlMs?: 'idempotencyTtlMs';
  _traceparent?: 'traceparent';
  _group?: 'group';
  _partitionKey?: 'partitionKey';
}
