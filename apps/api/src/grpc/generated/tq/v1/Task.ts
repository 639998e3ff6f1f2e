// Original file: ../../proto/tq/v1/tq.proto

import type {
  Value as _google_protobuf_Value,
  Value__Output as _google_protobuf_Value__Output,
} from '../../google/protobuf/Value';
import type {
  AttemptError as _tq_v1_AttemptError,
  AttemptError__Output as _tq_v1_AttemptError__Output,
} from '../../tq/v1/AttemptError';
import type {
  ScheduleRef as _tq_v1_ScheduleRef,
  ScheduleRef__Output as _tq_v1_ScheduleRef__Output,
} from '../../tq/v1/ScheduleRef';
import type { Long } from '@grpc/proto-loader';

/**
 * What the API stores and answers for a task (GET /tasks/{id} in the HTTP API).
 */
export interface Task {
  id?: string;
  queue?: string;
  type?: string;
  /**
   * Any JSON value; unset when the task has no payload.
   */
  payload?: _google_protobuf_Value | null;
  /**
   * pending, scheduled, running, retry, done, dead or canceled.
   */
  status?: string;
  priority?: number;
  attempt?: number;
  maxAttempts?: number;
  timeoutMs?: number | string | Long;
  /**
   * ISO 8601 times, UTC; unset when they have not happened.
   */
  createdAt?: string;
  runAt?: string;
  startedAt?: string;
  finishedAt?: string;
  /**
   * The handler's result (any JSON value) once done; unset before.
   */
  result?: _google_protobuf_Value | null;
  lastError?: string;
  errors?: _tq_v1_AttemptError[];
  deadReason?: string;
  idempotencyKey?: string;
  /**
   * The last progress a handler reported (a number 0-100 or an object); unset when none.
   */
  progress?: _google_protobuf_Value | null;
  traceparent?: string;
  /**
   * Where the API read the task, as GET /tasks/{id} says: "redis" (the live task) or "archive" (the task
   * history in PostgreSQL, after Redis retention deleted it). Set in what Get, Cancel and Watch read; unset
   * in the answers of Submit and SubmitBatch, as in those of POST /tasks and /tasks/batch.
   */
  source?: string;
  /**
   * While running: when an operator asked to cancel this attempt (HTTP POST /tasks/{id}/cancel); its worker
   * ends it canceled within one lease-extension tick. Unset otherwise.
   */
  cancelRequestedAt?: string;
  /**
   * The fair group the task waits in (docs/scheduling.md); unset when none.
   */
  group?: string;
  /**
   * The cron schedule that enqueued the task; unset for a task submitted directly.
   */
  schedule?: _tq_v1_ScheduleRef | null;
  /**
   * The id of the worker that ran the latest attempt (as GET /workers lists workers); unset before one ran.
   */
  workerId?: string;
  /**
   * The partition of a partitioned queue that holds the task (its id names it; docs/scaling.md); 0 otherwise.
   */
  partition?: number;
  _timeoutMs?: 'timeoutMs';
  _runAt?: 'runAt';
  _startedAt?: 'startedAt';
  _finishedAt?: 'finishedAt';
  _lastError?: 'lastError';
  _deadReason?: 'deadReason';
  _idempotencyKey?: 'idempotencyKey';
  _traceparent?: 'traceparent';
  _source?: 'source';
  _cancelRequestedAt?: 'cancelRequestedAt';
  _group?: 'group';
  _workerId?: 'workerId';
}

/**
 * What the API stores and answers for a task (GET /tasks/{id} in the HTTP API).
 */
export interface Task__Output {
  id: string;
  queue: string;
  type: string;
  /**
   * Any JSON value; unset when the task has no payload.
   */
  payload: _google_protobuf_Value__Output | null;
  /**
   * pending, scheduled, running, retry, done, dead or canceled.
   */
  status: string;
  priority: number;
  attempt: number;
  maxAttempts: number;
  timeoutMs?: number;
  /**
   * ISO 8601 times, UTC; unset when they have not happened.
   */
  createdAt: string;
  runAt?: string;
  startedAt?: string;
  finishedAt?: string;
  /**
   * The handler's result (any JSON value) once done; unset before.
   */
  result: _google_protobuf_Value__Output | null;
  lastError?: string;
  errors: _tq_v1_AttemptError__Output[];
  deadReason?: string;
  idempotencyKey?: string;
  /**
   * The last progress a handler reported (a number 0-100 or an object); unset when none.
   */
  progress: _google_protobuf_Value__Output | null;
  traceparent?: string;
  /**
   * Where the API read the task, as GET /tasks/{id} says: "redis" (the live task) or "archive" (the task
   * history in PostgreSQL, after Redis retention deleted it). Set in what Get, Cancel and Watch read; unset
   * in the answers of Submit and SubmitBatch, as in those of POST /tasks and /tasks/batch.
   */
  source?: string;
  /**
   * While running: when an operator asked to cancel this attempt (HTTP POST /tasks/{id}/cancel); its worker
   * ends it canceled within one lease-extension tick. Unset otherwise.
   */
  cancelRequestedAt?: string;
  /**
   * The fair group the task waits in (docs/scheduling.md); unset when none.
   */
  group?: string;
  /**
   * The cron schedule that enqueued the task; unset for a task submitted directly.
   */
  schedule: _tq_v1_ScheduleRef__Output | null;
  /**
   * The id of the worker that ran the latest attempt (as GET /workers lists workers); unset before one ran.
   */
  workerId?: string;
  /**
   * The partition of a partitioned queue that holds the task (its id names it; docs/scaling.md); 0 otherwise.
   */
  partition: number;
  _timeoutMs?: 'timeoutMs';
  _runAt?: 'runAt';
  _startedAt?: 'startedAt';
  _finishedAt?: 'finishedAt';
  _lastError?: 'lastError';
  _deadReason?: 'deadReason';
  _idempotencyKey?: 'idempotencyKey';
  _traceparent?: 'traceparent';
  _source?: 'source';
  _cancelRequestedAt?: 'cancelRequestedAt';
  _group?: 'group';
  _workerId?: 'workerId';
}
