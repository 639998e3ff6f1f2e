// Original file: ../../proto/tq/v1/tq.proto

import type {
  BatchResult as _tq_v1_BatchResult,
  BatchResult__Output as _tq_v1_BatchResult__Output,
} from '../../tq/v1/BatchResult';

export interface SubmitBatchResponse {
  created?: number;
  replayed?: number;
  failed?: number;
  /**
   * One per submitted task, in the request's order.
   */
  results?: _tq_v1_BatchResult[];
}

export interface SubmitBatchResponse__Output {
  created: number;
  replayed: number;
  failed: number;
  /**
   * One per submitted task, in the request's order.
   */
  results: _tq_v1_BatchResult__Output[];
}
