import { createRedis, type RedisClient } from '@tq/core';
import { createLogger } from '@tq/ops';
import { logSink, startRedisServer, waitFor, type RedisServer } from '@tq/testing';
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

describe('a failed acknowledgement', () => {
  it("is logged without the Redis command's arguments (the handler's result, the script)", async () => {
    const secret = 'sk_live_result_the_handler_returned';
    const logs = logSink();
    const lines = logs.lines;
    const gate = deferred();
    const h = await startHarness({
      redisUrl: server.url,
      logger: createLogger('worker', 'info', logs.stream),
      handlers: { charge: () => gate.promise.then(() => ({ apiKey: secret })) },
    });
    const id = await h.enqueue('charge', null);
    await waitFor(async () => (await h.task(id)).status === 'running');

    // Redis turns into a read-only replica (of a master nobody runs): the complete fails with a
    // ReplyError whose `command.args` hold the script and the result.
    await admin.replicaof('127.0.0.1', 1);
    try {
      gate.resolve();
      const logged = await waitFor(() => logs.find('acknowledging the task failed')[0]);
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
