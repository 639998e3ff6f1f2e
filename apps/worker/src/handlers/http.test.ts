import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PermanentError, RateLimitError } from '@tq/core';
import { createLogger } from '@tq/ops';
import type { HandlerContext } from '../types';
import { addressRange, createHttpHandler, parseAllowedHost, retryAfterMs } from './http';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('http handler', () => {
  let server: Server;
  let port: number;
  const seen: Seen[] = [];
  let reply: { status: number; body?: string; headers?: Record<string, string> } = { status: 200 };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
    reply = { status: 200 };
  });

  const ctx = (payload: unknown, signal = new AbortController().signal): HandlerContext => ({
    id: 'q.01',
    queue: 'q',
    type: 'http',
    payload,
    attempt: 1,
    maxAttempts: 3,
    startedAt: Date.now(),
    signal,
    logger: createLogger('test', 'silent'),
    progress: () => Promise.resolve(true),
  });
  const handler = () => createHttpHandler([`127.0.0.1:${port}`]);

  it('POSTs a JSON body by default and returns the status and body', async () => {
    reply = { status: 201, body: 'created' };
    const result = await handler()(
      ctx({ url: `http://127.0.0.1:${port}/hook?x=1`, body: { a: 1 }, headers: { 'x-token': 't' } }),
    );
    expect(result).toEqual({ status: 201, body: 'created' });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/hook?x=1', body: '{"a":1}' });
    expect(seen[0]!.headers).toMatchObject({ 'content-type': 'application/json', 'x-token': 't' });
  });

  it('sends a string body as text, with the given method', async () => {
    await handler()(ctx({ url: `http://127.0.0.1:${port}/`, method: 'PUT', body: 'plain' }));
    expect(seen[0]).toMatchObject({ method: 'PUT', body: 'plain' });
    expect(seen[0]!.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('keeps at most 4 KiB of the response body', async () => {
    reply = { status: 200, body: 'y'.repeat(100_000) };
    const result = (await handler()(ctx({ url: `http://127.0.0.1:${port}/` }))) as { body: string };
    expect(result.body).toHaveLength(4096);
  });

  it.each([500, 503, 408, 429])('throws a retryable error on %i', async (status) => {
    reply = { status, body: 'try later' };
    const error = await handler()(ctx({ url: `http://127.0.0.1:${port}/x` })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentError);
    expect((error as Error).message).toBe(`POST http://127.0.0.1:${port}/x answered ${status}: try later`);
  });

  it("keeps the URL's query values out of its error when the target echoes them", async () => {
    reply = { status: 404, body: '{"instance":"/tasks/x?token=Q%2BSECRET3&n=1","echo":"Q+SECRET3"}' };
    const url = `http://127.0.0.1:${port}/tasks/x?token=Q%2BSECRET3&n=1`;
    const error = await handler()(ctx({ url })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toBe(
      `POST http://127.0.0.1:${port}/tasks/x answered 404: {"instance":"/tasks/x?***","echo":"***"}`,
    );
  });

  it('postpones the task on a 429 with Retry-After, for that long (RateLimitError)', async () => {
    reply = { status: 429, body: 'slow down', headers: { 'retry-after': '7' } };
    const error = await handler()(ctx({ url: `http://127.0.0.1:${port}/x` })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({
      retryAfterMs: 7000,
      message: expect.stringMatching(/answered 429: slow down/),
    });
  });

  it('reads Retry-After as seconds or an HTTP date, and ignores what it cannot read', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it.each([400, 404, 410, 302])('fails permanently on %i', async (status) => {
    reply = { status, headers: status === 302 ? { location: 'http://elsewhere.example/' } : {} };
    await expect(handler()(ctx({ url: `http://127.0.0.1:${port}/x` }))).rejects.toBeInstanceOf(
      PermanentError,
    );
  });

  it('refuses a host that is not allowed, naming the variable to change', async () => {
    const refused = createHttpHandler([`127.0.0.1:${port + 1}`, 'example.com'])(
      ctx({ url: `http://127.0.0.1:${port}/` }),
    );
    await expect(refused).rejects.toThrow(
      new PermanentError(
        `host 127.0.0.1:${port} is not in HTTP_TASK_ALLOWED_HOSTS; add it to allow this task`,
      ),
    );
    await expect(createHttpHandler([])(ctx({ url: 'https://example.com/' }))).rejects.toThrow(
      'host example.com is not in HTTP_TASK_ALLOWED_HOSTS',
    );
    expect(seen).toHaveLength(0);
  });

  it('accepts host:port entries that match the port', async () => {
    await createHttpHandler([`127.0.0.1:${port}`])(ctx({ url: `http://127.0.0.1:${port}/` }));
    expect(seen).toHaveLength(1);
    expect(parseAllowedHost('[::1]:8080')).toEqual({ hostname: '[::1]', port: '8080' });
    expect(parseAllowedHost('API.example.com')).toEqual({ hostname: 'api.example.com', port: undefined });
    expect(() => parseAllowedHost('http://x')).toThrow('not a host name or host:port');
  });

  it('reads an entry without a port as the default port only, never as every port of the host', async () => {
    const refused = createHttpHandler(['127.0.0.1'])(ctx({ url: `http://127.0.0.1:${port}/` }));
    await expect(refused).rejects.toThrow(
      new PermanentError(
        `host 127.0.0.1:${port} is not in HTTP_TASK_ALLOWED_HOSTS; add it to allow this task ` +
          `(an entry without a port allows only port 80; list 127.0.0.1:${port})`,
      ),
    );
    expect(seen).toHaveLength(0);
  });

  describe('requests that can never succeed fail permanently, before anything is sent', () => {
    const cases: [what: string, payload: unknown, message: string][] = [
      [
        'credentials in the url',
        { url: `http://user:s3cret@127.0.0.1:PORT/` },
        'the url carries a user or password (user:password@host): send credentials in a header such as Authorization',
      ],
      [
        'a CR LF in a header value',
        { url: 'http://127.0.0.1:PORT/', headers: { 'x-note': 'a\r\nX-Injected: 1' } },
        'header x-note: its value contains a CR, LF or NUL character, which HTTP forbids (header injection)',
      ],
      [
        'a NUL in a header value',
        { url: 'http://127.0.0.1:PORT/', headers: { 'x-note': 'a\u0000b' } },
        'header x-note: its value contains a CR, LF or NUL character',
      ],
      [
        'a character outside Latin-1 in a header value',
        { url: 'http://127.0.0.1:PORT/', headers: { 'x-note': 'snow ☃' } },
        'header x-note: its value has characters HTTP headers cannot carry',
      ],
      [
        'a header name that is not a token',
        { url: 'http://127.0.0.1:PORT/', headers: { 'bad name': 'x' } },
        'header name "bad name" is not an HTTP token',
      ],
      ...['Transfer-Encoding', 'content-length', 'Host', 'Connection', 'upgrade', 'TE', 'expect'].map(
        (name) =>
          [
            `the ${name} header`,
            { url: 'http://127.0.0.1:PORT/', headers: { [name]: name === 'Host' ? 'internal' : 'chunked' } },
            `header ${name} is set by the worker (it frames, routes or holds the connection); remove it from the payload`,
          ] as [string, unknown, string],
      ),
    ];
    it.each(cases)('%s', async (_what, payload, message) => {
      const withPort = JSON.parse(JSON.stringify(payload).replace('PORT', String(port))) as unknown;
      const error = await handler()(ctx(withPort)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentError);
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).not.toContain('s3cret');
      expect(seen).toHaveLength(0);
    });
  });

  describe('DNS names resolving to non-public addresses', () => {
    it('refuses a name that resolves to loopback, naming the address and the way to allow it', async () => {
      const error = await createHttpHandler([`localhost:${port}`])(
        ctx({ url: `http://localhost:${port}/` }),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentError);
      expect((error as Error).message).toMatch(
        /^host localhost resolves to (127\.0\.0\.1|::1) \(loopback, not a public address\); .* HTTP_TASK_ALLOW_PRIVATE_ADDRESSES=1$/,
      );
      expect(seen).toHaveLength(0);
    });

    it('calls it with HTTP_TASK_ALLOW_PRIVATE_ADDRESSES', async () => {
      const result = await createHttpHandler([`localhost:${port}`], { allowPrivateAddresses: true })(
        ctx({ url: `http://localhost:${port}/hook` }),
      );
      expect(result).toEqual({ status: 200, body: '' });
      expect(seen[0]).toMatchObject({ url: '/hook' });
    });

    it('lets an allowlisted IP address through: the operator named it', async () => {
      await createHttpHandler([`127.0.0.1:${port}`])(ctx({ url: `http://127.0.0.1:${port}/` }));
      expect(seen).toHaveLength(1);
    });

    it.each([
      ['127.0.0.1', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['192.168.1.1', 'private'],
      ['169.254.169.254', 'linkLocal'],
      ['100.64.0.1', 'carrierGradeNat'],
      ['0.0.0.0', 'unspecified'],
      ['::1', 'loopback'],
      ['fe80::1', 'linkLocal'],
      ['fd00::1', 'uniqueLocal'],
      ['::ffff:10.0.0.1', 'private'],
      ['8.8.8.8', 'unicast'],
      ['2606:4700::1111', 'unicast'],
    ])('classifies %s as %s', (address, range) => {
      expect(addressRange(address)).toBe(range);
    });
  });

  it('fails permanently on an invalid payload', async () => {
    await expect(handler()(ctx('http://x'))).rejects.toThrow(
      new PermanentError(
        'invalid http payload: the payload must be an object {url, method?, headers?, body?}',
      ),
    );
    await expect(handler()(ctx({ url: 'ftp://x/' }))).rejects.toThrow(
      'url: url must be an absolute http:// or https:// URL',
    );
    await expect(
      handler()(ctx({ url: `http://127.0.0.1:${port}/`, method: 'GET', body: 'x' })),
    ).rejects.toThrow('a GET request cannot have a body');
  });

  it('passes network errors on as retryable, with their cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await createHttpHandler([`127.0.0.1:${deadPort}`])(
      ctx({ url: `http://127.0.0.1:${deadPort}/` }),
    ).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(PermanentError);
    expect(String((error as Error).cause)).toMatch(/ECONNREFUSED/);
  });

  it('stops the request when the signal aborts', async () => {
    const controller = new AbortController();
    const hanging = createServer(() => undefined); // never answers
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const hangingPort = (hanging.address() as AddressInfo).port;
      const call = createHttpHandler([`127.0.0.1:${hangingPort}`])(
        ctx({ url: `http://127.0.0.1:${hangingPort}/` }, controller.signal),
      );
      controller.abort(new Error('timed out'));
      await expect(call).rejects.toThrow('timed out');
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });
});
