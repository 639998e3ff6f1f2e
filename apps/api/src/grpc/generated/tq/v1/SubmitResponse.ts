// Original file: ../../proto/tq/v1/tq.proto

import type { Task as _tq_v1_Task, Task__Output as _tq_v1_Task__Output } from '../../tq/v1/Task';

export interface SubmitResponse {
  task?: _tq_v1_Task | null;
  /**
   * True when an earlier submission under the same idempotency key was answered (HTTP 200, not 201).
   */
  replayed?: boolean;
}

export interface SubmitResponse__Output {
  task: _tq_v1_Task__Output | null;
  /**
   * True when an earlier submission under the same idempotency key was answered (HTTP 200, not 201).
   */
  replayed: boolean;
}
