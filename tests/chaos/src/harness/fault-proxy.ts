import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * - `pass`: bytes flow both ways.
 * - `blackhole`: nothing flows and nothing closes (both sides paused): a half-open link whose peer went
 *   silent, the case TCP notices only after minutes. Bytes sent meanwhile wait and flow on `pass`.
 * - `reset`: every connection is closed with a TCP RST, and new ones are reset at once.
 */
export type ProxyMode = 'pass' | 'blackhole' | 'reset';

interface Link {
  client: Socket;
  upstream: Socket;
}

/**
 * A userland TCP fault proxy between one client process and a server (there is no `tc netem` and no
 * toxiproxy server here): point the victim's REDIS_URL at `url` and switch `mode` to inject faults.
 */
export class FaultProxy {
  /** Connections accepted so far. */
  accepted = 0;
  /** Connections reset by `reset` mode. */
  resets = 0;
  private readonly links = new Set<Link>();
  private current: ProxyMode = 'pass';

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on a free port of 127.0.0.1 and forwards to `target`. */
  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const proxy = new FaultProxy(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => proxy.accept(client, target));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get mode(): ProxyMode {
    return this.current;
  }

  /** Switches mode; applies to open connections at once. */
  setMode(mode: ProxyMode): void {
    this.current = mode;
    for (const link of [...this.links]) this.apply(link);
  }

  /** Closes the listener and every connection. */
  async close(): Promise<void> {
    for (const { client, upstream } of this.links) {
      client.destroy();
      upstream.destroy();
    }
    this.links.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    this.accepted++;
    if (this.current === 'reset') {
      this.resets++;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const link = { client, upstream };
    this.links.add(link);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      this.links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
    this.apply(link);
  }

  private apply(link: Link): void {
    switch (this.current) {
      case 'pass':
        link.client.resume();
        link.upstream.resume();
        break;
      case 'blackhole':
        link.client.pause();
        link.upstream.pause();
        break;
      case 'reset':
        this.resets++;
        this.links.delete(link);
        link.client.resetAndDestroy();
        link.upstream.destroy();
        break;
    }
  }
}
