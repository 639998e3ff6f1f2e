import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from './context';
import { POLL_MS, TASK_POLL_MS } from './live';
import type { DeadPage, QueueView, RequeueAnswer, Task } from './types';

const FINAL = new Set(['done', 'dead', 'canceled']);

export function useQueues() {
  const api = useApi();
  return useQuery({
    queryKey: ['queues'],
    queryFn: async () => (await api.get<{ queues: QueueView[] }>('/queues')).queues,
    refetchInterval: POLL_MS,
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

export function useDeadPage(queue: string | undefined, offset: number, limit: number) {
  const api = useApi();
  return useQuery({
    queryKey: ['dead', queue, offset, limit],
    queryFn: () => api.get<DeadPage>(`/queues/${encodeURIComponent(queue!)}/dead`, { offset, limit }),
    enabled: queue !== undefined,
    refetchInterval: POLL_MS,
    placeholderData: (previous) => (previous?.queue === queue ? previous : undefined),
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
