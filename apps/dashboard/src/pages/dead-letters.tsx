import type { RowSelectionState } from '@tanstack/react-table';
import { createColumnHelper } from '@tanstack/react-table';
import { useEffect, useId, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useDeadPage, usePurgeDead, useQueues, useRequeueDead } from '../api/hooks';
import type { Task } from '../api/types';
import { ConfirmButton } from '../components/confirm-button';
import { DataTable } from '../components/data-table';
import { ErrorNotice, StatusNotice } from '../components/notice';
import { formatCount, formatTime } from '../format';

const PAGE_SIZE = 50;
const column = createColumnHelper<Task>();

/** The dead letters of one queue: page through them, select some or all, requeue or purge. */
export function DeadLettersPage() {
  const { queue } = useParams();
  const navigate = useNavigate();
  const queues = useQueues();
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<RowSelectionState>({});
  const [outcome, setOutcome] = useState<string | null>(null);
  const dead = useDeadPage(queue, offset, PAGE_SIZE);
  const requeue = useRequeueDead();
  const purge = usePurgeDead();
  const selectId = useId();

  // Without a queue in the URL, open the first queue that has dead letters (else the first queue).
  useEffect(() => {
    if (queue || !queues.data?.length) return;
    const first = queues.data.find((q) => q.counts.dead > 0) ?? queues.data[0]!;
    void navigate(`/dead/${encodeURIComponent(first.name)}`, { replace: true });
  }, [queue, queues.data, navigate]);

  useEffect(() => {
    setOffset(0);
    setSelected({});
    setOutcome(null);
  }, [queue]);

  const columns = useMemo(
    () => [
      column.accessor('id', {
        header: 'Task',
        cell: (c) => (
          <Link className="mono" to={`/tasks/${encodeURIComponent(c.getValue())}`}>
            {c.getValue()}
          </Link>
        ),
      }),
      column.accessor('type', { header: 'Type' }),
      column.accessor('deadReason', { header: 'Why dead', cell: (c) => c.getValue() ?? '—' }),
      column.accessor((t) => `${t.attempt}/${t.maxAttempts}`, { id: 'attempts', header: 'Attempts' }),
      column.accessor('lastError', {
        header: 'Last error',
        cell: (c) => <span className="error-text">{c.getValue() ?? '—'}</span>,
      }),
      column.accessor('finishedAt', { header: 'Died at', cell: (c) => formatTime(c.getValue()) }),
    ],
    [],
  );

  if (!queue) {
    return (
      <section aria-labelledby="dead-title">
        <h1 id="dead-title">Dead letters</h1>
        <ErrorNotice error={queues.error} what="load the queues" />
        {queues.data?.length === 0 && <p>No queue has received a task yet.</p>}
      </section>
    );
  }

  const ids = Object.keys(selected).filter((id) => selected[id]);
  const total = dead.data?.total ?? 0;
  const done = (text: string) => {
    setSelected({});
    setOutcome(text);
  };
  const act = {
    requeue: (which?: string[]) =>
      requeue.mutate(
        { queue, ids: which },
        {
          onSuccess: (r) =>
            done(
              `Requeued ${r.requeued.length}${r.notDead.length ? `; ${r.notDead.length} were no longer dead` : ''}.`,
            ),
        },
      ),
    purge: (which?: string[]) =>
      purge.mutate({ queue, ids: which }, { onSuccess: (r) => done(`Purged ${r.purged}.`) }),
  };
  const busy = requeue.isPending || purge.isPending;

  return (
    <section aria-labelledby="dead-title">
      <h1 id="dead-title">Dead letters</h1>
      <div className="toolbar">
        <label htmlFor={selectId}>Queue</label>
        <select
          id={selectId}
          value={queue}
          onChange={(e) => void navigate(`/dead/${encodeURIComponent(e.target.value)}`)}
        >
          {(queues.data ?? [{ name: queue, counts: { dead: total } }]).map((q) => (
            <option key={q.name} value={q.name}>
              {q.name} ({formatCount(q.counts.dead)} dead)
            </option>
          ))}
        </select>
      </div>
      <p className="hint">
        Requeue sends a task back to pending with fresh attempts; purge deletes it for good. Dead tasks are
        kept 14 days.
      </p>
      <ErrorNotice error={dead.error} what="load the dead letters" />
      <ErrorNotice error={requeue.error} what="requeue" />
      <ErrorNotice error={purge.error} what="purge" />
      <StatusNotice>{outcome}</StatusNotice>
      <div className="toolbar" role="group" aria-label="Actions on dead letters">
        <button type="button" disabled={busy || ids.length === 0} onClick={() => act.requeue(ids)}>
          Requeue selected ({ids.length})
        </button>
        <ConfirmButton
          label={`Purge selected (${ids.length})`}
          question={`Delete ${ids.length} dead task${ids.length === 1 ? '' : 's'} of ${queue} for good?`}
          confirm="Purge"
          danger
          disabled={busy || ids.length === 0}
          onConfirm={() => act.purge(ids)}
        />
        <ConfirmButton
          label={`Requeue all (${formatCount(total)})`}
          question={`Requeue all ${formatCount(total)} dead tasks of ${queue}?`}
          confirm="Requeue all"
          disabled={busy || total === 0}
          onConfirm={() => act.requeue()}
        />
        <ConfirmButton
          label={`Purge all (${formatCount(total)})`}
          question={`Delete all ${formatCount(total)} dead tasks of ${queue} for good?`}
          confirm="Purge all"
          danger
          disabled={busy || total === 0}
          onConfirm={() => act.purge()}
        />
      </div>
      {dead.data && (
        <>
          <DataTable
            caption={`Dead letters of ${queue}`}
            rows={dead.data.tasks}
            columns={columns}
            rowId={(t) => t.id}
            empty="No dead letters in this queue."
            selection={{ selected, onChange: setSelected, label: (t) => `Select ${t.id}` }}
          />
          <Pager
            from={total === 0 ? 0 : offset + 1}
            to={offset + dead.data.tasks.length}
            total={total}
            onPrevious={offset > 0 ? () => setOffset(Math.max(0, offset - PAGE_SIZE)) : undefined}
            onNext={offset + PAGE_SIZE < total ? () => setOffset(offset + PAGE_SIZE) : undefined}
          />
        </>
      )}
    </section>
  );
}

function Pager(props: {
  from: number;
  to: number;
  total: number;
  onPrevious?: () => void;
  onNext?: () => void;
}) {
  return (
    <nav className="pager" aria-label="Pages of dead letters">
      <button type="button" disabled={!props.onPrevious} onClick={props.onPrevious}>
        Previous page
      </button>
      <span>
        {formatCount(props.from)}–{formatCount(props.to)} of {formatCount(props.total)}
      </span>
      <button type="button" disabled={!props.onNext} onClick={props.onNext}>
        Next page
      </button>
    </nav>
  );
}
