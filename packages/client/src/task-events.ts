import { createParser } from 'eventsource-parser';
import { isFinished, type Task } from './types.js';

/** How following a task's event stream ended. */
export type FollowOutcome =
  /** The stream's last `task` event: the task finished. */
  | { kind: 'finished'; task: Task }
  /** The stream closed first (the API restarted, a proxy cut it): reconnect with `lastEventId`. */
  | { kind: 'ended'; lastEventId?: string }
  /** No stream: the route is missing (an older API), events are off for the queue (409), the API is full
   * (503), or the task does not exist (404). `response` says which; poll instead. */
  | { kind: 'refused'; response: Response };

/**
 * Follows `GET /tasks/:id/events` (server-sent events, read with fetch so the bearer token goes in the
 * Authorization header, never in the URL) until the `task` event that says the task finished, or until
 * the stream closes. `lastEventId` resumes after the last event seen; `onTask` sees every state of the
 * task the stream sends. Rejects when fetch does (no answer, or `signal` aborted).
 */
export async function followTask(
  fetchFn: (request: Request) => Promise<Response>,
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  lastEventId: string | undefined,
  onTask: (task: Task) => void,
): Promise<FollowOutcome> {
  const response = await fetchFn(
    new Request(url, {
      headers: {
        ...headers,
        Accept: 'text/event-stream',
        ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
      },
      signal,
    }),
  );
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok || !response.body || !type.startsWith('text/event-stream')) {
    await response.body?.cancel().catch(() => undefined);
    return { kind: 'refused', response };
  }

  let task: Task | undefined;
  let finished = false;
  let id = lastEventId;
  const parser = createParser({
    onEvent(event) {
      if (event.id) id = event.id;
      if (event.event !== 'task') return; // state and progress events: the task event after them has it all
      task = JSON.parse(event.data) as Task;
      onTask(task);
      finished ||= isFinished(task);
    },
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  // The abort ends the read here: fetch's own hold on `signal` goes with its Request, which may be garbage
  // collected while the body streams (undici follows the signal through a weak reference), and then a
  // timeout would never end a stream that stays silent.
  const onAbort = () => void reader.cancel(signal.reason).catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    while (!finished && !signal.aborted) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    await reader.cancel().catch(() => undefined);
  }
  if (signal.aborted && !finished) throw signal.reason;
  if (finished && task) return { kind: 'finished', task };
  return { kind: 'ended', ...(id && { lastEventId: id }) };
}
