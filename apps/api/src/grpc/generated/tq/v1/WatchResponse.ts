// Original file: ../../proto/tq/v1/tq.proto

import type { Task as _tq_v1_Task, Task__Output as _tq_v1_Task__Output } from '../../tq/v1/Task';
import type {
  StateChange as _tq_v1_StateChange,
  StateChange__Output as _tq_v1_StateChange__Output,
} from '../../tq/v1/StateChange';
import type {
  Progress as _tq_v1_Progress,
  Progress__Output as _tq_v1_Progress__Output,
} from '../../tq/v1/Progress';

/**
 * One message of a Watch stream.
 */
export interface WatchResponse {
  /**
   * The whole task: first, and last once it finished.
   */
  task?: _tq_v1_Task | null;
  /**
   * A state change: status, with the attempt for running and the reason for dead.
   */
  state?: _tq_v1_StateChange | null;
  /**
   * A progress report of the running attempt.
   */
  progress?: _tq_v1_Progress | null;
  event?: 'task' | 'state' | 'progress';
}

/**
 * One message of a Watch stream.
 */
export interface WatchResponse__Output {
  /**
   * The whole task: first, and last once it finished.
   */
  task?: _tq_v1_Task__Output | null;
  /**
   * A state change: status, with the attempt for running and the reason for dead.
   */
  state?: _tq_v1_StateChange__Output | null;
  /**
   * A progress report of the running attempt.
   */
  progress?: _tq_v1_Progress__Output | null;
  event?: 'task' | 'state' | 'progress';
}
