import { createServer } from 'node:net';

/** Redis Cluster listens for its bus on the client port + 10000 (and 65535 is the highest port). */
const CLUSTER_BUS_OFFSET = 10000;
const MAX_TRIES = 100;

/**
 * A TCP port on 127.0.0.1 that was free a moment ago. Another process can still take it before the caller
 * binds it, so callers retry on "address in use". With `clusterBus` (default false) port + 10000 is free too.
 */
export async function freePort({ clusterBus = false } = {}): Promise<number> {
  for (let i = 0; i < MAX_TRIES; i++) {
    const port = await bindAndRelease(0);
    if (!clusterBus) return port;
    const bus = port + CLUSTER_BUS_OFFSET;
    if (bus <= 65535 && (await isFree(bus))) return port;
  }
  throw new Error(`no free port on 127.0.0.1 after ${MAX_TRIES} tries`);
}

function isFree(port: number): Promise<boolean> {
  return bindAndRelease(port).then(
    () => true,
    () => false,
  );
}

function bindAndRelease(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('listening socket has no TCP address'));
      });
    });
  });
}
