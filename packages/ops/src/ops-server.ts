import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface OpsServerOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  host?: string;
  registry: Registry;
  /** Readiness: true when the service can do its work (Redis answers). */
  ready: () => Promise<boolean>;
}

/** A running ops endpoint: `/metrics`, `/healthz` (process up) and `/readyz`. */
export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `/metrics` (Prometheus text format), `/healthz` (200 while the process runs: liveness must not
 * depend on Redis, or a Redis outage restarts every pod) and `/readyz` (200 when `ready()` says so).
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    if (req.method !== 'GET') return send(405, 'text/plain', 'method not allowed\n');
    if (path === '/healthz') return send(200, 'application/json', '{"status":"ok"}\n');
    if (path === '/readyz') {
      options.ready().then(
        (ok) =>
          send(
            ok ? 200 : 503,
            'application/json',
            ok ? '{"status":"ready"}\n' : '{"status":"redis unavailable"}\n',
          ),
        () => send(503, 'application/json', '{"status":"redis unavailable"}\n'),
      );
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => send(200, options.registry.contentType, text),
        (error: Error) => send(500, 'text/plain', `metrics failed: ${error.message}\n`),
      );
      return;
    }
    send(404, 'text/plain', 'not found: try /metrics, /healthz or /readyz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
