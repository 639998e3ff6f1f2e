import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { jsonDepth } from './json-depth';
import { HttpProblem } from './problem';

/** Room for the JSON around a payload (type, queue, options, a batch's brackets), bytes. */
export const ENVELOPE_SLACK_BYTES = 64 * 1024;
/**
 * Deepest nesting of a request body. Far beyond any real task, and it keeps every later step
 * (JSON.stringify of the payload, the response) from overflowing the stack on hostile input.
 */
export const MAX_JSON_DEPTH = 100;

/** Options of {@link jsonBody}. */
export interface JsonBodyOptions {
  /** MAX_PAYLOAD_BYTES: the body may be this plus ENVELOPE_SLACK_BYTES long. */
  maxPayloadBytes: number;
}

/**
 * Reads a JSON request body into `req.body` (undefined when there is none). Answers 415 for another
 * media type, charset or content coding; 400 for malformed JSON (with the line and column) or nesting
 * deeper than MAX_JSON_DEPTH; 413 over the limit. The limit is enforced while reading, and a 413 closes
 * the connection at once: express.json() (body-parser) drains the whole body before it answers, so a
 * client streaming a huge chunked body would hold the request open until it finished.
 */
export function jsonBody({ maxPayloadBytes }: JsonBodyOptions): RequestHandler {
  const limit = maxPayloadBytes + ENVELOPE_SLACK_BYTES;
  const tooLarge = (what: string) =>
    new HttpProblem(
      'payload-too-large',
      `${what}; the limit is ${limit} bytes (MAX_PAYLOAD_BYTES ${maxPayloadBytes} + ${ENVELOPE_SLACK_BYTES} for the JSON around the payload)`,
      { closeConnection: true },
    );

  return (req: Request, _res: Response, next: NextFunction) => {
    req.body = undefined;
    if (!hasBody(req)) return next();
    checkMediaType(req);
    const declared = Number(req.headers['content-length']);
    if (declared > limit) throw tooLarge(`the body is ${declared} bytes (Content-Length)`);

    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort);
      if (error) return next(error);
      try {
        req.body = parseJson(Buffer.concat(chunks, size));
        next();
      } catch (e) {
        next(e);
      }
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        settle(tooLarge(`the body is over ${limit} bytes`));
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = () => settle();
    const onAbort = () =>
      settle(
        new HttpProblem('invalid-request', 'the request body ended before it was complete', {
          closeConnection: true,
        }),
      );
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onAbort);
  };
}

/** Like type-is: a body is coming when it is chunked or declares a length above 0. */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** The body is left unread: closing the connection spares reading (and discarding) all of it. */
const UNREAD = { closeConnection: true };

/** Accepts application/json and application/*+json in UTF-8, not content-encoded. */
function checkMediaType(req: IncomingMessage): void {
  const header = req.headers['content-type'];
  const [mediaType = '', ...params] = (header ?? '').split(';').map((s) => s.trim().toLowerCase());
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) {
    throw new HttpProblem(
      'unsupported-media-type',
      header === undefined
        ? 'the request has a body but no Content-Type; send Content-Type: application/json'
        : `Content-Type ${JSON.stringify(header)} is not supported; send Content-Type: application/json`,
      UNREAD,
    );
  }
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new HttpProblem(
      'unsupported-media-type',
      `charset ${JSON.stringify(charset)} is not supported; send UTF-8 JSON`,
      UNREAD,
    );
  }
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    throw new HttpProblem(
      'unsupported-media-type',
      `Content-Encoding ${JSON.stringify(encoding)} is not supported; send the JSON uncompressed`,
      UNREAD,
    );
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses the body; a malformed body gets a 400 saying where parsing stopped. */
function parseJson(raw: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new HttpProblem('malformed-json', 'the body is not valid UTF-8');
  }
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpProblem(
      'malformed-json',
      `the body is not valid JSON: ${describeSyntaxError(text, error as Error)}`,
    );
  }
  if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    const message = `the JSON nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`;
    throw new HttpProblem('invalid-request', message, { errors: [{ field: '', message }] });
  }
  return value;
}

/** V8's message plus the line and column, which V8 gives only as an offset (or not at all at the end). */
function describeSyntaxError(text: string, error: Error): string {
  const at = /at position (\d+)/.exec(error.message);
  const offset = at ? Number(at[1]) : /end of JSON input/.test(error.message) ? text.length : undefined;
  if (offset === undefined) return error.message;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `${error.message.replace(/ \(line \d+ column \d+\)$/, '')} (line ${line}, column ${column})`;
}
