// Original file: ../../proto/tq/v1/tq.proto

import type { Task as _tq_v1_Task, Task__Output as _tq_v1_Task__Output } from '../../tq/v1/Task';

export interface GetResponse {
  task?: _tq_v1_Task | null;
}

export interface GetResponse__Output {
  task: _tq_v1_Task__Output | null;
}
