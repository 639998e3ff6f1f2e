// Original file: ../../proto/tq/v1/tq.proto

import type {
  SubmitResponse as _tq_v1_SubmitResponse,
  SubmitResponse__Output as _tq_v1_SubmitResponse__Output,
} from '../../tq/v1/SubmitResponse';
import type {
  Problem as _tq_v1_Problem,
  Problem__Output as _tq_v1_Problem__Output,
} from '../../tq/v1/Problem';

/**
 * One item of a batch: the stored task, or why it was refused.
 */
export interface BatchResult {
  index?: number;
  stored?: _tq_v1_SubmitResponse | null;
  error?: _tq_v1_Problem | null;
  outcome?: 'stored' | 'error';
}

/**
 * One item of a batch: the stored task, or why it was refused.
 */
export interface BatchResult__Output {
  index: number;
  stored?: _tq_v1_SubmitResponse__Output | null;
  error?: _tq_v1_Problem__Output | null;
  outcome?: 'stored' | 'error';
}
