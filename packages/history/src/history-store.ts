import { TqError, type TaskRecord, type TaskSummaryRecord } from '@tq/core';
import { Kysely, Migrator, PostgresDialect, sql, type Selectable } from 'kysely';
import { Pool } from 'pg';
import { decodeHistoryCursor, encodeHistoryCursor } from './cursor';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, migrationProvider } from './migrations';
import type { HistoryDatabase, TaskHistoryTable } from './schema';

/** The finished states the archive holds. */
export const ARCHIVED_STATES = ['done', 'dead', 'canceled'] as const;
export type ArchivedStatus = (typeof ARCHIVED_STATES)[number];

export interface HistoryStoreOptions {
  /** `postgres://user:password@host:port/database` (DATABASE_URL). */
  url: string;
  /** Most connections in the pool. Default 5. */
  poolMax?: number;
  /** Longest a connection attempt may take, ms. Default 5000. */
  connectTimeoutMs?: number;
  /** Longest one statement may run before PostgreSQL cancels it, ms. Default 30000. */
  statementTimeoutMs?: number;
}

/** A search of the archive (GET /tasks): every filter optional; newest finished first. */
export interface HistorySearch {
  queue?: string;
  type?: string;
  status?: ArchivedStatus;
  /** Finished at or after, ms since the epoch. */
  from?: number;
  /** Finished before, ms since the epoch. */
  to?: number;
  /** Where the previous page ended (its `next`). */
  cursor?: string;
  /** 1..1000. */
  limit: number;
}

export interface HistoryPage {
  tasks: TaskSummaryRecord[];
  /** The cursor of the next page; null at the end. */
  next: string | null;
}

/** PostgreSQL did not answer or refused a call: code `unavailable`, so every API answers it as such. */
export class HistoryUnavailableError extends TqError {
  constructor(message: string) {
    super('unavailable', message);
    this.name = 'HistoryUnavailableError';
  }
}

/** Longest last error a search answer carries (a lookup by id has all of it), like list_tasks. */
const LAST_ERROR_MAX = 500;

/**
 * Task history in PostgreSQL (ADR 0030): the archivers' batched upsert, the API's lookups, searches and
 * deletions, and the retention job. One pool per store; every failure to reach PostgreSQL becomes a
 * TqError `unavailable` whose message carries no connection string.
 */
export class HistoryStore {
  readonly db: Kysely<HistoryDatabase>;
  private readonly pool: Pool;

  constructor(options: HistoryStoreOptions) {
    this.pool = new Pool({
      connectionString: options.url,
      max: options.poolMax ?? 5,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      statement_timeout: options.statementTimeoutMs ?? 30_000,
      // A pool error (a server gone while a connection idled) must not crash the process; the next
      // query reports it.
      allowExitOnIdle: false,
    });
    this.pool.on('error', () => undefined);
    // A connection that dies while checked out emits 'error' on its client too: without a listener that
    // would crash the process. The query in flight rejects on its own, and the pool drops the client.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
    this.db = new Kysely<HistoryDatabase>({ dialect: new PostgresDialect({ pool: this.pool }) });
  }

