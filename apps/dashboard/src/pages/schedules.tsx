import { createColumnHelper } from '@tanstack/react-table';
import { useId, useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useCursorPager } from '../api/cursor-pager';
import { usePauseSchedule, useQueues, useSchedules } from '../api/hooks';
import type { Schedule } from '../api/types';
import { DataTable, type Column } from '../components/data-table';
import { ErrorNotice } from '../components/notice';
import { Pager } from '../components/task-table';
import { formatCount, formatTime } from '../format';

const PAGE_SIZE = 100;
const column = createColumnHelper<Schedule>();

/**
 * The cron schedules (issue 14, docs/scheduling.md): when each fires next, the task it enqueues, the last
 * one it did, its policies, and Pause / Resume. All queues, or one (`#/schedules?queue=reports`).
 */
export function SchedulesPage() {
  const [params, setParams] = useSearchParams();
  const queue = params.get('queue') || undefined;
  const queues = useQueues();
  const pager = useCursorPager(queue ?? '');
  const page = useSchedules(queue, pager.cursor, PAGE_SIZE);
  const pause = usePauseSchedule();
  const selectId = useId();

  const columns = useMemo<Column<Schedule>[]>(
    () => [
      column.accessor('id', {
        header: 'Schedule',
        cell: (c) => <span className="mono">{c.getValue()}</span>,
      }),
      column.accessor('queue', {
        header: 'Queue',
        cell: (c) => <span className="mono">{c.getValue()}</span>,
      }),
      column.accessor((s) => s.task.type, { id: 'type', header: 'Task type' }),
      column.accessor((s) => `${s.cron} (${s.timezone})`, {
        id: 'cron',
        header: 'Cron (time zone)',
        cell: (c) => <span className="mono">{c.getValue()}</span>,
      }),
      column.accessor('nextRunAt', {
        header: 'Next run',
        cell: (c) => (c.row.original.paused ? 'paused' : formatTime(c.getValue())),
      }),
      column.accessor('last', {
        header: 'Last task',
        cell: (c) => {
          const last = c.getValue();
          return last ? (
            <Link className="mono" to={`/tasks/${encodeURIComponent(last.taskId)}`}>
              {last.taskId}
            </Link>
          ) : (
            '—'
          );
        },
      }),
      column.accessor((s) => s.counts.fired, {
        id: 'fired',
        header: 'Fired',
        cell: (c) => <span className="num">{formatCount(c.getValue())}</span>,
      }),
      column.accessor((s) => `${s.misfire} / ${s.overlap}`, { id: 'policies', header: 'Misfire / overlap' }),
      column.display({
        id: 'actions',
        header: 'Actions',
        cell: (c) => {
          const s = c.row.original;
          return (
            <button
              type="button"
              aria-label={`${s.paused ? 'Resume' : 'Pause'} schedule ${s.id}`}
              disabled={pause.isPending}
              onClick={() => pause.mutate({ id: s.id, paused: !s.paused })}
            >
              {s.paused ? 'Resume' : 'Pause'}
            </button>
          );
        },
      }),
    ],
    [pause],
  );

  return (
    <section aria-labelledby="schedules-title">
      <h1 id="schedules-title">Schedules</h1>
      <p className="hint">
        Cron schedules fire without a leader: any reaper enqueues a due slot, exactly once. A paused schedule
        skips the slots of its pause.
      </p>
      <div className="toolbar">
        <label htmlFor={selectId}>Queue</label>
        <select
          id={selectId}
          value={queue ?? ''}
          onChange={(e) => setParams(e.target.value ? { queue: e.target.value } : {})}
        >
          <option value="">all queues</option>
          {queue && !queues.data?.some((q) => q.name === queue) && <option value={queue}>{queue}</option>}
          {queues.data?.map((q) => (
            <option key={q.name} value={q.name}>
              {q.name}
            </option>
          ))}
        </select>
      </div>
      <ErrorNotice error={page.error} what="load the schedules" />
      <ErrorNotice error={pause.error} what="pause or resume the schedule" />
      {page.data && (
        <>
          <DataTable
            caption={`Cron schedules${queue ? ` of ${queue}` : ''}`}
            rows={page.data.schedules}
            columns={columns}
            rowId={(s) => s.id}
            empty={queue ? `No schedule enqueues into ${queue}.` : 'No cron schedule yet (POST /schedules).'}
          />
          <Pager
            label="Pages of schedules"
            pageNumber={pager.pageNumber}
            shown={page.data.schedules.length}
            total={page.data.total}
            hasNext={page.data.nextCursor !== null}
            loading={page.isPlaceholderData}
            onFirst={pager.first}
            onPrevious={pager.previous}
            onNext={() => page.data?.nextCursor && pager.next(page.data.nextCursor)}
          />
        </>
      )}
    </section>
  );
}
