// Original file: ../../proto/tq/v1/tq.proto

export interface CancelRequest {
  id?: string;
}

export interface CancelRequest__Output {
  id: string;
}
