// Original file: ../../proto/tq/v1/tq.proto

/**
 * One failed attempt.
 */
export interface AttemptError {
  attempt?: number;
  at?: string;
  error?: string;
}

/**
 * One failed attempt.
 */
export interface AttemptError__Output {
  attempt: number;
  at: string;
  error: string;
}
