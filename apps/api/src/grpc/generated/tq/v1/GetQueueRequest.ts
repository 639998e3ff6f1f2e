// Original file: ../../proto/tq/v1/tq.proto

export interface GetQueueRequest {
  name?: string;
}

export interface GetQueueRequest__Output {
  name: string;
}
