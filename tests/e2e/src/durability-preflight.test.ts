import { SERVICE_START_TIMEOUT_MS, freePort, metricSample } from '@tq/testing';
import type { ServiceKind } from './support/service';
import { HANDLERS_MODULE, Stack, describeOneRedisServer } from './support/stack';

const WARNING = /^Redis is not set up for tq's no-loss guarantee/;

/** The env each service needs besides REDIS_URL to start. */
async function baseEnv(kind: ServiceKind): Promise<Record<string, string>> {
  switch (kind) {
    case 'api':
      // GRPC_PORT 0: gRPC's default port 9090 is not the test's to take (a local stack may hold it).
      return { PORT: String(await freePort()), GRPC_PORT: '0' };
    case 'worker':
      return { METRICS_PORT: String(await freePort()), HANDLER_MODULES: HANDLERS_MODULE };
    case 'reaper':
      return { METRICS_PORT: String(await freePort()) };
  }
}

const KINDS: ServiceKind[] = ['api', 'worker', 'reaper'];

describeOneRedisServer(
  'issue 10 item 13: durability preflight of the real services against a Redis with appendonly no and allkeys-lru',
  () => {
    let stack: Stack | undefined;
    afterEach(async () => {
      await stack?.close();
      stack = undefined;
    });

    it.each(KINDS)(
      '%s: REDIS_REQUIRE_DURABLE=1 exits 1 saying what is wrong and how to fix it; unset, it starts, warns and exports the gauges',
      async (kind) => {
        stack = await Stack.start({ appendonly: false, extraArgs: ['--maxmemory-policy', 'allkeys-lru'] });
        const node = `127.0.0.1:${stack.redis.port}`;

        const refusing = stack.spawn(`${kind}-required`, kind, {
          ...(await baseEnv(kind)),
          REDIS_REQUIRE_DURABLE: '1',
        });
        await stack.until(undefined, () => !refusing.running, `${kind} with REDIS_REQUIRE_DURABLE=1 exits`);
        expect((await refusing.exited).code).toBe(1);
        const output = refusing.logs.join('\n');
        expect(output).toContain('REDIS_REQUIRE_DURABLE=1 and Redis is not durable');
        expect(output).toContain(`${node}: AOF is off`);
        expect(output).toContain('Set `appendonly yes`');
        expect(output).toContain(`${node}: maxmemory-policy is allkeys-lru`);
        expect(output).toContain('Set `maxmemory-policy noeviction`');
        // It refused before doing any work: the worker never started, the API never listened.
        expect(refusing.logged('worker started') || refusing.logged('reaper started')).toBe(false);
        expect(refusing.logged('listening')).toBe(false);

        const env = await baseEnv(kind);
        const running = stack.spawn(kind, kind, env);
        await stack.until(running, () => running.logged(WARNING), `${kind} warns about Redis`);
        const warning = running.entries().find((e) => WARNING.test(String(e.msg)))!;
        expect(warning).toMatchObject({ level: 40, node, aofEnabled: false, maxmemoryPolicy: 'allkeys-lru' });
        const metricsUrl = `http://127.0.0.1:${env.METRICS_PORT ?? env.PORT}/metrics`;
        const text = await stack.until(
          running,
          async () => {
            const body = await fetch(metricsUrl).then(
              (r) => r.text(),
              () => '',
            );
            return metricSample(body, 'tq_redis_aof_enabled', { node }) === 0 && body;
          },
          `${kind} exports tq_redis_aof_enabled`,
          SERVICE_START_TIMEOUT_MS,
        );
        expect(metricSample(text, 'tq_redis_maxmemory_policy_noeviction', { node })).toBe(0);
        expect(running.running).toBe(true);
      },
    );

    it('api: REDIS_REQUIRE_DURABLE=1 starts on AOF always with noeviction, without a warning', async () => {
      stack = await Stack.start({ appendonly: true, appendfsync: 'always' });
      const api = await stack.startApi({ REDIS_REQUIRE_DURABLE: '1' });
      await stack.until(api, () => api.logged('Redis persistence and memory settings checked'), 'checked');
      expect(api.logged(WARNING)).toBe(false);
    });
  },
);