  /** Applies the migrations not yet applied (safe from several processes at once). Returns their names. */
  async migrate(): Promise<string[]> {
    const migrator = new Migrator({
      db: this.db,
      provider: migrationProvider,
      migrationTableName: MIGRATION_TABLE,
      migrationLockTableName: MIGRATION_LOCK_TABLE,
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error) throw unavailable('migrating the task history schema', error);
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }

  /**
   * Writes finished tasks in one statement: a new id is inserted; an existing row is replaced only when the
   * task's finishedAt is later (a later state of the same task), so replays and concurrent archivers leave
   * it as it is. Returns how many rows were inserted or replaced.
   */
  async upsert(records: TaskRecord[]): Promise<number> {
    // One statement cannot touch a row twice: keep each id's latest state.
    const latest = new Map<string, TaskRecord>();
    for (const r of records) {
      const seen = latest.get(r.id);
      if (!seen || (seen.finishedAt ?? 0) < (r.finishedAt ?? 0)) latest.set(r.id, r);
    }
    const rows = [...latest.values()];
    if (rows.length === 0) return 0;
    const col = <T>(f: (r: TaskRecord) => T) => rows.map(f);
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    const result = await this.run('archiving tasks', () =>
      sql`
        insert into tq_task_history (id, queue, type, status, priority, attempt, max_attempts, timeout_ms,
          created_at, run_at, started_at, finished_at, payload, result, last_error, errors, dead_reason,
          idempotency_key, progress, traceparent, task_group, worker_id, schedule)
        select * from unnest(
          ${col((r) => r.id)}::text[], ${col((r) => r.queue)}::text[], ${col((r) => text(r.type))}::text[],
          ${col((r) => r.status)}::text[], ${col((r) => r.priority)}::int[], ${col((r) => r.attempt)}::int[],
          ${col((r) => r.maxAttempts)}::int[], ${col((r) => r.timeoutMs ?? null)}::int[],
          ${col((r) => iso(r.createdAt))}::timestamptz[], ${col((r) => iso(r.runAt))}::timestamptz[],
          ${col((r) => iso(r.startedAt))}::timestamptz[],
          ${col((r) => iso(r.finishedAt ?? r.createdAt))}::timestamptz[],
          ${col((r) => text(r.payload))}::text[], ${col((r) => nullableText(r.result))}::text[],
          ${col((r) => nullableText(r.lastError))}::text[], ${col((r) => text(JSON.stringify(r.errors)))}::text[],
          ${col((r) => nullableText(r.deadReason))}::text[], ${col((r) => nullableText(r.idempotencyKey))}::text[],
          ${col((r) => nullableText(r.progress))}::text[], ${col((r) => nullableText(r.traceparent))}::text[],
          ${col((r) => nullableText(r.group))}::text[], ${col((r) => nullableText(r.workerId))}::text[],
          ${col((r) => (r.schedule ? JSON.stringify(r.schedule) : null))}::text[])
        on conflict (id) do update set
          status = excluded.status, attempt = excluded.attempt, max_attempts = excluded.max_attempts,
          run_at = excluded.run_at, started_at = excluded.started_at, finished_at = excluded.finished_at,
          result = excluded.result, last_error = excluded.last_error, errors = excluded.errors,
          dead_reason = excluded.dead_reason, progress = excluded.progress, worker_id = excluded.worker_id,
          archived_at = now()
        where tq_task_history.finished_at < excluded.finished_at
      `.execute(this.db),
    );
    return Number(result.numAffectedRows ?? 0);
  }

  /** The archived task `id`, or null. */
  async find(id: string): Promise<TaskRecord | null> {
    const row = await this.run('reading the task history', () =>
      this.db.selectFrom('tq_task_history').selectAll().where('id', '=', id).executeTakeFirst(),
    );
    return row ? toRecord(row) : null;
  }

  /**
   * One page of archived tasks matching `query`, newest finished first ((finished_at, id) descending),
   * from `query.cursor`. Throws `invalid` for a cursor this store did not make.
   */
  async search(query: HistorySearch): Promise<HistoryPage> {
    const after = query.cursor === undefined ? undefined : decodeHistoryCursor(query.cursor);
    let q = this.db
      .selectFrom('tq_task_history')
      .select([
        'id',
        'queue',
        'type',
        'status',
        'priority',
        'attempt',
        'max_attempts',
        'created_at',
        'run_at',
        'started_at',
        'finished_at',
        sql<string | null>`left(last_error, ${LAST_ERROR_MAX})`.as('last_error'),
        'dead_reason',
      ]);
    if (query.queue !== undefined) q = q.where('queue', '=', query.queue);
    if (query.type !== undefined) q = q.where('type', '=', query.type);
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    if (query.from !== undefined) q = q.where('finished_at', '>=', new Date(query.from));
    if (query.to !== undefined) q = q.where('finished_at', '<', new Date(query.to));
    if (after) q = q.where(sql<boolean>`(finished_at, id) < (${after.finishedAt}::timestamptz, ${after.id})`);
    const rows = await this.run('searching the task history', () =>
      q
        .orderBy('finished_at', 'desc')
        .orderBy('id', 'desc')
        .limit(query.limit + 1)
        .execute(),
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      tasks: page.map((r) => ({
        id: r.id,
        queue: r.queue,
        type: r.type,
        status: r.status,
        priority: r.priority,
        attempt: r.attempt,
        maxAttempts: r.max_attempts,
        createdAt: r.created_at.getTime(),
        runAt: r.run_at?.getTime(),
        startedAt: r.started_at?.getTime(),
        finishedAt: r.finished_at.getTime(),
        lastError: r.last_error ?? undefined,
        deadReason: r.dead_reason ?? undefined,
      })),
      next:
        rows.length > query.limit && last
          ? encodeHistoryCursor(last.finished_at.toISOString(), last.id)
          : null,
    };
  }

  /** Deletes the archived rows of these task ids (a data-removal request, a task deleted by a user). */
  async delete(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.run('deleting from the task history', () =>
      this.db.deleteFrom('tq_task_history').where('id', 'in', ids).executeTakeFirst(),
    );
    return Number(result.numDeletedRows);
  }

  /**
   * The retention job: deletes up to `batch` rows that finished before `cutoffMs`, oldest first. Returns
   * how many; call it again while it returns `batch`. Several archivers may run it at once.
   */
  async deleteFinishedBefore(cutoffMs: number, batch: number): Promise<number> {
    const result = await this.run('applying the task history retention', () =>
      sql`
        delete from tq_task_history where id in (
          select id from tq_task_history where finished_at < ${new Date(cutoffMs).toISOString()}::timestamptz
          order by finished_at limit ${batch} for update skip locked)
      `.execute(this.db),
    );
    return Number(result.numAffectedRows ?? 0);
  }

  /** Resolves when PostgreSQL answers a query. */
  async ping(): Promise<void> {
    await this.run('reaching the task history', () => sql`select 1`.execute(this.db));
  }

  /** Closes the pool. */
  async close(): Promise<void> {
    await this.db.destroy();
  }

  private async run<T>(what: string, query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      throw unavailable(what, error);
    }
  }
}

