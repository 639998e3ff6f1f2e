import type { Response } from 'express';

/** The Content-Type express's res.json() sends for a string body it stringified. */
const JSON_UTF8 = 'application/json; charset=utf-8';

/**
 * Answers `status` with `body` as JSON: the same status, headers and bytes as express's
 * `res.status(status).json(body)` with the app's settings here (no `json replacer`, `json spaces` or
 * `json escape`; ETags off), for a request that is not GET or HEAD (express would check freshness and
 * strip the body of a HEAD). For the hot route (POST /tasks): res.json goes through a dozen setting and
 * header look-ups (res.get, the charset parse of Content-Type, the ETag check) and copies a body of 1000
 * bytes or more into a Buffer to measure it; this sets the two headers and writes the string once.
 */
export function sendJson(res: Response, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_UTF8);
  res.setHeader('Content-Length', Buffer.byteLength(text, 'utf8'));
  res.end(text, 'utf8');
}
