// Original file: ../../proto/tq/v1/tq.proto

import type {
  FieldProblem as _tq_v1_FieldProblem,
  FieldProblem__Output as _tq_v1_FieldProblem__Output,
} from '../../tq/v1/FieldProblem';

/**
 * A refusal, as the HTTP API's problem details say it: code is the gRPC status code the same refusal of a
 * unary Submit gets, type the problem's URN (urn:tq:problem:<slug>, docs/api.md).
 */
export interface Problem {
  code?: number;
  type?: string;
  title?: string;
  detail?: string;
  errors?: _tq_v1_FieldProblem[];
}

/**
 * A refusal, as the HTTP API's problem details say it: code is the gRPC status code the same refusal of a
 * unary Submit gets, type the problem's URN (urn:tq:problem:<slug>, docs/api.md).
 */
export interface Problem__Output {
  code: number;
  type: string;
  title: string;
  detail: string;
  errors: _tq_v1_FieldProblem__Output[];
}
