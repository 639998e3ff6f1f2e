// Original file: ../../proto/tq/v1/tq.proto

export interface GetRequest {
  id?: string;
}

export interface GetRequest__Output {
  id: string;
}
