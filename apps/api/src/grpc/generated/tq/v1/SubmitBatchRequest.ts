// Original file: ../../proto/tq/v1/tq.proto

import type {
  SubmitRequest as _tq_v1_SubmitRequest,
  SubmitRequest__Output as _tq_v1_SubmitRequest__Output,
} from '../../tq/v1/SubmitRequest';

export interface SubmitBatchRequest {
  tasks?: _tq_v1_SubmitRequest[];
}

export interface SubmitBatchRequest__Output {
  tasks: _tq_v1_SubmitRequest__Output[];
}
