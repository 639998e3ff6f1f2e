import { createColumnHelper } from '@tanstack/react-table';
import { Link } from 'react-router';
import { useWorkers } from '../api/hooks';
import type { Worker } from '../api/types';
import { DataTable } from '../components/data-table';
import { ErrorNotice } from '../components/notice';
import { between, formatCount, formatDuration, formatTime } from '../format';

const column = createColumnHelper<Worker>();

const columns = [
  column.accessor('id', { header: 'Worker', cell: (c) => <span className="mono">{c.getValue()}</span> }),
  column.accessor((w) => `${w.host} (pid ${w.pid})`, { id: 'process', header: 'Host' }),
  column.accessor((w) => w.queues.join(', '), { id: 'queues', header: 'Queues' }),
  column.accessor((w) => `${w.busySlots} / ${w.concurrency}`, { id: 'busy', header: 'Busy slots' }),
  column.accessor('startedAt', {
    header: 'Up for',
    cell: (c) => (
      <span title={formatTime(c.getValue())}>
        {formatDuration(between(c.getValue(), c.row.original.lastBeatAt))}
      </span>
    ),
  }),
  column.accessor('lastBeatAt', { header: 'Last heartbeat', cell: (c) => formatTime(c.getValue()) }),
  column.accessor('version', { header: 'Version' }),
  column.accessor('runningTaskIds', {
    header: 'Running tasks',
    cell: (c) => {
      const ids = c.getValue();
      if (ids.length === 0) return '—';
      const more = c.row.original.busySlots - ids.length;
      return (
        <ul className="plain">
          {ids.map((id) => (
            <li key={id}>
              <Link className="mono" to={`/tasks/${encodeURIComponent(id)}`}>
                {id}
              </Link>
            </li>
          ))}
          {more > 0 && <li>and {formatCount(more)} more</li>}
        </ul>
      );
    },
  }),
];

/** The live workers and what each runs now. A worker that stops beating leaves the list when its record expires. */
export function WorkersPage() {
  const workers = useWorkers();
  return (
    <section aria-labelledby="workers-title">
      <h1 id="workers-title">Workers</h1>
      <p className="hint">
        Each worker writes a heartbeat every few seconds (HEARTBEAT_INTERVAL_MS). One that stops gracefully
        leaves at once; one that is killed or cut off from Redis leaves when its record expires, three
        intervals after its last heartbeat.
      </p>
      <ErrorNotice error={workers.error} what="load the workers" />
      {workers.data && (
        <>
          <p>
            {formatCount(workers.data.total)} live worker{workers.data.total === 1 ? '' : 's'}, running{' '}
            {formatCount(workers.data.workers.reduce((n, w) => n + w.busySlots, 0))} of{' '}
            {formatCount(workers.data.workers.reduce((n, w) => n + w.concurrency, 0))} slots.
          </p>
          <DataTable
            caption="Live workers"
            rows={workers.data.workers}
            columns={columns}
            rowId={(w) => w.id}
            empty="No live worker."
          />
        </>
      )}
    </section>
  );
}
