import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type {
  ListValue as _google_protobuf_ListValue,
  ListValue__Output as _google_protobuf_ListValue__Output,
} from './google/protobuf/ListValue';
import type {
  Struct as _google_protobuf_Struct,
  Struct__Output as _google_protobuf_Struct__Output,
} from './google/protobuf/Struct';
import type {
  Value as _google_protobuf_Value,
  Value__Output as _google_protobuf_Value__Output,
} from './google/protobuf/Value';
import type {
  AttemptError as _tq_v1_AttemptError,
  AttemptError__Output as _tq_v1_AttemptError__Output,
} from './tq/v1/AttemptError';
import type {
  BatchResult as _tq_v1_BatchResult,
  BatchResult__Output as _tq_v1_BatchResult__Output,
} from './tq/v1/BatchResult';
import type {
  CancelRequest as _tq_v1_CancelRequest,
  CancelRequest__Output as _tq_v1_CancelRequest__Output,
} from './tq/v1/CancelRequest';
import type {
  CancelResponse as _tq_v1_CancelResponse,
  CancelResponse__Output as _tq_v1_CancelResponse__Output,
} from './tq/v1/CancelResponse';
import type {
  FieldProblem as _tq_v1_FieldProblem,
  FieldProblem__Output as _tq_v1_FieldProblem__Output,
} from './tq/v1/FieldProblem';
import type {
  GetQueueRequest as _tq_v1_GetQueueRequest,
  GetQueueRequest__Output as _tq_v1_GetQueueRequest__Output,
} from './tq/v1/GetQueueRequest';
import type {
  GetQueueResponse as _tq_v1_GetQueueResponse,
  GetQueueResponse__Output as _tq_v1_GetQueueResponse__Output,
} from './tq/v1/GetQueueResponse';
import type {
  GetRequest as _tq_v1_GetRequest,
  GetRequest__Output as _tq_v1_GetRequest__Output,
} from './tq/v1/GetRequest';
import type {
  GetResponse as _tq_v1_GetResponse,
  GetResponse__Output as _tq_v1_GetResponse__Output,
} from './tq/v1/GetResponse';
import type {
  ListQueuesRequest as _tq_v1_ListQueuesRequest,
  ListQueuesRequest__Output as _tq_v1_ListQueuesRequest__Output,
} from './tq/v1/ListQueuesRequest';
import type {
  ListQueuesResponse as _tq_v1_ListQueuesResponse,
  ListQueuesResponse__Output as _tq_v1_ListQueuesResponse__Output,
} from './tq/v1/ListQueuesResponse';
import type { Problem as _tq_v1_Problem, Problem__Output as _tq_v1_Problem__Output } from './tq/v1/Problem';
import type {
  Progress as _tq_v1_Progress,
  Progress__Output as _tq_v1_Progress__Output,
} from './tq/v1/Progress';
import type { Queue as _tq_v1_Queue, Queue__Output as _tq_v1_Queue__Output } from './tq/v1/Queue';
import type {
  ScheduleRef as _tq_v1_ScheduleRef,
  ScheduleRef__Output as _tq_v1_ScheduleRef__Output,
} from './tq/v1/ScheduleRef';
import type {
  StateChange as _tq_v1_StateChange,
  StateChange__Output as _tq_v1_StateChange__Output,
} from './tq/v1/StateChange';
import type {
  SubmitBatchRequest as _tq_v1_SubmitBatchRequest,
  SubmitBatchRequest__Output as _tq_v1_SubmitBatchRequest__Output,
} from './tq/v1/SubmitBatchRequest';
import type {
  SubmitBatchResponse as _tq_v1_SubmitBatchResponse,
  SubmitBatchResponse__Output as _tq_v1_SubmitBatchResponse__Output,
} from './tq/v1/SubmitBatchResponse';
import type {
  SubmitRequest as _tq_v1_SubmitRequest,
  SubmitRequest__Output as _tq_v1_SubmitRequest__Output,
} from './tq/v1/SubmitRequest';
import type {
  SubmitResponse as _tq_v1_SubmitResponse,
  SubmitResponse__Output as _tq_v1_SubmitResponse__Output,
} from './tq/v1/SubmitResponse';
import type { Task as _tq_v1_Task, Task__Output as _tq_v1_Task__Output } from './tq/v1/Task';
import type {
  TaskServiceClient as _tq_v1_TaskServiceClient,
  TaskServiceDefinition as _tq_v1_TaskServiceDefinition,
} from './tq/v1/TaskService';
import type {
  WatchRequest as _tq_v1_WatchRequest,
  WatchRequest__Output as _tq_v1_WatchRequest__Output,
} from './tq/v1/WatchRequest';
import type {
  WatchResponse as _tq_v1_WatchResponse,
  WatchResponse__Output as _tq_v1_WatchResponse__Output,
} from './tq/v1/WatchResponse';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      ListValue: MessageTypeDefinition<_google_protobuf_ListValue, _google_protobuf_ListValue__Output>;
      NullValue: EnumTypeDefinition;
      Struct: MessageTypeDefinition<_google_protobuf_Struct, _google_protobuf_Struct__Output>;
      Value: MessageTypeDefinition<_google_protobuf_Value, _google_protobuf_Value__Output>;
    };
  };
  tq: {
    v1: {
      AttemptError: MessageTypeDefinition<_tq_v1_AttemptError, _tq_v1_AttemptError__Output>;
      BatchResult: MessageTypeDefinition<_tq_v1_BatchResult, _tq_v1_BatchResult__Output>;
      CancelRequest: MessageTypeDefinition<_tq_v1_CancelRequest, _tq_v1_CancelRequest__Output>;
      CancelResponse: MessageTypeDefinition<_tq_v1_CancelResponse, _tq_v1_CancelResponse__Output>;
      FieldProblem: MessageTypeDefinition<_tq_v1_FieldProblem, _tq_v1_FieldProblem__Output>;
      GetQueueRequest: MessageTypeDefinition<_tq_v1_GetQueueRequest, _tq_v1_GetQueueRequest__Output>;
      GetQueueResponse: MessageTypeDefinition<_tq_v1_GetQueueResponse, _tq_v1_GetQueueResponse__Output>;
      GetRequest: MessageTypeDefinition<_tq_v1_GetRequest, _tq_v1_GetRequest__Output>;
      GetResponse: MessageTypeDefinition<_tq_v1_GetResponse, _tq_v1_GetResponse__Output>;
      ListQueuesRequest: MessageTypeDefinition<_tq_v1_ListQueuesRequest, _tq_v1_ListQueuesRequest__Output>;
      ListQueuesResponse: MessageTypeDefinition<_tq_v1_ListQueuesResponse, _tq_v1_ListQueuesResponse__Output>;
      Problem: MessageTypeDefinition<_tq_v1_Problem, _tq_v1_Problem__Output>;
      Progress: MessageTypeDefinition<_tq_v1_Progress, _tq_v1_Progress__Output>;
      Queue: MessageTypeDefinition<_tq_v1_Queue, _tq_v1_Queue__Output>;
      ScheduleRef: MessageTypeDefinition<_tq_v1_ScheduleRef, _tq_v1_ScheduleRef__Output>;
      StateChange: MessageTypeDefinition<_tq_v1_StateChange, _tq_v1_StateChange__Output>;
      SubmitBatchRequest: MessageTypeDefinition<_tq_v1_SubmitBatchRequest, _tq_v1_SubmitBatchRequest__Output>;
      SubmitBatchResponse: MessageTypeDefinition<
        _tq_v1_SubmitBatchResponse,
        _tq_v1_SubmitBatchResponse__Output
      >;
      SubmitRequest: MessageTypeDefinition<_tq_v1_SubmitRequest, _tq_v1_SubmitRequest__Output>;
      SubmitResponse: MessageTypeDefinition<_tq_v1_SubmitResponse, _tq_v1_SubmitResponse__Output>;
      Task: MessageTypeDefinition<_tq_v1_Task, _tq_v1_Task__Output>;
      /**
       * Submit, read, cancel and watch tasks; read queues. Authentication: `authorization: Bearer <token>`
       * metadata, with the HTTP API's tokens and scopes (Cancel needs an admin token).
       */
      TaskService: SubtypeConstructor<typeof grpc.Client, _tq_v1_TaskServiceClient> & {
        service: _tq_v1_TaskServiceDefinition;
      };
      WatchRequest: MessageTypeDefinition<_tq_v1_WatchRequest, _tq_v1_WatchRequest__Output>;
      WatchResponse: MessageTypeDefinition<_tq_v1_WatchResponse, _tq_v1_WatchResponse__Output>;
    };
  };
}
