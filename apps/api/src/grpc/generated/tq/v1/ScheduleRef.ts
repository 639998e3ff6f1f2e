// Original file: ../../proto/tq/v1/tq.proto

/**
 * The cron schedule a task stands for a slot of.
 */
export interface ScheduleRef {
  id?: string;
  /**
   * The slot, ISO 8601 UTC.
   */
  slot?: string;
  /**
   * For a run-once catch-up, the missed slots it stands for; 0 otherwise.
   */
  missed?: number;
}

/**
 * The cron schedule a task stands for a slot of.
 */
export interface ScheduleRef__Output {
  id: string;
  /**
   * The slot, ISO 8601 UTC.
   */
  slot: string;
  /**
   * For a run-once catch-up, the missed slots it stands for; 0 otherwise.
   */
  missed: number;
}
