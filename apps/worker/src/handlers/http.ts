import { PermanentError } from '@tq/core';
import { z } from 'zod';
import type { Handler } from '../types';
import { describeIssues } from './describe-issues';

/** Most bytes of the response body kept in the task's result. */
export const HTTP_BODY_MAX_BYTES = 4096;

const payloadSchema = z.strictObject(
  {
    url: z.url({ protocol: /^https?$/, error: 'url must be an absolute http:// or https:// URL' }),
    method: z
      .enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], {
        error: 'method must be GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS',
      })
      .default('POST'),
    headers: z
      .record(z.string(), z.string(), { error: 'headers must be an object of string values' })
      .optional(),
    body: z.unknown().optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field ${issue.keys.join(', ')}`
        : 'the payload must be an object {url, method?, headers?, body?}',
  },
);

/**
 * The built-in `http` handler, a Cloud-Tasks-style push: sends `{url, method = POST, headers?, body?}` (a
 * string body as is, anything else as JSON) with the task's AbortSignal. 2xx succeeds with `{status, body}`
 * (the body cut to 4 KiB). 5xx, 408, 429 and network errors are retried; other statuses fail permanently.
 * Only hosts in `allowedHosts` ("host" or "host:port") may be called, so a task cannot reach arbitrary
 * services from inside the cluster. Redirects are not followed, for the same reason.
 */
export function createHttpHandler(allowedHosts: string[]): Handler {
  const allowed = allowedHosts.map(parseAllowedHost);
  return async ({ payload, signal }) => {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) {
      throw new PermanentError(`invalid http payload: ${describeIssues(parsed.error)}`);
    }
    const { url: rawUrl, method, headers = {}, body } = parsed.data;
    const url = new URL(rawUrl);
    if (!isAllowed(url, allowed)) {
      throw new PermanentError(
        `host ${url.host} is not in HTTP_TASK_ALLOWED_HOSTS; add it to allow this task`,
      );
    }
    const sendsBody = body !== undefined && body !== null;
    if (sendsBody && (method === 'GET' || method === 'HEAD')) {
      throw new PermanentError(`a ${method} request cannot have a body`);
    }
    const requestHeaders = new Headers(headers);
    if (sendsBody && !requestHeaders.has('content-type')) {
      requestHeaders.set(
        'content-type',
        typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
      );
    }
    const response = await fetch(url, {
      method,
      headers: requestHeaders,
      body: sendsBody ? (typeof body === 'string' ? body : JSON.stringify(body)) : undefined,
      signal,
      redirect: 'manual',
    });
    const text = await readCapped(response, HTTP_BODY_MAX_BYTES);
    const status = response.status;
    if (status >= 200 && status < 300) return { status, body: text };
    const error = `${method} ${url.origin}${url.pathname} answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    if (status >= 500 || status === 408 || status === 429) throw new Error(error);
    if (status >= 300 && status < 400) throw new PermanentError(`${error} (redirects are not followed)`);
    throw new PermanentError(error);
  };
}

interface AllowedHost {
  hostname: string;
  /** Absent: any port. */
  port?: string;
}

/** Parses "example.com", "example.com:8080", "10.0.0.1:80", "[::1]:8080" or "[::1]". */
export function parseAllowedHost(entry: string): AllowedHost {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry.trim());
  if (!match) throw new Error(`"${entry}" is not a host name or host:port`);
  return { hostname: match[1]!.toLowerCase(), port: match[2] };
}

function isAllowed(url: URL, allowed: AllowedHost[]): boolean {
  const hostname = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowed.some((a) => a.hostname === hostname && (a.port === undefined || a.port === port));
}

/** Reads at most `maxBytes` of the body and drops the rest unread (a huge reply must not fill memory). */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
      if (done || !value) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, maxBytes)).replace(/\uFFFD$/, '');
}
