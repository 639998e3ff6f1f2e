import { Writable } from 'node:stream';
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

/** The keys of one JSON object line, in order, duplicates kept (JSON.parse would drop them). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let j = i + 1;
      while (line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (depth === 1 && line[j + 1] === ':') keys.push(JSON.parse(line.slice(i, j + 1)) as string);
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return keys;
}

describe('worker log lines', () => {
  it('carry each key once: a component logger does not repeat "component" (log pipelines reject duplicate keys)', async () => {
    const raw: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        raw.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const gate = deferred();
    const h = await startHarness({
      redisUrl: server.url,
      visibilityTimeoutMs: 900,
      logger: createLogger('worker', 'info', stream),
      handlers: { slow: () => gate.promise },
    });
    const id = await h.enqueue('slow', null);
    await waitFor(async () => (await h.task(id)).status === 'running');
    // The lease keeper's next extend fails: it logs through its own component logger.
    await admin.replicaof('127.0.0.1', 1);
    try {
      await waitFor(() => raw.some((l) => l.includes('extending leases failed')));
    } finally {
      await admin.replicaof('NO', 'ONE');
      gate.resolve();
    }
    const keeperLine = raw.find((l) => l.includes('extending leases failed'))!;
    expect((JSON.parse(keeperLine) as { component: string }).component).toBe('lease-keeper');
    for (const line of raw) {
      const keys = topLevelKeys(line);
      expect({ line, duplicates: keys.filter((k, i) => keys.indexOf(k) !== i) }).toEqual({
        line,
        duplicates: [],
      });
    }
  });
});