/** A stored string without NUL characters, which PostgreSQL's text refuses (one bad row must not block a batch). */
function text(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}

function nullableText(value: string | undefined): string | null {
  return value === undefined ? null : text(value);
}

/**
 * A TqError `unavailable` for a failed PostgreSQL call: what was being done and the driver's reason (its
 * code and message never carry the connection string; a URL in a message is cut out all the same).
 */
function unavailable(what: string, error: unknown): TqError {
  if (error instanceof TqError) return error;
  const e = error as { code?: string; message?: string };
  const reason = (e.message ?? String(error)).replace(/postgres(?:ql)?:\/\/\S+/g, '<url>');
  return new HistoryUnavailableError(
    `the task history (PostgreSQL) failed while ${what}: ${e.code ? `${e.code} ` : ''}${reason}`,
  );
}

function toRecord(row: Selectable<TaskHistoryTable>): TaskRecord {
  let errors: TaskRecord['errors'] = [];
  try {
    errors = JSON.parse(row.errors) as TaskRecord['errors'];
  } catch {
    // archived from a hash written by something else: shown without history
  }
  return {
    id: row.id,
    queue: row.queue,
    type: row.type,
    payload: row.payload,
    status: row.status,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    priority: row.priority,
    timeoutMs: row.timeout_ms ?? undefined,
    createdAt: row.created_at.getTime(),
    runAt: row.run_at?.getTime(),
    startedAt: row.started_at?.getTime(),
    finishedAt: row.finished_at.getTime(),
    result: row.result ?? undefined,
    lastError: row.last_error ?? undefined,
    errors,
    deadReason: row.dead_reason ?? undefined,
    idempotencyKey: row.idempotency_key ?? undefined,
    progress: row.progress ?? undefined,
    traceparent: row.traceparent ?? undefined,
    group: row.task_group ?? undefined,
    workerId: row.worker_id ?? undefined,
    schedule: row.schedule ? (JSON.parse(row.schedule) as TaskRecord['schedule']) : undefined,
  };
}
