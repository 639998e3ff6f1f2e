import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** An event stream read by a real HTTP client (fetch), parsed by eventsource-parser. */
export interface SseReader {
  status: number;
  headers: Headers;
  /** Every message received so far, in order. */
  messages: EventSourceMessage[];
  /** Comment lines received so far (keep-alives). */
  comments: string[];
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  /** Waits until `count` messages arrived (or throws after `timeoutMs`, sized for a busy machine). */
  next(count: number, timeoutMs?: number): Promise<EventSourceMessage[]>;
  /** Closes the connection from the client side. */
  close(): void;
}

/** Opens `url` as an event stream with fetch, and reads it in the background. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const messages: EventSourceMessage[] = [];
  const comments: string[] = [];
  let notify = () => {};
  const parser = createParser({
    onEvent: (message) => {
      messages.push(message);
      notify();
    },
    onComment: (comment) => comments.push(comment),
  });
  let isEnded = false;
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    } catch {
      // closed by the client
    }
  })().finally(() => (isEnded = true));
  return {
    status: res.status,
    headers: res.headers,
    messages,
    comments,
    ended,
    async next(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        const left = deadline - Date.now();
        if (left <= 0 || isEnded) {
          throw new Error(
            `expected ${count} events ${isEnded ? 'before the stream ended' : `within ${timeoutMs} ms`}, got ${messages.length}: ${JSON.stringify(messages)}`,
          );
        }
        await Promise.race([
          new Promise<void>((resolve) => (notify = resolve)),
          ended,
          new Promise((resolve) => setTimeout(resolve, Math.min(left, 100))),
        ]);
      }
      return messages.slice(0, count);
    },
    close: () => abort.abort(),
  };
}
