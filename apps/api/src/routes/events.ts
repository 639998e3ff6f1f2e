import {
  TqError,
  formatEventPositions,
  parseTaskId,
  type EventSubscription,
  type EventsMode,
  type TaskEvent,
} from '@tq/core';
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
    const after = lastEventIdOf(req, 'task');
    const queue = parseTaskId(id)?.queue;
    if (!queue)
      throw new TqError('not_found', `task ${id} does not exist: a task id is "<queue>.<local id>"`);
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
    // A task's events are in the stream of the partition that holds it (ADR 0042): plain stream ids.
    const source = await service.taskEventSource(id);
    const sub = await streams.feed.subscribe(
      source,
      (events) => {
        for (const e of events) {
          if (e.taskId !== id) continue;
          if (live) deliver(e);
          else backlog.push(e);
        }
      },
      // Events turned off: none will come. The client reconnects, gets 409 and polls (docs/client.md).
      () => stream?.close(),
    );
    try {
      assertEventsOn(sub.mode, queue);
      const task = await service.get(id);
      stream = streams.open(res, sub.unsubscribe);
      cursor = sub.position;
      if (after !== undefined) {
        const read = (from: string) => service.readTaskEvents(id, from, REPLAY_PAGE);
        cursor = newerEventId(cursor, await replay(read, stream, queue, after, (e) => e.taskId === id));
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
    const after = lastEventIdOf(req, 'queue');
    streams.assertCapacity();
    assertEventsOn((await service.queueStats(name)).events, name);
    // One stream per partition, merged (ADR 0042): an event's id is every partition's position after it.
    const queue = await service.openQueue(name);
    const from = after === undefined ? undefined : queue.eventPositions(after);
    let stream: SseStream | undefined;
    const positions = queue.partitions.map(() => '0-0');
    let live = false;
    const backlog: [number, TaskEvent][] = [];
    const deliver = (i: number, e: TaskEvent) => {
      if (!stream || e.kind === 'progress' || compareEventIds(e.id, positions[i]!) <= 0) return;
      positions[i] = e.id;
      const { event, data } = eventMessage(e);
      stream.send(event, data, formatEventPositions(positions));
    };
    const subs: EventSubscription[] = [];
    const unsubscribe = () => subs.forEach((sub) => sub.unsubscribe());
    try {
      for (const [i, partition] of queue.partitions.entries()) {
        subs.push(
          await streams.feed.subscribe(
            partition,
            (events) => {
              for (const e of events) {
                if (live) deliver(i, e);
                else backlog.push([i, e]);
              }
            },
            () => stream?.close(),
          ),
        );
      }
    } catch (error) {
      unsubscribe();
      throw error;
    }
    try {
      stream = streams.open(res, unsubscribe);
      subs.forEach((sub, i) => (positions[i] = sub.position));
      if (after !== undefined) {
        const read = (at: string) => service.readEvents(name, at, REPLAY_PAGE);
        const last = await replay(read, stream, name, after, (e) => e.kind !== 'progress');
        const replayed = last === after ? from! : queue.eventPositions(last);
        replayed.forEach((p, i) => (positions[i] = newerEventId(positions[i]!, p)));
      }
      for (const [i, e] of backlog.splice(0)) deliver(i, e);
      live = true;
    } catch (error) {
      abandon(error, stream, unsubscribe, res);
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

/**
 * The Last-Event-ID header: a stream id `<ms>-<seq>`, or for a queue stream of a partitioned queue one per
 * partition joined by `_` (ADR 0042); a task stream reads one partition, so its ids are plain. 400 when it is
 * anything else (Redis would refuse it after the stream opened, and the client would see it end, empty).
 */
function lastEventIdOf(req: Request, of: 'task' | 'queue'): string | undefined {
  const value = req.get('Last-Event-ID');
  if (value === undefined || value === '') return undefined;
  const pattern = of === 'task' ? /^\d{1,15}-\d{1,15}$/ : /^\d{1,15}-\d{1,15}(?:_\d{1,15}-\d{1,15}){0,255}$/;
  if (!pattern.test(value)) {
    throw invalidRequest([
      {
        field: 'Last-Event-ID',
        message:
          of === 'task'
            ? `Last-Event-ID must be the id of an event this task stream sent ("<ms>-<seq>"), got ${JSON.stringify(value.slice(0, 40))}`
            : `Last-Event-ID must be the id of an event this API sent ("<ms>-<seq>", one per partition joined by "_"), got ${JSON.stringify(value.slice(0, 40))}`,
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
 * Sends the stream's events after `after` that `keep` selects, oldest first, read by `read`, waiting for the
 * socket between pages. Sends `reset` first when the stream no longer holds everything after `after`
 * (trimmed). Returns the id of the last event read (`after` when none).
 */
async function replay(
  read: (from: string) => Promise<{ events: TaskEvent[]; oldest: string | null; trimmed: boolean }>,
  stream: SseStream,
  queue: string,
  after: string,
  keep: (e: TaskEvent) => boolean,
): Promise<string> {
  let from = after;
  for (;;) {
    const { events, oldest, trimmed } = await read(from);
    if (from === after && trimmed) {
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
