import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { PermanentError, RateLimitError } from '@tq/core';
import ipaddr from 'ipaddr.js';
import { Agent, Headers, fetch, type Response } from 'undici';
import { z } from 'zod';
import type { Handler } from '../types';
import { describeIssues } from './describe-issues';

/** Most bytes of the response body kept in the task's result. */
export const HTTP_BODY_MAX_BYTES = 4096;

/** RFC 9110 token: what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What a header value may hold: visible ASCII, space, tab and obs-text; never CR, LF or NUL. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/**
 * Headers the request's framing, routing and connection depend on: the worker sets them itself. A task
 * that sets them could smuggle a second request (Transfer-Encoding, Content-Length) or reach another
 * virtual host than the allowlist names (Host).
 */
const FORBIDDEN_HEADERS = new Set([
  'connection',
  'content-length',
  'expect',
  'host',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

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

/** Options of {@link createHttpHandler}. */
export interface HttpHandlerOptions {
  /**
   * Let DNS names in the allowlist resolve to loopback, private, link-local and other non-public
   * addresses (HTTP_TASK_ALLOW_PRIVATE_ADDRESSES). Default false. An allowlist entry that is an IP
   * address allows that address either way.
   */
  allowPrivateAddresses?: boolean;
}

/**
 * The built-in `http` handler, a Cloud-Tasks-style push: sends `{url, method = POST, headers?, body?}` (a
 * string body as is, anything else as JSON) with the task's AbortSignal. 2xx succeeds with `{status, body}`
 * (the body cut to 4 KiB). 5xx, 408, 429 and network errors are retried; other statuses fail permanently. A
 * 429 with a Retry-After header postpones the task that long without spending an attempt (RateLimitError).
 *
 * What a task may reach is closed: only hosts in `allowedHosts` ("host" on the scheme's default port, or
 * "host:port"); a DNS name only when every address it resolves to, checked when the connection is made
 * (so a name re-pointed after the check cannot slip through), is a public one; no redirects. A request
 * that can never succeed fails permanently at once: credentials in the URL, a header value with CR, LF
 * or NUL, a header the worker sets itself (Host, Transfer-Encoding, Content-Length, Connection, …).
 */
export function createHttpHandler(allowedHosts: string[], options: HttpHandlerOptions = {}): Handler {
  const allowed = allowedHosts.map(parseAllowedHost);
  const allowPrivate = options.allowPrivateAddresses ?? false;
  // One connection pool for the handler's requests; IP literals never go through lookup.
  const dispatcher = new Agent({ connect: { lookup: publicOnlyLookup(allowPrivate) } });
  return async ({ payload, signal }) => {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) {
      throw new PermanentError(`invalid http payload: ${describeIssues(parsed.error)}`);
    }
    const { url: rawUrl, method, headers = {}, body } = parsed.data;
    const url = new URL(rawUrl);
    if (url.username !== '' || url.password !== '') {
      throw new PermanentError(
        'the url carries a user or password (user:password@host): send credentials in a header such as Authorization',
      );
    }
    if (!isAllowed(url, allowed)) {
      throw new PermanentError(
        `host ${url.host} is not in HTTP_TASK_ALLOWED_HOSTS; add it to allow this task` +
          (url.port !== '' &&
          allowed.some((a) => a.port === undefined && a.hostname === url.hostname.toLowerCase())
            ? ` (an entry without a port allows only port ${defaultPort(url)}; list ${url.host})`
            : ''),
      );
    }
    const sendsBody = body !== undefined && body !== null;
    if (sendsBody && (method === 'GET' || method === 'HEAD')) {
      throw new PermanentError(`a ${method} request cannot have a body`);
    }
    const requestHeaders = new Headers(checkHeaders(headers));
    if (sendsBody && !requestHeaders.has('content-type')) {
      requestHeaders.set(
        'content-type',
        typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
      );
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: requestHeaders,
        body: sendsBody ? (typeof body === 'string' ? body : JSON.stringify(body)) : undefined,
        signal,
        redirect: 'manual',
        dispatcher,
      });
    } catch (error) {
      const refused = findCause(error, PrivateAddressError);
      if (refused) throw new PermanentError(refused.message);
      throw error;
    }
    const text = await readCapped(response, HTTP_BODY_MAX_BYTES);
    const status = response.status;
    if (status >= 200 && status < 300) return { status, body: text };
    const shown = withoutQueryValues(text.slice(0, 200), url);
    const error = `${method} ${url.origin}${url.pathname} answered ${status}${shown ? `: ${shown}` : ''}`;
    const retryAfter = status === 429 ? retryAfterMs(response.headers.get('retry-after')) : undefined;
    if (retryAfter !== undefined) throw new RateLimitError(retryAfter, error);
    if (status >= 500 || status === 408 || status === 429) throw new Error(error);
    if (status >= 300 && status < 400) throw new PermanentError(`${error} (redirects are not followed)`);
    throw new PermanentError(error);
  };
}

