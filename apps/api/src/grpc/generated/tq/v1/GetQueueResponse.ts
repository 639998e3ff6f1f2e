// Original file: ../../proto/tq/v1/tq.proto

import type { Queue as _tq_v1_Queue, Queue__Output as _tq_v1_Queue__Output } from '../../tq/v1/Queue';

export interface GetQueueResponse {
  queue?: _tq_v1_Queue | null;
}

export interface GetQueueResponse__Output {
  queue: _tq_v1_Queue__Output | null;
}
