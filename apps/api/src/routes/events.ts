import { TqError, parseTaskId, type EventsMode, type TaskEvent } from '@tq/core';
import type { TaskService } from '@tq/task';
import { Router, type Request, type Response } from 'express';
import { compareEventIds, eventMessage, newerEventId, type SseStream } from '../event-streams';
import { invalidRequest } from '../problem';
import { queueNameParam } from '../request-params';
import type { RouteContext } from '../route-context';
import { toQueueView } from '../queue-view';

const EVENTS_MODES: readonly EventsMode[] = ['auto', 'on', 'off'];
const FINISHED = new Set(['done', 'dead', 'canceled']);
/** Events read from the stream per page while replaying after a Last-Event-ID. */
const REPLAY_PAGE = 500;

/**
 * Server-sent events (docs/client.md has the wire format):
 * GET /tasks/:id/events — the task, then its progress and state changes, then the finished task; closes then.
 * GET /queues/:name/events — state changes of the queue's tasks (no progress), until the client leaves.
 * Both resume after a Last-Event-ID header. PUT /queues/:name/events sets when events are written.
 */
export function eventRoutes({ service, auth, admin, json, events: streams }: RouteContext): Router {
  const router = Router();

  router.get('/tasks/:id/events', auth, async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const after = lastEventIdOf(req);
    const queue = parseTaskId(id)?.queue;
    if (!queue) throw new TqError('not_found', `task ${id} does not exist: a task id is "<queue>.<ULID>"`);
    streams.assertCapacity();
    let stream: SseStream | undefined;
    let cursor = '0-0';
    let live = false;
    let finishing = false;
    const backlog: TaskEvent[] = [];
    const deliver = (e: TaskEvent) => {
      if (finishing || !stream || compareEventIds(e.id, cursor) <= 0) return;
      cursor = e.id;
      const { event, data } = eventMessage(e);
      stream.send(event, data, e.id);
      if (e.kind !== 'progress' && FINISHED.has(e.kind)) {
        finishing = true;
        finish(stream, e.id).catch(() => stream?.close());
      }
    };
    const finish = async (s: SseStream, eventId: string) => {
      // The finished task, with its result or last error, closes the stream.
      const task = await service.get(id).catch(() => undefined);
      if (task) s.send('task', task, eventId);
      s.close();
    };
    const sub = await streams.feed.subscribe(queue, (events) => {
      for (const e of events) {
        if (e.taskId !== id) continue;
        if (live) deliver(e);
        else backlog.push(e);
      }
    });
    try {
      assertEventsOn(sub.mode, queue);
      const task = await service.get(id);
      stream = streams.open(res, sub.unsubscribe);
      cursor = sub.position;
      if (after !== undefined) {
        cursor = newerEventId(cursor, await replay(service, stream, queue, after, (e) => e.taskId === id));
      }
      // The task as it is now: whatever the stream holds or lost, the client ends up with the truth.
      stream.send('task', task, cursor);
      if (FINISHED.has(task.status)) {
        finishing = true;
        stream.close();
        return;
      }
      for (const e of backlog.splice(0)) deliver(e);
      live = true;
    } catch (error) {
      abandon(error, stream, sub.unsubscribe, res);
    }
  });

  router.get('/queues/:name/events', auth, async (req: Request, res: Response) => {
    const name = queueNameParam(req);
    const after = lastEventIdOf(req);
    streams.assertCapacity();
    assertEventsOn((await service.queueStats(name)).events, name);
    let stream: SseStream | undefined;
    let cursor = '0-0';
    let live = false;
    const backlog: TaskEvent[] = [];
    const deliver = (e: TaskEvent) => {
      if (!stream || e.kind === 'progress' || compareEventIds(e.id, cursor) <= 0) return;
      cursor = e.id;
      const { event, data } = eventMessage(e);
      stream.send(event, data, e.id);
    };
    const sub = await streams.feed.subscribe(name, (events) => {
      for (const e of events) {
        if (live) deliver(e);
        else backlog.push(e);
      }
    });
    try {
      stream = streams.open(res, sub.unsubscribe);
      cursor = sub.position;
      if (after !== undefined) {
        cursor = newerEventId(
          cursor,
          await replay(service, stream, name, after, (e) => e.kind !== 'progress'),
        );
      }
      for (const e of backlog.splice(0)) deliver(e);
      live = true;
    } catch (error) {
      abandon(error, stream, sub.unsubscribe, res);
    }
  });

  router.put('/queues/:name/events', admin, json, async (req: Request, res: Response) => {
    const name = queueNameParam(req);
    const mode = (req.body as { mode?: unknown } | undefined)?.mode;
    const extra = Object.keys((req.body as object | undefined) ?? {}).filter((k) => k !== 'mode');
    if (!EVENTS_MODES.includes(mode as EventsMode) || extra.length > 0) {
      throw invalidRequest([
        {
          field: extra.length > 0 ? extra[0]! : 'mode',
          message:
            extra.length > 0
              ? `unknown field ${extra.join(', ')}; send {"mode": "auto" | "on" | "off"}`
              : `mode must be "auto" (events while someone listens), "on" (always) or "off" (never); got ${JSON.stringify(mode)}`,
        },
      ]);
    }
    res.json(toQueueView(await service.setEventsMode(name, mode as EventsMode)));
  });

  return router;
}

/** A stream that failed while opening: release what it holds; the error handler answers if nothing was sent. */
function abandon(
  error: unknown,
  stream: SseStream | undefined,
  unsubscribe: () => void,
  res: Response,
): void {
  if (stream) stream.close();
  else unsubscribe();
  if (!res.headersSent) throw error;
}

/** The Last-Event-ID header, a stream id `<ms>-<seq>`; 400 when it is anything else. */
function lastEventIdOf(req: Request): string | undefined {
  const value = req.get('Last-Event-ID');
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,15}-\d{1,15}$/.test(value)) {
    throw invalidRequest([
      {
        field: 'Last-Event-ID',
        message: `Last-Event-ID must be the id of an event this API sent ("<ms>-<seq>"), got ${JSON.stringify(value.slice(0, 40))}`,
      },
    ]);
  }
  return value;
}

function assertEventsOn(mode: EventsMode, queue: string): void {
  if (mode === 'off') {
    throw new TqError(
      'conflict',
      `events are off for queue ${queue}: poll GET /tasks/{id}, or turn them on with PUT /queues/${queue}/events {"mode":"auto"}`,
    );
  }
}

/**
 * Sends the stream's events after `after` that `keep` selects, oldest first, waiting for the socket between
 * pages. Sends `reset` first when the stream no longer holds everything after `after` (trimmed). Returns
 * the id of the last event read (`after` when none).
 */
async function replay(
  service: TaskService,
  stream: SseStream,
  queue: string,
  after: string,
  keep: (e: TaskEvent) => boolean,
): Promise<string> {
  let from = after;
  for (;;) {
    const { events, oldest } = await service.readEvents(queue, from, REPLAY_PAGE);
    if (from === after && after !== '0-0' && oldest !== null && compareEventIds(oldest, after) > 0) {
      stream.send('reset', { queue, lastEventId: after, oldestEventId: oldest });
    }
    for (const e of events) {
      if (!keep(e)) continue;
      const { event, data } = eventMessage(e);
      stream.send(event, data, e.id);
    }
    if (events.length === 0 || stream.closed) return from;
    from = events.at(-1)!.id;
    await stream.drained();
  }
}
