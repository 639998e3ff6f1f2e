import type { ColumnType, Generated } from 'kysely';

/** A timestamp column: written as a Date or ISO string, read as a Date. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;

/**
 * One finished task (done, dead or canceled) as archived: the task hash's fields, one row per task id. A
 * row is only ever replaced by a later state of the same task (a later finished_at).
 */
export interface TaskHistoryTable {
  id: string;
  queue: string;
  type: string;
  status: 'done' | 'dead' | 'canceled';
  priority: number;
  attempt: number;
  max_attempts: number;
  timeout_ms: number | null;
  created_at: Timestamp;
  run_at: Timestamp | null;
  started_at: Timestamp | null;
  finished_at: Timestamp;
  /** The serialized payload as Redis held it (text: whatever a producer stored is archived). */
  payload: string;
  result: string | null;
  last_error: string | null;
  /** The error history, JSON. */
  errors: string;
  dead_reason: string | null;
  idempotency_key: string | null;
  progress: string | null;
  traceparent: string | null;
  /** The fair group (migration 0002; null before it, or none). */
  task_group: string | null;
  /** The worker of the last attempt (migration 0002). */
  worker_id: string | null;
  /** The cron schedule that fired the task, JSON {id, slot, missed} (migration 0002). */
  schedule: string | null;
  archived_at: ColumnType<Date, never, never> & Generated<Date>;
}

/** The database as Kysely sees it. */
export interface HistoryDatabase {
  tq_task_history: TaskHistoryTable;
}
