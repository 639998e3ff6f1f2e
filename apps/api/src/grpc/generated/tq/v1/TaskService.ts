// Original file: ../../proto/tq/v1/tq.proto

import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type {
  CancelRequest as _tq_v1_CancelRequest,
  CancelRequest__Output as _tq_v1_CancelRequest__Output,
} from '../../tq/v1/CancelRequest';
import type {
  CancelResponse as _tq_v1_CancelResponse,
  CancelResponse__Output as _tq_v1_CancelResponse__Output,
} from '../../tq/v1/CancelResponse';
import type {
  GetQueueRequest as _tq_v1_GetQueueRequest,
  GetQueueRequest__Output as _tq_v1_GetQueueRequest__Output,
} from '../../tq/v1/GetQueueRequest';
import type {
  GetQueueResponse as _tq_v1_GetQueueResponse,
  GetQueueResponse__Output as _tq_v1_GetQueueResponse__Output,
} from '../../tq/v1/GetQueueResponse';
import type {
  GetRequest as _tq_v1_GetRequest,
  GetRequest__Output as _tq_v1_GetRequest__Output,
} from '../../tq/v1/GetRequest';
import type {
  GetResponse as _tq_v1_GetResponse,
  GetResponse__Output as _tq_v1_GetResponse__Output,
} from '../../tq/v1/GetResponse';
import type {
  ListQueuesRequest as _tq_v1_ListQueuesRequest,
  ListQueuesRequest__Output as _tq_v1_ListQueuesRequest__Output,
} from '../../tq/v1/ListQueuesRequest';
import type {
  ListQueuesResponse as _tq_v1_ListQueuesResponse,
  ListQueuesResponse__Output as _tq_v1_ListQueuesResponse__Output,
} from '../../tq/v1/ListQueuesResponse';
import type {
  SubmitBatchRequest as _tq_v1_SubmitBatchRequest,
  SubmitBatchRequest__Output as _tq_v1_SubmitBatchRequest__Output,
} from '../../tq/v1/SubmitBatchRequest';
import type {
  SubmitBatchResponse as _tq_v1_SubmitBatchResponse,
  SubmitBatchResponse__Output as _tq_v1_SubmitBatchResponse__Output,
} from '../../tq/v1/SubmitBatchResponse';
import type {
  SubmitRequest as _tq_v1_SubmitRequest,
  SubmitRequest__Output as _tq_v1_SubmitRequest__Output,
} from '../../tq/v1/SubmitRequest';
import type {
  SubmitResponse as _tq_v1_SubmitResponse,
  SubmitResponse__Output as _tq_v1_SubmitResponse__Output,
} from '../../tq/v1/SubmitResponse';
import type {
  WatchRequest as _tq_v1_WatchRequest,
  WatchRequest__Output as _tq_v1_WatchRequest__Output,
} from '../../tq/v1/WatchRequest';
import type {
  WatchResponse as _tq_v1_WatchResponse,
  WatchResponse__Output as _tq_v1_WatchResponse__Output,
} from '../../tq/v1/WatchResponse';

/**
 * Submit, read, cancel and watch tasks; read queues. Authentication: `authorization: Bearer <token>`
 * metadata, with the HTTP API's tokens and scopes (Cancel needs an admin token).
 */
