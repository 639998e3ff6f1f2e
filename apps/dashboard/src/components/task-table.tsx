import { createColumnHelper, type RowSelectionState } from '@tanstack/react-table';
import { useMemo } from 'react';
import { Link } from 'react-router';
import type { TaskState, TaskSummary } from '../api/types';
import { formatCount, formatTime } from '../format';
import { DataTable, type Column } from './data-table';

const column = createColumnHelper<TaskSummary>();

/** The columns that say something in each state (a pending task has no finish time, a done one no lease). */
function columnsFor(state: TaskState): Column<TaskSummary>[] {
  const id = column.accessor('id', {
    header: 'Task',
    cell: (c) => (
      <Link className="mono" to={`/tasks/${encodeURIComponent(c.getValue())}`}>
        {c.getValue()}
      </Link>
    ),
  });
  const type = column.accessor('type', { header: 'Type' });
  const attempts = column.accessor((t) => `${t.attempt}/${t.maxAttempts}`, {
    id: 'attempts',
    header: 'Attempts',
  });
  const lastError = column.accessor('lastError', {
    header: 'Last error',
    cell: (c) => <span className="error-text">{c.getValue() ?? '—'}</span>,
  });
  const deadReason = column.accessor('deadReason', { header: 'Why dead', cell: (c) => c.getValue() ?? '—' });
  const time = (key: 'createdAt' | 'runAt' | 'startedAt' | 'finishedAt' | 'leaseExpiresAt', header: string) =>
    column.accessor(key, { header, cell: (c) => formatTime(c.getValue()) });
  switch (state) {
    case 'pending':
      return [
        id,
        type,
        column.accessor('priority', {
          header: 'Priority (9 first)',
          cell: (c) => <span className="num">{c.getValue()}</span>,
        }),
        attempts,
        time('createdAt', 'Created'),
      ];
    case 'scheduled':
      return [id, type, time('runAt', 'Runs at'), time('createdAt', 'Created')];
    case 'retry':
      return [id, type, attempts, time('runAt', 'Next attempt at'), lastError];
    case 'running':
      return [id, type, attempts, time('startedAt', 'Started'), time('leaseExpiresAt', 'Lease expires')];
    case 'dead':
      return [id, type, deadReason, attempts, lastError, time('finishedAt', 'Died at')];
    case 'done':
    case 'canceled':
      return [id, type, attempts, time('finishedAt', 'Finished')];
  }
}

interface TaskTableProps {
  caption: string;
  state: TaskState;
  tasks: TaskSummary[];
  empty: string;
  selection?: { selected: RowSelectionState; onChange: (next: RowSelectionState) => void };
}

/** A page of tasks in one state. */
export function TaskTable({ caption, state, tasks, empty, selection }: TaskTableProps) {
  const columns = useMemo(() => columnsFor(state), [state]);
  return (
    <DataTable
      caption={caption}
      rows={tasks}
      columns={columns}
      rowId={(t) => t.id}
      empty={empty}
      selection={selection && { ...selection, label: (t) => `Select ${t.id}` }}
    />
  );
}

interface PagerProps {
  label: string;
  pageNumber: number;
  shown: number;
  /** All the list holds, when the API counts it. */
  total?: number;
  /** Entries the page examined (more than shown when a type filter skipped some). */
  scanned?: number;
  hasNext: boolean;
  /** The rows shown are still the previous page's while this one loads. */
  loading: boolean;
  onFirst: () => void;
  onPrevious: () => void;
  onNext: () => void;
}

/** Previous / next through cursor pages, with what the page holds. */
export function Pager(props: PagerProps) {
  return (
    <nav className="pager" aria-label={props.label}>
      <button type="button" disabled={props.pageNumber === 1} onClick={props.onFirst}>
        First page
      </button>
      <button type="button" disabled={props.pageNumber === 1} onClick={props.onPrevious}>
        Previous page
      </button>
      <span role="status">
        {props.loading
          ? `Loading page ${props.pageNumber}…`
          : `Page ${props.pageNumber}: ${formatCount(props.shown)} shown` +
            (props.total === undefined ? '' : ` of ${formatCount(props.total)}`)}
        {!props.loading &&
          props.scanned !== undefined &&
          props.scanned > props.shown &&
          ` (${formatCount(props.scanned)} examined)`}
      </span>
      <button type="button" disabled={props.loading || !props.hasNext} onClick={props.onNext}>
        Next page
      </button>
    </nav>
  );
}
