// Original file: ../../proto/tq/v1/tq.proto

export interface ListQueuesRequest {}

export interface ListQueuesRequest__Output {}
