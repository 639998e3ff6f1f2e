// Original file: ../../proto/tq/v1/tq.proto

import type {
  Value as _google_protobuf_Value,
  Value__Output as _google_protobuf_Value__Output,
} from '../../google/protobuf/Value';

export interface Progress {
  taskId?: string;
  progress?: _google_protobuf_Value | null;
  at?: string;
}

export interface Progress__Output {
  taskId: string;
  progress: _google_protobuf_Value__Output | null;
  at: string;
}
