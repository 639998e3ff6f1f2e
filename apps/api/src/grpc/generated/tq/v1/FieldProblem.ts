// Original file: ../../proto/tq/v1/tq.proto

/**
 * One problem with one field: a dotted path ("" for the whole request) and why.
 */
export interface FieldProblem {
  field?: string;
  message?: string;
}

/**
 * One problem with one field: a dotted path ("" for the whole request) and why.
 */
export interface FieldProblem__Output {
  field: string;
  message: string;
}
