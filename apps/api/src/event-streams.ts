import { EventFeed, type RedisClient, type TaskEvent } from '@tq/core';
import type { Response } from 'express';
import type { Logger } from 'pino';
import type { ApiConfig } from './config';
import { HttpProblem } from './problem';

/** Options of {@link EventStreams}. */
export interface EventStreamsOptions {
  /** The API's command connection; the feed duplicates it once for its blocking reads. */
  redis: RedisClient;
  /** SSE_MAX_CLIENTS: open streams at once; past it, 503. */
  maxClients: number;
  /** SSE_HEARTBEAT_MS: a keep-alive comment to every stream this often. */
  heartbeatMs: number;
  /** SSE_MAX_BUFFER_BYTES: unsent bytes past which a slow client is disconnected. */
  maxBufferBytes: number;
  logger: Logger;
}

/** The event streams of an API with config `config`. */
export function createEventStreams(redis: RedisClient, config: ApiConfig, logger: Logger): EventStreams {
  return new EventStreams({
    redis,
    maxClients: config.SSE_MAX_CLIENTS,
    heartbeatMs: config.SSE_HEARTBEAT_MS,
    maxBufferBytes: config.SSE_MAX_BUFFER_BYTES,
    logger,
  });
}

/** How long an SSE client waits before reconnecting after a close, ms (the `retry:` field). */
const RECONNECT_MS = 1000;

/**
 * The API's server-sent event streams: one {@link EventFeed} (one Redis reader for the whole process) fans
 * each queue's events out to the streams open on it. Bounds the streams per process, disconnects clients
 * that read slower than the events come (they resume with Last-Event-ID), keeps idle streams alive with
 * comments, and ends every stream on stop() so a shutdown is not held by them.
 */
export class EventStreams {
  readonly feed: EventFeed;
  private readonly streams = new Set<SseStream>();
  private readonly heartbeat: NodeJS.Timeout;
  private stopped = false;
  /** Streams cut off because their client read slower than events came (tq_event_streams_dropped_total). */
  slowDisconnects = 0;

  constructor(private readonly options: EventStreamsOptions) {
    const logger = options.logger.child({ component: 'event-feed' });
    this.feed = new EventFeed(options.redis, {
      onError: (error, queue) =>
        logger.warn(
          { queue, error: { name: (error as Error).name, message: (error as Error).message } },
          'reading events failed; retrying',
        ),
    });
    this.heartbeat = setInterval(() => {
      for (const stream of this.streams) stream.comment('keepalive');
    }, options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Open streams. */
  get size(): number {
    return this.streams.size;
  }

  /** Throws a 503 when this process serves as many streams as it may (before any work is done for one). */
  assertCapacity(): void {
    if (this.stopped || this.streams.size >= this.options.maxClients) {
      throw new HttpProblem(
        'unavailable',
        this.stopped
          ? 'this API process is shutting down: reconnect (another replica will serve the stream)'
          : `this API process serves its maximum of ${this.options.maxClients} event streams (SSE_MAX_CLIENTS): ` +
              'retry later, or poll GET /tasks/{id}',
      );
    }
  }

  /** Answers `res` as an event stream; `onClose` runs once when it ends, whoever ends it. */
  open(res: Response, onClose: () => void): SseStream {
    this.assertCapacity();
    const stream = new SseStream(res, this.options.maxBufferBytes, () => {
      this.streams.delete(stream);
      if (stream.tooSlow) this.slowDisconnects++;
      onClose();
    });
    this.streams.add(stream);
    // A client that left while its stream was being set up (the route waits on Redis first) has had its
    // 'close' already: end the stream now, or it would hold a slot and its queue's subscription for good.
    if (res.destroyed) stream.close();
    return stream;
  }

  /** Ends every stream (clients reconnect elsewhere with Last-Event-ID) and the feed's reads. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    for (const stream of [...this.streams]) stream.close();
    await this.feed.stop();
  }
}

/** One `text/event-stream` response. */
export class SseStream {
  private ended = false;
  /** Set when the stream was cut off for holding more than maxBufferBytes unsent. */
  tooSlow = false;

  constructor(
    private readonly res: Response,
    private readonly maxBufferBytes: number,
    private readonly onClose: () => void,
  ) {
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx buffers responses unless told not to; a buffered event stream is a silent one.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(`retry: ${RECONNECT_MS}\n\n`);
    res.once('close', () => this.finish());
  }

  get closed(): boolean {
    return this.ended;
  }

  /**
   * Writes one event. Returns false when the socket's buffer is full (await `drained()` before writing a
   * backlog). A client with more than maxBufferBytes unsent is disconnected: it reads slower than events
   * come, and holding them would let one slow client grow this process without bound.
   */
  send(event: string, data: unknown, id?: string): boolean {
    if (this.ended) return false;
    const ok = this.res.write(
      `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`,
    );
    if (this.res.writableLength > this.maxBufferBytes) {
      this.tooSlow = true;
      this.close();
      return false;
    }
    return ok;
  }

  /** A comment line: ignored by clients, keeps proxies from closing an idle stream. */
  comment(text: string): void {
    if (!this.ended) this.res.write(`: ${text}\n\n`);
  }

  /** Resolves when the socket can take more (or the stream ended). */
  drained(): Promise<void> {
    if (this.ended || !this.res.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.once('drain', done).once('close', done);
    });
  }

  /** Ends the response (the client reconnects with Last-Event-ID when it wants more). */
  close(): void {
    if (this.ended) return;
    this.res.end();
    // A client that reads nothing would keep the socket open until its buffer drained: cut it.
    if (this.res.writableLength > this.maxBufferBytes) this.res.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.onClose();
  }
}

/** Orders stream ids (`<ms>-<seq>`): negative when a is older than b. */
export function compareEventIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

/** The newer of two stream ids. */
export function newerEventId(a: string, b: string): string {
  return compareEventIds(a, b) >= 0 ? a : b;
}

/** The SSE event name and data of a task event. */
export function eventMessage(e: TaskEvent): { event: string; data: Record<string, unknown> } {
  const at = new Date(e.at).toISOString();
  if (e.kind === 'progress') {
    return {
      event: 'progress',
      data: { taskId: e.taskId, queue: e.queue, progress: parseValue(e.value), at },
    };
  }
  const data: Record<string, unknown> = { taskId: e.taskId, queue: e.queue, status: e.kind, at };
  if (e.kind === 'running' && e.value !== undefined) data.attempt = Number(e.value);
  if (e.kind === 'dead' && e.value !== undefined) data.deadReason = e.value;
  return { event: 'state', data };
}

function parseValue(value: string | undefined): unknown {
  if (value === undefined) return null;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
