import type { RowSelectionState } from '@tanstack/react-table';
import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useCursorPager } from '../api/cursor-pager';
import { usePurgeDead, useQueues, useRequeueDead, useTaskPage } from '../api/hooks';
import { ConfirmButton } from '../components/confirm-button';
import { ErrorNotice, StatusNotice } from '../components/notice';
import { QueueSelect } from '../components/queue-select';
import { Pager, TaskTable } from '../components/task-table';
import { formatCount } from '../format';

const PAGE_SIZE = 50;

/** The dead letters of one queue: page through them, select some or all, requeue or purge. */
export function DeadLettersPage() {
  const { queue } = useParams();
  const navigate = useNavigate();
  const queues = useQueues();
  const pager = useCursorPager(queue ?? '');
  const [selected, setSelected] = useState<RowSelectionState>({});
  const [outcome, setOutcome] = useState<string | null>(null);
  const dead = useTaskPage(queue, 'dead', { cursor: pager.cursor, limit: PAGE_SIZE });
  const requeue = useRequeueDead();
  const purge = usePurgeDead();

  // Without a queue in the URL, open the first queue that has dead letters (else the first queue).
  useEffect(() => {
    if (queue || !queues.data?.length) return;
    const first = queues.data.find((q) => q.counts.dead > 0) ?? queues.data[0]!;
    void navigate(`/dead/${encodeURIComponent(first.name)}`, { replace: true });
  }, [queue, queues.data, navigate]);

  useEffect(() => {
    setSelected({});
    setOutcome(null);
  }, [queue]);

  if (!queue) {
    return (
      <section aria-labelledby="dead-title">
        <h1 id="dead-title">Dead letters</h1>
        <ErrorNotice error={queues.error} what="load the queues" />
        {queues.data?.length === 0 && <p>No queue has received a task yet.</p>}
      </section>
    );
  }

  // Only rows still on the page: a task that left the list since it was ticked is not acted on unseen.
  const ids = (dead.data?.tasks ?? []).map((t) => t.id).filter((id) => selected[id]);
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
        <QueueSelect
          queues={queues.data}
          value={queue}
          state="dead"
          onChange={(name) => void navigate(`/dead/${encodeURIComponent(name)}`)}
        />
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
          <TaskTable
            caption={`Dead letters of ${queue}`}
            state="dead"
            tasks={dead.data.tasks}
            empty="No dead letters in this queue."
            selection={{ selected, onChange: setSelected }}
          />
          <Pager
            label="Pages of dead letters"
            pageNumber={pager.pageNumber}
            shown={dead.data.tasks.length}
            total={total}
            scanned={dead.data.scanned}
            hasNext={dead.data.nextCursor !== null}
            loading={dead.isPlaceholderData}
            onFirst={pager.first}
            onPrevious={pager.previous}
            onNext={() => dead.data?.nextCursor && pager.next(dead.data.nextCursor)}
          />
        </>
      )}
    </section>
  );
}
