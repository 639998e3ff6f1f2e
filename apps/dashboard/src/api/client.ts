import { readToken } from './token';

/** An API answer that is not 2xx, with the problem+json details the API sends. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The problem type's slug (urn:tq:problem:<slug>), or "network" when no answer came. */
    readonly slug: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | undefined | null>;

/** Calls the tq API with the tab's bearer token. */
export class ApiClient {
  constructor(private readonly baseUrl: string) {}

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, query);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, undefined, body);
  }

  patch<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PATCH', path, undefined, body);
  }

  delete<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('DELETE', path, undefined, body);
  }

  /** The absolute URL of an API path (shown to the operator, never with the token). */
  url(path: string, query?: Query): string {
    const url = new URL(path.replace(/^\//, ''), this.baseUrl);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
    }
    return url.href;
  }

  private async request<T>(method: string, path: string, query?: Query, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = readToken();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(this.url(path, query), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // Credentials travel in the Authorization header only; no cookies are involved.
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (error) {
      throw new ApiError(
        0,
        'network',
        `the API at ${this.baseUrl} did not answer (${(error as Error).message})`,
      );
    }
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: a proxy's error page, say. The status tells what happened.
    }
    if (!response.ok) {
      const problem = (parsed ?? {}) as { type?: string; detail?: string; title?: string };
      const slug = problem.type?.replace(/^urn:tq:problem:/, '') ?? `http-${response.status}`;
      throw new ApiError(
        response.status,
        slug,
        problem.detail ?? problem.title ?? `${method} ${path} answered ${response.status}`,
      );
    }
    return parsed as T;
  }
}
