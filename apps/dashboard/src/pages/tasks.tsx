import { useEffect, useId, useState, type FormEvent } from 'react';
import type { RowSelectionState } from '@tanstack/react-table';
import { useLocation, useNavigate, useSearchParams } from 'react-router';
import { useCursorPager } from '../api/cursor-pager';
import { useQueues, useTaskPage } from '../api/hooks';
import { ACTION_STATES, TASK_ACTIONS, TASK_STATES, type TaskState } from '../api/types';
import { BulkActions } from '../components/bulk-actions';
import { ErrorNotice, StatusNotice } from '../components/notice';
import { QueueSelect } from '../components/queue-select';
import { Pager, TaskTable } from '../components/task-table';
import { formatCount } from '../format';

const DEFAULT_PAGE_SIZE = 50;

/** `limit` from the URL when it is one the API takes (1-1000), else 50. */
function pageSize(raw: string | null): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : DEFAULT_PAGE_SIZE;
}

const isState = (s: string | null): s is TaskState => TASK_STATES.includes(s as TaskState);

/**
 * The tasks of one queue in one state, paged by cursor, filtered by type. The URL holds the choice
 * (`#/tasks?queue=mail&state=dead&type=email&limit=50`), so a view can be bookmarked or shared.
 */
export function TasksPage() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const queues = useQueues();
  const queue = params.get('queue') ?? undefined;
  const rawState = params.get('state');
  const state: TaskState = isState(rawState) ? rawState : 'pending';
  const type = params.get('type') ?? undefined;
  const limit = pageSize(params.get('limit'));
  const pager = useCursorPager(`${queue}|${state}|${type ?? ''}|${limit}`);
  const page = useTaskPage(queue, state, { cursor: pager.cursor, limit, type });
  const [typeInput, setTypeInput] = useState(type ?? '');
  const typeId = useId();

  useEffect(() => setTypeInput(type ?? ''), [type]);

  // Without a queue in the URL, open the first one.
  useEffect(() => {
    if (queue || !queues.data?.length) return;
    void navigate(`/tasks?queue=${encodeURIComponent(queues.data[0]!.name)}&state=${state}`, {
      replace: true,
    });
  }, [queue, queues.data, navigate, state]);

  const set = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined || value === '') next.delete(key);
      else next.set(key, value);
    }
    setParams(next);
  };
  const filter = (event: FormEvent) => {
    event.preventDefault();
    set({ type: typeInput.trim() });
  };
  const counts = queues.data?.find((q) => q.name === queue)?.counts;
  const [selected, setSelected] = useState<RowSelectionState>({});
  const [outcome, setOutcome] = useState<string | null>(null);
  const deleted = (useLocation().state as { deleted?: string } | null)?.deleted;
  const ids = Object.keys(selected).filter((id) => selected[id]);
  const selectable = TASK_ACTIONS.some((a) => ACTION_STATES[a].includes(state));
  // Another list (queue, state, filter or page): nothing selected, no old outcome.
  const listKey = `${queue}|${state}|${type ?? ''}|${limit}|${pager.cursor ?? ''}`;
  useEffect(() => {
    setSelected({});
    setOutcome(null);
  }, [listKey]);

  return (
    <section aria-labelledby="tasks-title">
      <h1 id="tasks-title">Tasks</h1>
      <ErrorNotice error={queues.error} what="load the queues" />
      {queue && (
        <>
          <div className="toolbar">
            <QueueSelect
              queues={queues.data}
              value={queue}
              state={state}
              onChange={(name) => set({ queue: name })}
            />
            <form className="inline" onSubmit={filter}>
              <label htmlFor={typeId}>Type</label>
              <input
                id={typeId}
                value={typeInput}
                placeholder="any type"
                spellCheck={false}
                onChange={(e) => setTypeInput(e.target.value)}
              />
              <button type="submit">Filter</button>
              {type && (
                <button type="button" onClick={() => set({ type: undefined })}>
                  Clear filter
                </button>
              )}
            </form>
          </div>
          <nav className="state-tabs" aria-label="Task states">
            <ul>
              {TASK_STATES.map((s) => (
                <li key={s}>
                  <button
                    type="button"
                    aria-current={s === state ? 'page' : undefined}
                    onClick={() => set({ state: s })}
                  >
                    {s} {counts && <span className="count">{formatCount(counts[s])}</span>}
                  </button>
                </li>
              ))}
            </ul>
          </nav>
          <ErrorNotice error={page.error} what="load the tasks" />
          <StatusNotice>{outcome ?? (deleted ? `Deleted ${deleted}.` : null)}</StatusNotice>
          <BulkActions
            queue={queue}
            state={state}
            type={type}
            ids={ids}
            total={counts?.[state] ?? page.data?.total ?? 0}
            onOutcome={(text) => {
              setSelected({});
              setOutcome(text);
            }}
          />
          {page.data && (
            <>
              <TaskTable
                caption={`${state} tasks of ${queue}${type ? ` of type ${type}` : ''}`}
                state={state}
                tasks={page.data.tasks}
                empty={
                  page.data.nextCursor
                    ? `None of the ${formatCount(page.data.scanned)} tasks examined on this page is of type ${type}: try the next page.`
                    : `No ${state} tasks${type ? ` of type ${type}` : ''} in ${queue}.`
                }
                selection={selectable ? { selected, onChange: setSelected } : undefined}
              />
              <Pager
                label="Pages of tasks"
                pageNumber={pager.pageNumber}
                shown={page.data.tasks.length}
                total={page.data.total}
                scanned={page.data.scanned}
                hasNext={page.data.nextCursor !== null}
                loading={page.isPlaceholderData}
                onFirst={pager.first}
                onPrevious={pager.previous}
                onNext={() => page.data?.nextCursor && pager.next(page.data.nextCursor)}
              />
            </>
          )}
        </>
      )}
    </section>
  );
}
