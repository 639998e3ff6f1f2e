import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from './context';
import { HISTORY_POLL_MS, LIMITS_POLL_MS, POLL_MS, TASK_POLL_MS } from './live';
import type {
  History,
  HistoryPage,
  QueueLimitsView,
  HistoryQuery,
  QueueView,
  RequeueAnswer,
  Schedule,
  SchedulePage,
  Task,
  TaskAction,
  TaskActionAnswer,
  TaskPage,
  TaskState,
  WorkerList,
} from './types';

const FINAL = new Set(['done', 'dead', 'canceled']);

/** The queues with their counts, polled; `{ live: false }` asks once (for a list of names, say). */
export function useQueues({ live = true }: { live?: boolean } = {}) {
  const api = useApi();
  return useQuery({
    queryKey: ['queues'],
    queryFn: async () => (await api.get<{ queues: QueueView[] }>('/queues')).queues,
    refetchInterval: live ? POLL_MS : false,
  });
}

/** The live workers (one script call on the API, whatever their number); polled unless `live` is false. */
export function useWorkers({ enabled = true, live = true }: { enabled?: boolean; live?: boolean } = {}) {
  const api = useApi();
  return useQuery({
    queryKey: ['workers'],
    queryFn: () => api.get<WorkerList>('/workers'),
    refetchInterval: live ? POLL_MS : false,
    enabled,
  });
}

/** Processed and failed per minute over the last `minutes`, every queue summed. */
export function useHistory(minutes: number) {
  const api = useApi();
  return useQuery({
    queryKey: ['history', minutes],
    queryFn: () => api.get<History>('/stats/history', { minutes }),
    refetchInterval: HISTORY_POLL_MS,
  });
}

export function useTask(id: string, options: { enabled?: boolean } = {}) {
  const api = useApi();
  return useQuery({
    queryKey: ['task', id],
    queryFn: () => api.get<Task>(`/tasks/${encodeURIComponent(id)}`),
    refetchInterval: (query) =>
      query.state.data && FINAL.has(query.state.data.status) ? POLL_MS : TASK_POLL_MS,
    retry: false,
    enabled: options.enabled,
  });
}

/** One page of a queue's tasks in `state`, from `cursor` (null: the first page). */
export function useTaskPage(
  queue: string | undefined,
  state: TaskState,
  options: { cursor: string | null; limit: number; type?: string; group?: string },
) {
  const api = useApi();
  const { cursor, limit, type, group } = options;
  return useQuery({
    queryKey: ['tasks', queue, state, type ?? null, group ?? null, cursor, limit],
    queryFn: () =>
      api.get<TaskPage>(`/queues/${encodeURIComponent(queue!)}/tasks`, { state, limit, cursor, type, group }),
    enabled: queue !== undefined,
    refetchInterval: POLL_MS,
    // While the next page loads, keep showing this one (same list only).
    placeholderData: (previous) =>
      previous?.queue === queue &&
      previous?.state === state &&
      previous?.type === (type ?? null) &&
      previous?.group === (group ?? null)
        ? previous
        : undefined,
  });
}

/** GET /queues/:name/groups: the fair groups with the most pending tasks (at most 100), for a group picker. */
export function useQueueGroups(queue: string | undefined, enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: ['groups', queue],
    queryFn: () =>
      api.get<{ total: number; groups: { group: string; pending: number; running: number }[] }>(
        `/queues/${encodeURIComponent(queue!)}/groups`,
        { limit: 100 },
      ),
    enabled: enabled && queue !== undefined,
    refetchInterval: POLL_MS,
  });
}

/**
 * One page of a task-history search (GET /tasks: PostgreSQL, not Redis), from `cursor` (null: the first
 * page). Not polled: the history only grows at its newest end, and a search is the operator's question of
 * the moment (a refocus of the tab asks again).
 */
export function useTaskSearch(query: HistoryQuery, cursor: string | null, enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: ['history-search', query, cursor],
    queryFn: () => api.get<HistoryPage>('/tasks', { ...query, cursor }),
    enabled,
    placeholderData: (previous, previousQuery) =>
      previousQuery && JSON.stringify(previousQuery.queryKey[1]) === JSON.stringify(query)
        ? previous
        : undefined,
  });
}

/** After an action: every list and count may have changed, so refetch what is shown. */
function useInvalidateAll() {
  const client = useQueryClient();
  return () => client.invalidateQueries();
}

export function usePauseQueue() {
  const api = useApi();
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: ({ queue, pause }: { queue: string; pause: boolean }) =>
      api.post<QueueView>(`/queues/${encodeURIComponent(queue)}/${pause ? 'pause' : 'resume'}`),
    onSettled: invalidate,
  });
}

/** Requeue the given dead tasks, or every dead task of the queue with `ids` undefined. */
export function useRequeueDead() {
  const api = useApi();
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: ({ queue, ids }: { queue: string; ids?: string[] }) =>
      api.post<RequeueAnswer>(`/queues/${encodeURIComponent(queue)}/dead/requeue`, ids ? { ids } : undefined),
    onSettled: invalidate,
  });
}

