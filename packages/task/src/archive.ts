import type { TaskRecord, TaskSummaryRecord } from '@tq/core';

/** The finished states an archive holds. */
export const ARCHIVE_STATES = ['done', 'dead', 'canceled'] as const;
export type ArchiveStatus = (typeof ARCHIVE_STATES)[number];

/** A search of the archive: every filter optional; newest finished first. */
export interface ArchiveSearch {
  queue?: string;
  type?: string;
  status?: ArchiveStatus;
  /** Finished at or after, ms since the epoch. */
  from?: number;
  /** Finished before, ms since the epoch. */
  to?: number;
  /** The `next` of the previous page. */
  cursor?: string;
  limit: number;
}

/**
 * Where finished tasks are kept after Redis retention (ADR 0030): `@tq/history`'s HistoryStore implements
 * it over PostgreSQL. Every method throws a TqError `unavailable` when the store cannot be reached, and
 * `search` throws `invalid` for a cursor it did not make.
 */
export interface TaskArchive {
  /** The archived task `id`, or null. */
  find(id: string): Promise<TaskRecord | null>;
  /** One page, newest finished first; `next` is null on the last page. */
  search(query: ArchiveSearch): Promise<{ tasks: TaskSummaryRecord[]; next: string | null }>;
  /** Deletes the rows of these ids; returns how many there were. */
  delete(ids: string[]): Promise<number>;
}
