// Original file: ../../proto/tq/v1/tq.proto

export interface StateChange {
  taskId?: string;
  status?: string;
  at?: string;
  attempt?: number;
  deadReason?: string;
  _attempt?: 'attempt';
  _deadReason?: 'deadReason';
}

export interface StateChange__Output {
  taskId: string;
  status: string;
  at: string;
  attempt?: number;
  deadReason?: string;
  _attempt?: 'attempt';
  _deadReason?: 'deadReason';
}