/** Purge the given dead tasks, or every dead task of the queue with `ids` undefined. */
export function usePurgeDead() {
  const api = useApi();
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: ({ queue, ids }: { queue: string; ids?: string[] }) =>
      api.delete<{ purged: number }>(`/queues/${encodeURIComponent(queue)}/dead`, ids ? { ids } : undefined),
    onSettled: invalidate,
  });
}

/** The path and method of one task's action (ADR 0019): run now, retry, cancel, delete a finished task. */
const ACTION_ROUTE: Record<TaskAction, { method: 'post' | 'delete'; path: (id: string) => string }> = {
  run: { method: 'post', path: (id) => `/tasks/${encodeURIComponent(id)}/run` },
  retry: { method: 'post', path: (id) => `/tasks/${encodeURIComponent(id)}/retry` },
  cancel: { method: 'post', path: (id) => `/tasks/${encodeURIComponent(id)}/cancel` },
  delete: { method: 'delete', path: (id) => `/tasks/${encodeURIComponent(id)}/record` },
};

/** One action on one task; answers the task (or, for delete, where it was deleted). */
export function useTaskAction() {
  const api = useApi();
  const client = useQueryClient();
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: TaskAction }) => {
      const route = ACTION_ROUTE[action];
      return route.method === 'post' ? api.post<Task>(route.path(id)) : api.delete<Task>(route.path(id));
    },
    // A deleted task is not asked for again (its page stops polling it and moves away; a 404 would only
    // fill the console): a read already under way is dropped, and no refresh includes it.
    onMutate: ({ id, action }) =>
      action === 'delete' ? client.cancelQueries({ queryKey: ['task', id] }) : undefined,
    onSettled: (_data, error, { id, action }) =>
      action === 'delete' && !error
        ? client.invalidateQueries({ predicate: (q) => !(q.queryKey[0] === 'task' && q.queryKey[1] === id) })
        : invalidate(),
  });
}

/** What a bulk action did over all the calls it took. */
export interface BulkOutcome {
  action: TaskAction;
  applied: number;
  cancelRequested: number;
  refused: TaskActionAnswer['refused'];
  calls: number;
}

/** Calls a bulk action by state makes at most (1,000 tasks each): a bound on one click. */
const MAX_BULK_CALLS = 1000;

/**
 * An action on the given tasks of a queue (`ids`), or on every task of the queue in `state` (of `type`):
 * POST /queues/:name/tasks/actions, a page of up to 1,000 at a time, following nextCursor to the end.
 */
export function useBulkAction() {
  const api = useApi();
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: async (request: {
      queue: string;
      action: TaskAction;
      ids?: string[];
      state?: TaskState;
      type?: string;
      group?: string;
    }): Promise<BulkOutcome> => {
      const { queue, action, ids, state, type, group } = request;
      const path = `/queues/${encodeURIComponent(queue)}/tasks/actions`;
      const outcome: BulkOutcome = { action, applied: 0, cancelRequested: 0, refused: [], calls: 0 };
      let cursor: string | null = null;
      do {
        const body = ids
          ? { action, ids }
          : { action, state, type, group, limit: 1000, cursor: cursor ?? undefined };
        const answer: TaskActionAnswer = await api.post<TaskActionAnswer>(path, body);
        outcome.applied += answer.applied.length;
        outcome.cancelRequested += answer.cancelRequested.length;
        outcome.refused.push(...answer.refused.slice(0, 100 - outcome.refused.length));
        outcome.calls++;
        cursor = answer.nextCursor;
      } while (cursor !== null && outcome.calls < MAX_BULK_CALLS);
      return outcome;
    },
    onSettled: invalidate,
  });
}

/** One page of the cron schedules (of `queue`, else all), by id, from `cursor`. */
export function useSchedules(queue: string | undefined, cursor: string | null, limit: number) {
  const api = useApi();
  return useQuery({
    queryKey: ['schedules', queue ?? null, cursor, limit],
    queryFn: () => api.get<SchedulePage>('/schedules', { queue, cursor, limit }),
    refetchInterval: POLL_MS,
    placeholderData: (previous, previousQuery) =>
      previousQuery?.queryKey[1] === (queue ?? null) ? previous : undefined,
  });
}

/** Pauses or resumes a schedule (PATCH /schedules/:id). */
export function usePauseSchedule() {
  const api = useApi();
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: ({ id, paused }: { id: string; paused: boolean }) =>
      api.patch<Schedule>(`/schedules/${encodeURIComponent(id)}`, { paused }),
    onSettled: invalidate,
  });
}

/**
 * The limits of each named queue (GET /queues/:name/limits, one call per queue), by name. Limits change
 * rarely: refreshed every minute, not with the counts.
 */
export function useQueueLimits(names: string[]): Map<string, QueueLimitsView> {
  const api = useApi();
  const results = useQueries({
    queries: names.map((name) => ({
      queryKey: ['limits', name],
      queryFn: () => api.get<QueueLimitsView>(`/queues/${encodeURIComponent(name)}/limits`),
      refetchInterval: LIMITS_POLL_MS,
      staleTime: LIMITS_POLL_MS,
    })),
  });
  const byName = new Map<string, QueueLimitsView>();
  for (const r of results) if (r.data) byName.set(r.data.queue, r.data);
  return byName;
}
