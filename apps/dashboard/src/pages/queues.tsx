import { createColumnHelper } from '@tanstack/react-table';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { usePauseQueue, useQueueLimits, useQueues } from '../api/hooks';
import { TASK_STATES, type QueueLimitsView, type QueueView } from '../api/types';
import { DataTable } from '../components/data-table';
import { ErrorNotice } from '../components/notice';
import { formatCount, formatDuration } from '../format';

const column = createColumnHelper<QueueView>();

/** "20 per 1.0 s, 5 at once, 2 per group", or "none". */
function describeLimits(limits: QueueLimitsView | undefined): string {
  if (!limits) return '…';
  const parts: string[] = [];
  if (limits.rate) parts.push(`${formatCount(limits.rate.max)} per ${formatDuration(limits.rate.periodMs)}`);
  if (limits.concurrency !== null) parts.push(`${formatCount(limits.concurrency)} at once`);
  if (limits.groupConcurrency !== null) parts.push(`${formatCount(limits.groupConcurrency)} per group`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** Every queue: counts per state, latency, paused, and pause/resume. */
export function QueuesPage() {
  const queues = useQueues();
  const pause = usePauseQueue();
  const limits = useQueueLimits(queues.data?.map((q) => q.name) ?? []);
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
      column.accessor('partitions', {
        header: 'Partitions',
        cell: (c) => (
          <span className="num">
            {c.getValue()}
            {c.row.original.draining.length > 0 && ` (${c.row.original.draining.length} draining)`}
          </span>
        ),
      }),
      column.accessor('oldestPendingAgeMs', {
        header: 'Oldest pending',
        cell: (c) => formatDuration(c.getValue()),
      }),
      column.accessor('expiredLeases', {
        header: 'Expired leases',
        cell: (c) => <span className="num">{formatCount(c.getValue())}</span>,
      }),
      column.display({
        id: 'limits',
        header: 'Limits',
        cell: (c) => describeLimits(limits.get(c.row.original.name)),
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
    [pause, limits],
  );

  return (
    <section aria-labelledby="queues-title">
      <h1 id="queues-title">Queues</h1>
      <p className="hint">
        Pausing stops workers from claiming a queue&apos;s tasks; submissions still succeed and wait.
        &quot;Oldest pending&quot; is how long the oldest runnable task has waited: the queue&apos;s latency.
        Limits (rate, concurrency, per group) are set with PUT /queues/:name/limits or{' '}
        <code>tq queue limits</code>; docs/scheduling.md. A queue of several partitions is spread over the
        masters of a Redis Cluster and read here as one (created with <code>tq queue create</code>;
        docs/scaling.md).
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
