import { connect, createServer, type Server, type Socket } from 'node:net';
import { FaultProxy } from './fault-proxy';

/** An echo server and a client through the proxy; `received` collects what comes back. */
async function setUp(): Promise<{ echo: Server; proxy: FaultProxy; client: Socket; received: () => string }> {
  const echo = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const proxy = await FaultProxy.start({
    host: '127.0.0.1',
    port: (echo.address() as { port: number }).port,
  });
  const client = connect(proxy.port, '127.0.0.1');
  let data = '';
  client.on('data', (chunk) => (data += chunk.toString()));
  client.on('error', () => undefined);
  await new Promise((resolve) => client.once('connect', resolve));
  return { echo, proxy, client, received: () => data };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await pause(5);
  }
}

describe('FaultProxy', () => {
  let world: Awaited<ReturnType<typeof setUp>>;
  beforeEach(async () => (world = await setUp()));
  afterEach(async () => {
    world.client.destroy();
    await world.proxy.close();
    await new Promise((resolve) => world.echo.close(resolve));
  });

  it('passes bytes both ways', async () => {
    world.client.write('ping');
    await until(() => world.received() === 'ping');
    expect(world.proxy.accepted).toBe(1);
  });

  it('holds bytes in a blackhole without closing, and delivers them when healed', async () => {
    world.proxy.setMode('blackhole');
    world.client.write('held');
    await pause(150);
    expect(world.received()).toBe('');
    expect(world.client.destroyed).toBe(false);
    world.proxy.setMode('pass');
    await until(() => world.received() === 'held');
  });

  it('resets open connections and refuses new ones with a reset until healed', async () => {
    const closed = new Promise<Error | undefined>((resolve) => world.client.once('error', resolve));
    world.proxy.setMode('reset');
    expect((await closed)?.message).toMatch(/ECONNRESET/);

    const again = connect(world.proxy.port, '127.0.0.1');
    const error = await new Promise<Error>((resolve) => again.once('error', resolve));
    expect(error.message).toMatch(/ECONNRESET/);

    world.proxy.setMode('pass');
    const healed = connect(world.proxy.port, '127.0.0.1');
    let data = '';
    healed.on('data', (chunk) => (data += chunk.toString()));
    healed.write('back');
    await until(() => data === 'back');
    healed.destroy();
    expect(world.proxy.resets).toBe(2);
  });
});
