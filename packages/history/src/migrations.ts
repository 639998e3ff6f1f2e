import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * The schema's migrations, in order, in code (they ship inside the build; no folder to find at run time).
 * A migration is never edited once released: add the next one.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_task_history': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('tq_task_history')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('queue', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('done', 'dead', 'canceled')`))
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('timeout_ms', 'integer')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('run_at', 'timestamptz')
        .addColumn('started_at', 'timestamptz')
        .addColumn('finished_at', 'timestamptz', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('last_error', 'text')
        .addColumn('errors', 'text', (c) => c.notNull())
        .addColumn('dead_reason', 'text')
        .addColumn('idempotency_key', 'text')
        .addColumn('progress', 'text')
        .addColumn('traceparent', 'text')
        .addColumn('archived_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      // The searches (GET /tasks): newest first, by queue, queue and type, queue and status; and the
      // retention job's range by age. (finished_at, id) is the cursor's order.
      for (const [name, columns] of [
        ['tq_task_history_finished', ['finished_at desc', 'id desc']],
        ['tq_task_history_queue', ['queue', 'finished_at desc', 'id desc']],
        ['tq_task_history_queue_type', ['queue', 'type', 'finished_at desc', 'id desc']],
        ['tq_task_history_queue_status', ['queue', 'status', 'finished_at desc', 'id desc']],
      ] as const) {
        await db.schema
          .createIndex(name)
          .on('tq_task_history')
          .columns([...columns])
          .execute();
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('tq_task_history').execute();
    },
  },
  // What GET /tasks/:id shows of a task and 0001 did not keep: read back as null, it said "none" (a fair group,
  // the worker of the last attempt, the cron schedule that fired it). Rows archived before stay null.
  '0002_task_history_group_worker_schedule': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('tq_task_history')
        .addColumn('task_group', 'text')
        .addColumn('worker_id', 'text')
        .addColumn('schedule', 'text')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('tq_task_history')
        .dropColumn('task_group')
        .dropColumn('worker_id')
        .dropColumn('schedule')
        .execute();
    },
  },
};

/** Hands kysely's Migrator the migrations above. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};

/** The migration bookkeeping tables (kysely's Migrator; its lock makes concurrent migrations safe). */
export const MIGRATION_TABLE = 'tq_history_migrations';
export const MIGRATION_LOCK_TABLE = 'tq_history_migrations_lock';
