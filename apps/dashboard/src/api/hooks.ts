import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from './context';
import { HISTORY_POLL_MS, POLL_MS, TASK_POLL_MS } from './live';
import type {
  History,
  HistoryPage,
  HistoryQuery,
  QueueView,
  RequeueAnswer,
  Task,
  TaskPage,
  TaskState,
  WorkerList,
} from './types';

const FINAL = new Set(['done', 'dead', 'canceled']);

export function useQueues() {
  const api = useApi();
  return useQuery({
    queryKey: ['queues'],
    queryFn: async () => (await api.get<{ queues: QueueView[] }>('/queues')).queues,
    refetchInterval: POLL_MS,
  });
}

/** The live workers (one script call on the API, whatever their number). */
export function useWorkers({ enabled = true }: { enabled?: boolean } = {}) {
  const api = useApi();
  return useQuery({
    queryKey: ['workers'],
    queryFn: () => api.get<WorkerList>('/workers'),
    refetchInterval: POLL_MS,
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

export function useTask(id: string) {
  const api = useApi();
  return useQuery({
    queryKey: ['task', id],
    queryFn: () => api.get<Task>(`/tasks/${encodeURIComponent(id)}`),
    refetchInterval: (query) =>
      query.state.data && FINAL.has(query.state.data.status) ? POLL_MS : TASK_POLL_MS,
    retry: false,
  });
}

/** One page of a queue's tasks in `state`, from `cursor` (null: the first page). */
export function useTaskPage(
  queue: string | undefined,
  state: TaskState,
  options: { cursor: string | null; limit: number; type?: string },
) {
  const api = useApi();
  const { cursor, limit, type } = options;
  return useQuery({
    queryKey: ['tasks', queue, state, type ?? null, cursor, limit],
    queryFn: () =>
      api.get<TaskPage>(`/queues/${encodeURIComponent(queue!)}/tasks`, { state, limit, cursor, type }),
    enabled: queue !== undefined,
    refetchInterval: POLL_MS,
    // While the next page loads, keep showing this one (same list only).
    placeholderData: (previous) =>
      previous?.queue === queue && previous?.state === state && previous?.type === (type ?? null)
        ? previous
        : undefined,
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

export function useCancelTask() {
  const api = useApi();
  const invalidate = useInvalidateAll();
  return useMutation({
    mutationFn: (id: string) => api.delete<Task>(`/tasks/${encodeURIComponent(id)}`),
    onSettled: invalidate,
  });
}
