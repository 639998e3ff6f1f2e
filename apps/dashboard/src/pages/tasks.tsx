import { useEffect, useId, useState, type FormEvent } from 'react';
import type { RowSelectionState } from '@tanstack/react-table';
import { useLocation, useNavigate, useSearchParams } from 'react-router';
import { useCursorPager } from '../api/cursor-pager';
import { useQueueGroups, useQueues, useTaskPage } from '../api/hooks';
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
  // Pending tasks with a fair group wait in their group's lists: listed one group at a time.
  const group = state === 'pending' ? (params.get('group') ?? undefined) : undefined;
  const limit = pageSize(params.get('limit'));
  const pager = useCursorPager(`${queue}|${state}|${type ?? ''}|${group ?? ''}|${limit}`);
  const page = useTaskPage(queue, state, { cursor: pager.cursor, limit, type, group });
  const grouped = state === 'pending' && (group !== undefined || (page.data?.inGroups ?? 0) > 0);
  const groups = useQueueGroups(queue, grouped);
  const [typeInput, setTypeInput] = useState(type ?? '');
  const typeId = useId();
  const groupId = useId();

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
  // Only rows still on the page: a task that left the list since it was ticked is not acted on unseen.
  const ids = (page.data?.tasks ?? []).map((t) => t.id).filter((id) => selected[id]);
  const selectable = TASK_ACTIONS.some((a) => ACTION_STATES[a].includes(state));
  // Another list (queue, state, filter or page): nothing selected, no old outcome.
  const listKey = `${queue}|${state}|${type ?? ''}|${group ?? ''}|${limit}|${pager.cursor ?? ''}`;
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
          {grouped && (
            <div className="toolbar">
              <label htmlFor={groupId}>Fair group</label>
              <select id={groupId} value={group ?? ''} onChange={(e) => set({ group: e.target.value })}>
                <option value="">tasks without a group</option>
                {group !== undefined && !groups.data?.groups.some((g) => g.group === group) && (
                  <option value={group}>{group}</option>
                )}
                {groups.data?.groups.map((g) => (
                  <option key={g.group} value={g.group}>
                    {g.group} ({formatCount(g.pending)} pending)
                  </option>
                ))}
              </select>
              {group === undefined && page.data && (
                <span className="hint">
                  {formatCount(page.data.inGroups)} more pending in fair groups: choose a group to list them.
                </span>
              )}
            </div>
          )}
          <ErrorNotice error={page.error} what="load the tasks" />
          <ErrorNotice error={groups.error} what="load the fair groups" />
          <StatusNotice>{outcome ?? (deleted ? `Deleted ${deleted}.` : null)}</StatusNotice>
          <BulkActions
            queue={queue}
            state={state}
            type={type}
            group={grouped ? (group ?? '') : undefined}
            ids={ids}
            total={(grouped ? page.data?.total : counts?.[state]) ?? page.data?.total ?? 0}
            onOutcome={(text) => {
              setSelected({});
              setOutcome(text);
            }}
          />
          {page.data && (
            <>
              <TaskTable
                caption={`${state} tasks of ${queue}${type ? ` of type ${type}` : ''}${group ? ` in group ${group}` : ''}`}
                state={state}
                tasks={page.data.tasks}
                empty={
                  page.data.nextCursor
                    ? `None of the ${formatCount(page.data.scanned)} tasks examined on this page is of type ${type}: try the next page.`
                    : `No ${state} tasks${type ? ` of type ${type}` : ''}${grouped ? (group ? ` of group ${group}` : ' without a group') : ''} in ${queue}.`
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