/**
 * `text` with the URL's query string and each of its values (raw and decoded) replaced by `***`. The error
 * names the URL without its query, which may carry a token; a target that echoes the request (tq's own API
 * does, in `instance`) must not put it back in the task's error and the worker's log.
 */
function withoutQueryValues(text: string, url: URL): string {
  const secrets = [
    url.search.slice(1),
    ...url.search
      .slice(1)
      .split('&')
      .map((p) => p.split('=')[1] ?? ''),
  ];
  for (const value of url.searchParams.values()) secrets.push(value);
  return secrets
    .filter((s) => s.length >= 3)
    .sort((a, b) => b.length - a.length)
    .reduce((out, secret) => out.split(secret).join('***'), text);
}

/** A Retry-After header (delay-seconds or an HTTP date) as ms from now; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The payload's headers if HTTP can carry them and the worker does not set them itself; otherwise a
 * PermanentError naming the header (never its value: it may be a secret).
 */
function checkHeaders(headers: Record<string, string>): Record<string, string> {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) {
      throw new PermanentError(
        `header name ${JSON.stringify(name.slice(0, 100))} is not an HTTP token (letters, digits and !#$%&'*+-.^_\`|~)`,
      );
    }
    if (FORBIDDEN_HEADERS.has(name.toLowerCase())) {
      throw new PermanentError(
        `header ${name} is set by the worker (it frames, routes or holds the connection); remove it from the payload`,
      );
    }
    if (!HEADER_VALUE.test(value)) {
      throw new PermanentError(
        /[\r\n\0]/.test(value)
          ? `header ${name}: its value contains a CR, LF or NUL character, which HTTP forbids (header injection)`
          : `header ${name}: its value has characters HTTP headers cannot carry (only Latin-1 without control characters)`,
      );
    }
  }
  return headers;
}

/** A DNS name that resolved to an address the handler may not call. */
class PrivateAddressError extends Error {
  constructor(hostname: string, address: string, range: string) {
    super(
      `host ${hostname} resolves to ${address} (${range}, not a public address); DNS names may only reach ` +
        'public addresses: list the address itself in HTTP_TASK_ALLOWED_HOSTS, or set HTTP_TASK_ALLOW_PRIVATE_ADDRESSES=1',
    );
    this.name = 'PrivateAddressError';
  }
}

/** The range ipaddr.js gives an address ('unicast' = public), IPv4-mapped IPv6 read as its IPv4. */
export function addressRange(address: string): string {
  let parsed = ipaddr.parse(address);
  if (parsed instanceof ipaddr.IPv6 && parsed.isIPv4MappedAddress()) parsed = parsed.toIPv4Address();
  return parsed.range();
}

/**
 * A `lookup` for the connections of the handler: resolves as usual, then refuses a name when any of its
 * addresses is not a public unicast one (loopback, private, link-local such as the cloud metadata
 * address 169.254.169.254, unique-local, CGNAT, multicast, reserved…), unless `allowPrivate`.
 */
function publicOnlyLookup(allowPrivate: boolean) {
  return (
    hostname: string,
    options: LookupOptions,
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      if (!allowPrivate) {
        for (const { address } of addresses) {
          const range = addressRange(address);
          if (range !== 'unicast') return callback(new PrivateAddressError(hostname, address, range), '');
        }
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** `error` or the first of its causes that is a `type`. */
function findCause<T extends Error>(error: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof type) return e;
  }
  return undefined;
}

interface AllowedHost {
  hostname: string;
  /** Absent: the scheme's default port only (80 for http, 443 for https). */
  port?: string;
}

/** Parses "example.com", "example.com:8080", "10.0.0.1:80", "[::1]:8080" or "[::1]". */
export function parseAllowedHost(entry: string): AllowedHost {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry.trim());
  if (!match) throw new Error(`"${entry}" is not a host name or host:port`);
  return { hostname: match[1]!.toLowerCase(), port: match[2] };
}

function defaultPort(url: URL): string {
  return url.protocol === 'https:' ? '443' : '80';
}

/** An entry without a port allows the default port only: "api.example.com" is not every service on it. */
function isAllowed(url: URL, allowed: AllowedHost[]): boolean {
  const hostname = url.hostname.toLowerCase();
  const port = url.port || defaultPort(url);
  return allowed.some((a) => a.hostname === hostname && (a.port ?? defaultPort(url)) === port);
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
