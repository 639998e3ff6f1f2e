import { createColumnHelper } from '@tanstack/react-table';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ApiError } from '../api/client';
import { useCursorPager } from '../api/cursor-pager';
import { useQueues, useTaskSearch } from '../api/hooks';
import type { HistoryQuery, TaskSummary } from '../api/types';
import { DataTable, type Column } from '../components/data-table';
import { ErrorNotice } from '../components/notice';
import { StateBadge } from '../components/state-badge';
import { Pager } from '../components/task-table';
import { formatTime } from '../format';

const DEFAULT_PAGE_SIZE = 50;

/** `limit` from the URL when it is one the API takes (1-1000), else 50. */
function pageSize(raw: string | null): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : DEFAULT_PAGE_SIZE;
}
const STATUSES = ['done', 'dead', 'canceled'] as const;
type Status = (typeof STATUSES)[number];
const isStatus = (s: string | null): s is Status => STATUSES.includes(s as Status);

/** An ISO time as a datetime-local input's value (local time, to the minute); '' for none or a bad one. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local input's value (local time) as an ISO time; undefined for none. */
function fromLocalInput(value: string): string | undefined {
  if (value === '') return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

const column = createColumnHelper<TaskSummary>();
const COLUMNS: Column<TaskSummary>[] = [
  column.accessor('id', {
    header: 'Task',
    cell: (c) => (
      <Link className="mono" to={`/tasks/${encodeURIComponent(c.getValue())}`}>
        {c.getValue()}
      </Link>
    ),
  }),
  column.accessor('queue', { header: 'Queue', cell: (c) => <span className="mono">{c.getValue()}</span> }),
  column.accessor('type', { header: 'Type' }),
  column.accessor('status', { header: 'Status', cell: (c) => <StateBadge state={c.getValue()} /> }),
  column.accessor((t) => `${t.attempt}/${t.maxAttempts}`, { id: 'attempts', header: 'Attempts' }),
  column.accessor('finishedAt', { header: 'Finished', cell: (c) => formatTime(c.getValue()) }),
  column.accessor('lastError', {
    header: 'Last error',
    cell: (c) => <span className="error-text">{c.getValue() ?? '—'}</span>,
  }),
];

/**
 * The task history (issue 15): finished tasks the archivers stored in PostgreSQL, searched by queue, type,
 * status and finish time, newest finished first, paged by cursor. The URL holds the search
 * (`#/history?queue=mail&status=dead&from=…&limit=50`). `history` is config.json's word on whether the API has a
 * history (false: say so without asking; undefined: ask, and read the API's 404).
 */
export function HistoryPage({ history }: { history: boolean | undefined }) {
  const [params, setParams] = useSearchParams();
  // Names for the queue box only: asked once, not polled (the search itself reads PostgreSQL, not Redis).
  const queues = useQueues({ live: false });
  const query = queryOf(params);
  const pager = useCursorPager(JSON.stringify(query));
  const search = useTaskSearch(query, pager.cursor, history !== false);
  const off = history === false || (search.error instanceof ApiError && search.error.status === 404);

  const key = params.toString();
  const [form, setForm] = useState(() => formOf(query));
  const [problem, setProblem] = useState<string | null>(null);
  // The form follows the URL (back, forward, a link to a search).
  useEffect(() => setForm(formOf(queryOf(new URLSearchParams(key)))), [key]);
  const ids = { queue: useId(), queues: useId(), type: useId(), status: useId(), from: useId(), to: useId() };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const from = fromLocalInput(form.from);
    const to = fromLocalInput(form.to);
    if (from && to && from >= to) {
      setProblem('"Finished from" must be before "Finished before".');
      return;
    }
    setProblem(null);
    const next = new URLSearchParams();
    const set = (name: string, value: string | undefined) => value && next.set(name, value);
    set('queue', form.queue.trim());
    set('type', form.type.trim());
    set('status', form.status);
    set('from', from);
    set('to', to);
    if (params.has('limit')) next.set('limit', String(query.limit));
    setParams(next);
  };

  const filtered = ['queue', 'type', 'status', 'from', 'to'].some((name) => params.has(name));
  const clear = () => {
    setProblem(null);
    setParams(
      params.has('limit') ? new URLSearchParams({ limit: String(query.limit) }) : new URLSearchParams(),
    );
  };

  return (
    <section aria-labelledby="history-title">
      <h1 id="history-title">History</h1>
      <p className="hint">
        Finished tasks (done, dead, canceled) kept in PostgreSQL after Redis retention removes them, newest
        finished first. A task shows here once archived, normally a second or two after it finishes.
      </p>
      {off ? (
        <p className="notice" role="status">
          No task history is configured: this API has no <code>DATABASE_URL</code>, so finished tasks are kept
          only in Redis until their retention window passes (docs/history.md). The Tasks page lists them
          meanwhile.
        </p>
      ) : (
        <>
          <form className="filters" onSubmit={submit} aria-label="Search the history">
            <div>
              <label htmlFor={ids.queue}>Queue</label>
              <input
                id={ids.queue}
                list={ids.queues}
                value={form.queue}
                placeholder="any queue"
                spellCheck={false}
                onChange={(e) => setForm({ ...form, queue: e.target.value })}
              />
              <datalist id={ids.queues}>
                {queues.data?.map((q) => (
                  <option key={q.name} value={q.name} />
                ))}
              </datalist>
            </div>
            <div>
              <label htmlFor={ids.type}>Type</label>
              <input
                id={ids.type}
                value={form.type}
                placeholder="any type"
                spellCheck={false}
                onChange={(e) => setForm({ ...form, type: e.target.value })}
              />
            </div>
            <div>
              <label htmlFor={ids.status}>Status</label>
              <select
                id={ids.status}
                value={form.status}
                onChange={(e) => setForm({ ...form, status: e.target.value })}
              >
                <option value="">any</option>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor={ids.from}>Finished from</label>
              <input
                id={ids.from}
                type="datetime-local"
                value={form.from}
                onChange={(e) => setForm({ ...form, from: e.target.value })}
              />
            </div>
            <div>
              <label htmlFor={ids.to}>Finished before</label>
              <input
                id={ids.to}
                type="datetime-local"
                value={form.to}
                onChange={(e) => setForm({ ...form, to: e.target.value })}
              />
            </div>
            <div className="filter-buttons">
              <button type="submit">Search</button>
              {filtered && (
                <button type="button" onClick={clear}>
                  Clear
                </button>
              )}
            </div>
          </form>
          {problem && (
            <p className="field-error" role="alert">
              {problem}
            </p>
          )}
          <ErrorNotice error={search.error} what="search the history" />
          {search.data && (
            <>
              <DataTable
                caption="Finished tasks from the history, newest finished first"
                rows={search.data.tasks}
                columns={COLUMNS}
                rowId={(t) => t.id}
                empty={
                  pager.pageNumber === 1
                    ? 'No finished task in the history matches this search.'
                    : 'No more tasks.'
                }
              />
              <Pager
                label="Pages of the history"
                pageNumber={pager.pageNumber}
                shown={search.data.tasks.length}
                hasNext={search.data.nextCursor !== null}
                loading={search.isPlaceholderData}
                onFirst={pager.first}
                onPrevious={pager.previous}
                onNext={() => search.data?.nextCursor && pager.next(search.data.nextCursor)}
              />
            </>
          )}
        </>
      )}
    </section>
  );
}

/** The search the URL holds. */
function queryOf(params: URLSearchParams): HistoryQuery {
  const status = params.get('status');
  return {
    queue: params.get('queue') || undefined,
    type: params.get('type') || undefined,
    status: isStatus(status) ? status : undefined,
    from: params.get('from') || undefined,
    to: params.get('to') || undefined,
    limit: pageSize(params.get('limit')),
  };
}

function formOf(query: HistoryQuery) {
  return {
    queue: query.queue ?? '',
    type: query.type ?? '',
    status: query.status ?? '',
    from: toLocalInput(query.from),
    to: toLocalInput(query.to),
  };
}
