/** How long one of the tests' own API calls may take: sized for a busy machine. */
const CALL_TIMEOUT_MS = 30_000;

/** Calls to the API the tests make themselves (seeding data, checking what the UI did), with a token. */
export class Api {
  constructor(
    private readonly url: () => string,
    private readonly token: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(this.url() + path, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      // A call that hangs fails naming itself, well before the test's own timeout.
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    }).catch((error: unknown) => {
      throw new Error(`${method} ${path}: no answer (${(error as Error).message})`, { cause: error });
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async ok<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.call<T>(method, path, body);
    if (res.status >= 300)
      throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }
}

export interface TaskJson {
  id: string;
  status: string;
  attempt: number;
  errors: unknown[];
}

export interface QueueJson {
  name: string;
  paused: boolean;
  counts: Record<string, number>;
}