export interface TaskServiceClient extends grpc.Client {
  /**
   * Cancels a task that is not running (ABORTED when it is running or finished). Needs an admin token.
   */
  Cancel(
    argument: _tq_v1_CancelRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_CancelResponse__Output>,
  ): grpc.ClientUnaryCall;
  Cancel(
    argument: _tq_v1_CancelRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_tq_v1_CancelResponse__Output>,
  ): grpc.ClientUnaryCall;
  Cancel(
    argument: _tq_v1_CancelRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_CancelResponse__Output>,
  ): grpc.ClientUnaryCall;
  Cancel(
    argument: _tq_v1_CancelRequest,
    callback: grpc.requestCallback<_tq_v1_CancelResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Cancels a task that is not running (ABORTED when it is running or finished). Needs an admin token.
   */
  cancel(
    argument: _tq_v1_CancelRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_CancelResponse__Output>,
  ): grpc.ClientUnaryCall;
  cancel(
    argument: _tq_v1_CancelRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_tq_v1_CancelResponse__Output>,
  ): grpc.ClientUnaryCall;
  cancel(
    argument: _tq_v1_CancelRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_CancelResponse__Output>,
  ): grpc.ClientUnaryCall;
  cancel(
    argument: _tq_v1_CancelRequest,
    callback: grpc.requestCallback<_tq_v1_CancelResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * The task as it is now.
   */
  Get(
    argument: _tq_v1_GetRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  Get(
    argument: _tq_v1_GetRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_tq_v1_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  Get(
    argument: _tq_v1_GetRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  Get(
    argument: _tq_v1_GetRequest,
    callback: grpc.requestCallback<_tq_v1_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * The task as it is now.
   */
  get(
    argument: _tq_v1_GetRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  get(
    argument: _tq_v1_GetRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_tq_v1_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  get(
    argument: _tq_v1_GetRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_GetResponse__Output>,
  ): grpc.ClientUnaryCall;
  get(
    argument: _tq_v1_GetRequest,
    callback: grpc.requestCallback<_tq_v1_GetResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * A queue's counts per state.
   */
  GetQueue(
    argument: _tq_v1_GetQueueRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_GetQueueResponse__Output>,
  ): grpc.ClientUnaryCall;
  GetQueue(
    argument: _tq_v1_GetQueueRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_tq_v1_GetQueueResponse__Output>,
  ): grpc.ClientUnaryCall;
  GetQueue(
    argument: _tq_v1_GetQueueRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_GetQueueResponse__Output>,
  ): grpc.ClientUnaryCall;
  GetQueue(
    argument: _tq_v1_GetQueueRequest,
    callback: grpc.requestCallback<_tq_v1_GetQueueResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * A queue's counts per state.
   */
  getQueue(
    argument: _tq_v1_GetQueueRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_GetQueueResponse__Output>,
  ): grpc.ClientUnaryCall;
  getQueue(
    argument: _tq_v1_GetQueueRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_tq_v1_GetQueueResponse__Output>,
  ): grpc.ClientUnaryCall;
  getQueue(
    argument: _tq_v1_GetQueueRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_GetQueueResponse__Output>,
  ): grpc.ClientUnaryCall;
  getQueue(
    argument: _tq_v1_GetQueueRequest,
    callback: grpc.requestCallback<_tq_v1_GetQueueResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Every queue with its counts.
   */
  ListQueues(
    argument: _tq_v1_ListQueuesRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_ListQueuesResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListQueues(
    argument: _tq_v1_ListQueuesRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_tq_v1_ListQueuesResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListQueues(
    argument: _tq_v1_ListQueuesRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_ListQueuesResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListQueues(
    argument: _tq_v1_ListQueuesRequest,
    callback: grpc.requestCallback<_tq_v1_ListQueuesResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Every queue with its counts.
   */
  listQueues(
    argument: _tq_v1_ListQueuesRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_ListQueuesResponse__Output>,
  ): grpc.ClientUnaryCall;
  listQueues(
    argument: _tq_v1_ListQueuesRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_tq_v1_ListQueuesResponse__Output>,
  ): grpc.ClientUnaryCall;
  listQueues(
    argument: _tq_v1_ListQueuesRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_ListQueuesResponse__Output>,
  ): grpc.ClientUnaryCall;
  listQueues(
    argument: _tq_v1_ListQueuesRequest,
    callback: grpc.requestCallback<_tq_v1_ListQueuesResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Stores one task. `idempotency-key` metadata (or the idempotency_key field) makes a retry safe: a replay
   * answers the stored task with replayed = true; another submission under the key is ABORTED.
   */
  Submit(
    argument: _tq_v1_SubmitRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_SubmitResponse__Output>,
  ): grpc.ClientUnaryCall;
  Submit(
    argument: _tq_v1_SubmitRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_tq_v1_SubmitResponse__Output>,
  ): grpc.ClientUnaryCall;
  Submit(
    argument: _tq_v1_SubmitRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_SubmitResponse__Output>,
  ): grpc.ClientUnaryCall;
  Submit(
    argument: _tq_v1_SubmitRequest,
    callback: grpc.requestCallback<_tq_v1_SubmitResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Stores one task. `idempotency-key` metadata (or the idempotency_key field) makes a retry safe: a replay
   * answers the stored task with replayed = true; another submission under the key is ABORTED.
   */
  submit(
    argument: _tq_v1_SubmitRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_SubmitResponse__Output>,
  ): grpc.ClientUnaryCall;
  submit(
    argument: _tq_v1_SubmitRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_tq_v1_SubmitResponse__Output>,
  ): grpc.ClientUnaryCall;
  submit(
    argument: _tq_v1_SubmitRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_SubmitResponse__Output>,
  ): grpc.ClientUnaryCall;
  submit(
    argument: _tq_v1_SubmitRequest,
    callback: grpc.requestCallback<_tq_v1_SubmitResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Stores up to 1000 tasks, each stored or refused on its own (no idempotency-key metadata: give each task
   * its own idempotency_key).
   */
  SubmitBatch(
    argument: _tq_v1_SubmitBatchRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_SubmitBatchResponse__Output>,
  ): grpc.ClientUnaryCall;
  SubmitBatch(
    argument: _tq_v1_SubmitBatchRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_tq_v1_SubmitBatchResponse__Output>,
  ): grpc.ClientUnaryCall;
  SubmitBatch(
    argument: _tq_v1_SubmitBatchRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_SubmitBatchResponse__Output>,
  ): grpc.ClientUnaryCall;
  SubmitBatch(
    argument: _tq_v1_SubmitBatchRequest,
    callback: grpc.requestCallback<_tq_v1_SubmitBatchResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Stores up to 1000 tasks, each stored or refused on its own (no idempotency-key metadata: give each task
   * its own idempotency_key).
   */
  submitBatch(
    argument: _tq_v1_SubmitBatchRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_SubmitBatchResponse__Output>,
  ): grpc.ClientUnaryCall;
  submitBatch(
    argument: _tq_v1_SubmitBatchRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_tq_v1_SubmitBatchResponse__Output>,
  ): grpc.ClientUnaryCall;
  submitBatch(
    argument: _tq_v1_SubmitBatchRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_tq_v1_SubmitBatchResponse__Output>,
  ): grpc.ClientUnaryCall;
  submitBatch(
    argument: _tq_v1_SubmitBatchRequest,
    callback: grpc.requestCallback<_tq_v1_SubmitBatchResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * The task now, then its progress and state changes, then the finished task; the stream ends then.
   */
  Watch(
    argument: _tq_v1_WatchRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_tq_v1_WatchResponse__Output>;
  Watch(
    argument: _tq_v1_WatchRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_tq_v1_WatchResponse__Output>;
  /**
   * The task now, then its progress and state changes, then the finished task; the stream ends then.
   */
  watch(
    argument: _tq_v1_WatchRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_tq_v1_WatchResponse__Output>;
  watch(
    argument: _tq_v1_WatchRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_tq_v1_WatchResponse__Output>;
}

/**
 * Submit, read, cancel and watch tasks; read queues. Authentication: `authorization: Bearer <token>`
 * metadata, with the HTTP API's tokens and scopes (Cancel needs an admin token).
 */
export interface TaskServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Cancels a task that is not running (ABORTED when it is running or finished). Needs an admin token.
   */
  Cancel: grpc.handleUnaryCall<_tq_v1_CancelRequest__Output, _tq_v1_CancelResponse>;

  /**
   * The task as it is now.
   */
  Get: grpc.handleUnaryCall<_tq_v1_GetRequest__Output, _tq_v1_GetResponse>;

  /**
   * A queue's counts per state.
   */
  GetQueue: grpc.handleUnaryCall<_tq_v1_GetQueueRequest__Output, _tq_v1_GetQueueResponse>;

  /**
   * Every queue with its counts.
   */
  ListQueues: grpc.handleUnaryCall<_tq_v1_ListQueuesRequest__Output, _tq_v1_ListQueuesResponse>;

  /**
   * Stores one task. `idempotency-key` metadata (or the idempotency_key field) makes a retry safe: a replay
   * answers the stored task with replayed = true; another submission under the key is ABORTED.
   */
  Submit: grpc.handleUnaryCall<_tq_v1_SubmitRequest__Output, _tq_v1_SubmitResponse>;

  /**
   * Stores up to 1000 tasks, each stored or refused on its own (no idempotency-key metadata: give each task
   * its own idempotency_key).
   */
  SubmitBatch: grpc.handleUnaryCall<_tq_v1_SubmitBatchRequest__Output, _tq_v1_SubmitBatchResponse>;

  /**
   * The task now, then its progress and state changes, then the finished task; the stream ends then.
   */
  Watch: grpc.handleServerStreamingCall<_tq_v1_WatchRequest__Output, _tq_v1_WatchResponse>;
}

export interface TaskServiceDefinition extends grpc.ServiceDefinition {
  Cancel: MethodDefinition<
    _tq_v1_CancelRequest,
    _tq_v1_CancelResponse,
    _tq_v1_CancelRequest__Output,
    _tq_v1_CancelResponse__Output
  >;
  Get: MethodDefinition<
    _tq_v1_GetRequest,
    _tq_v1_GetResponse,
    _tq_v1_GetRequest__Output,
    _tq_v1_GetResponse__Output
  >;
  GetQueue: MethodDefinition<
    _tq_v1_GetQueueRequest,
    _tq_v1_GetQueueResponse,
    _tq_v1_GetQueueRequest__Output,
    _tq_v1_GetQueueResponse__Output
  >;
  ListQueues: MethodDefinition<
    _tq_v1_ListQueuesRequest,
    _tq_v1_ListQueuesResponse,
    _tq_v1_ListQueuesRequest__Output,
    _tq_v1_ListQueuesResponse__Output
  >;
  Submit: MethodDefinition<
    _tq_v1_SubmitRequest,
    _tq_v1_SubmitResponse,
    _tq_v1_SubmitRequest__Output,
    _tq_v1_SubmitResponse__Output
  >;
  SubmitBatch: MethodDefinition<
    _tq_v1_SubmitBatchRequest,
    _tq_v1_SubmitBatchResponse,
    _tq_v1_SubmitBatchRequest__Output,
    _tq_v1_SubmitBatchResponse__Output
  >;
  Watch: MethodDefinition<
    _tq_v1_WatchRequest,
    _tq_v1_WatchResponse,
    _tq_v1_WatchRequest__Output,
    _tq_v1_WatchResponse__Output
  >;
}
