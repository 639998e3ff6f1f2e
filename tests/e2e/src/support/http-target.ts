import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP server the `http` tasks call: each path answers a script of statuses, the last one repeating. */
export class HttpTarget {
  /** Requests by path, with the time each arrived (Date.now()). */
  readonly hits = new Map<string, number[]>();
  private readonly scripts = new Map<string, number[]>();
  private server: Server | undefined;
  port = 0;

  /** `path` answers these statuses in turn; the last repeats. */
  route(path: string, statuses: number[]): string {
    this.scripts.set(path, statuses);
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = req.url ?? '/';
      const hits = this.hits.get(path) ?? [];
      hits.push(Date.now());
      this.hits.set(path, hits);
      const script = this.scripts.get(path) ?? [404];
      const status = script[Math.min(hits.length, script.length) - 1]!;
      req.resume();
      res.writeHead(status, { 'content-type': 'text/plain' }).end(`status ${status} for hit ${hits.length}`);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
