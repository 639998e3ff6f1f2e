import { Writable } from 'node:stream';
import { createRedis, type RedisClient } from '@tq/core';
import { createLogger } from '@tq/ops';
import { startRedisServer, waitFor, type RedisServer } from '@tq/testing';
import { closeHarnesses, deferred, startHarness } from './test-support/harness';

let server: RedisServer;
let admin: RedisClient;

beforeAll(async () => {
  // A private Redis: this test turns it into a replica.
  server = await startRedisServer();
  admin = createRedis(server.url);
});

afterEach(closeHarnesses);

afterAll(async () => {
  await admin.quit();
  await server.stop();
});

/** A logger whose JSON lines land in `lines`. */
function capturingLogger(lines: Record<string, unknown>[]) {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return createLogger('worker', 'info', sink);
}

describe('a failed acknowledgement', () => {
  it("is logged without the Redis command's arguments (the handler's result, the script)", async () => {
    const secret = 'sk_live_result_the_handler_returned';
    const lines: Record<string, unknown>[] = [];
    const gate = deferred();
    const h = await startHarness({
      redisUrl: server.url,
      logger: capturingLogger(lines),
      handlers: { charge: () => gate.promise.then(() => ({ apiKey: secret })) },
    });
    const id = await h.enqueue('charge', null);
    await waitFor(async () => (await h.task(id)).status === 'running');

    // Redis turns into a read-only replica (of a master nobody runs): the complete fails with a
    // ReplyError whose `command.args` hold the script and the result.
    await admin.replicaof('127.0.0.1', 1);
    try {
      gate.resolve();
      const logged = await waitFor(() =>
        lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('acknowledging the task failed')),
      );
      expect(logged.err).toMatchObject({ type: 'ReplyError', message: expect.stringMatching(/READONLY/) });
      expect((logged.err as { command?: string }).command).toMatch(/^eval/);
    } finally {
      await admin.replicaof('NO', 'ONE');
    }
    const everything = JSON.stringify(lines);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain('redis.call'); // the Lua source
    expect(everything).not.toContain('"args"');
  });
});
