// Original file: ../../proto/tq/v1/tq.proto

export interface WatchRequest {
  id?: string;
}

export interface WatchRequest__Output {
  id: string;
}
