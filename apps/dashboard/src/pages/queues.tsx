import { createColumnHelper } from '@tanstack/react-table';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { usePauseQueue, useQueues } from '../api/hooks';
import { TASK_STATES, type QueueView } from '../api/types';
import { DataTable } from '../components/data-table';
import { ErrorNotice } from '../components/notice';
import { formatCount, formatDuration } from '../format';

const column = createColumnHelper<QueueView>();

/** Every queue: counts per state, latency, paused, and pause/resume. */
export function QueuesPage() {
  const queues = useQueues();
  const pause = usePauseQueue();
  const columns = useMemo(
    () => [
      column.accessor('name', {
        header: 'Queue',
        cell: (c) => <span className="mono">{c.getValue()}</span>,
      }),
      column.accessor('paused', {
        header: 'State',
        cell: (c) =>
          c.getValue() ? (
            <span className="badge paused">paused</span>
          ) : (
            <span className="badge active">active</span>
          ),
      }),
      ...TASK_STATES.map((state) =>
        column.accessor((q) => q.counts[state], {
          id: state,
          header: state,
          cell: (c) =>
            state === 'dead' && c.getValue() > 0 ? (
              <Link to={`/dead/${encodeURIComponent(c.row.original.name)}`}>{formatCount(c.getValue())}</Link>
            ) : (
              <span className="num">{formatCount(c.getValue())}</span>
            ),
        }),
      ),
      column.accessor('oldestPendingAgeMs', {
        header: 'Oldest pending',
        cell: (c) => formatDuration(c.getValue()),
      }),
      column.accessor('expiredLeases', {
        header: 'Expired leases',
        cell: (c) => <span className="num">{formatCount(c.getValue())}</span>,
      }),
      column.display({
        id: 'actions',
        header: 'Actions',
        cell: (c) => {
          const q = c.row.original;
          return (
            <button
              type="button"
              disabled={pause.isPending}
              onClick={() => pause.mutate({ queue: q.name, pause: !q.paused })}
              aria-label={`${q.paused ? 'Resume' : 'Pause'} queue ${q.name}`}
            >
              {q.paused ? 'Resume' : 'Pause'}
            </button>
          );
        },
      }),
    ],
    [pause],
  );

  return (
    <section aria-labelledby="queues-title">
      <h1 id="queues-title">Queues</h1>
      <p className="hint">
        Pausing stops workers from claiming a queue&apos;s tasks; submissions still succeed and wait.
        &quot;Oldest pending&quot; is how long the oldest runnable task has waited: the queue&apos;s latency.
      </p>
      <ErrorNotice error={queues.error} what="load the queues" />
      <ErrorNotice error={pause.error} what="pause or resume the queue" />
      {queues.data && (
        <DataTable
          caption="Queues"
          rows={queues.data}
          columns={columns}
          rowId={(q) => q.name}
          empty="No queue has received a task yet."
        />
      )}
    </section>
  );
}
