/**
 * Scenario 8 (idempotency key): what @tq/client's generated Idempotency-Key costs per task. The client
 * gives every submit without a key a random one (16 base64url characters, 96 bits) so that its retries on
 * no answer or 503 never store a task twice. The API then keeps `tq:{q}:idem:<key>` ("<fingerprint> <id>",
 * for the window asked for) and the key in the task's hash, and hashes the submission for the fingerprint. Measured through TaskService.submit (what POST /tasks calls), one at a time with
 * `enqueueOneInFlight` in flight, without a key and with a generated one (and the 10-minute window the client
 * asks for with it, so the key leaves Redis long before the API's 24 h default), payload "hello world":
 * Redis used_memory per pending task, and enqueue throughput.
 */
import { randomBytes } from 'node:crypto';
import { createRedis } from '@tq/core';
import { TaskRepository, TaskService } from '@tq/task';
import { sleep, type Context } from '../context';
import { clockMs } from '../ipc';
import { redisCpuSeconds, usedMemory } from '../probe';

const QUEUE = 'bench-idempotency';
const SCENARIO = '8 generated idempotency key';
const VARIANTS = ['without', 'generated'] as const;
const TASK = { type: 'noop', payload: 'hello world', queue: QUEUE };
/** The window @tq/client asks for with default options (packages/client/src/client.ts). */
const GENERATED_KEY_TTL_MS = 600_000;

/** The key @tq/client generates (packages/client/src/idempotency-key.ts): 12 random bytes, base64url. */
const generatedKey = () => randomBytes(12).toString('base64url');

export async function runIdempotency(ctx: Context): Promise<void> {
  const n = ctx.sizes.memoryN;
  const redis = createRedis(ctx.redisUrl, { connectionName: 'bench-idempotency' });
  const service = new TaskService(new TaskRepository(redis));
  // As the client sends it: the key in the header, a window of 10 minutes in the body.
  const submit = (variant: (typeof VARIANTS)[number]) =>
    variant === 'generated'
      ? service.submit({ ...TASK, idempotencyTtlMs: GENERATED_KEY_TTL_MS }, generatedKey())
      : service.submit(TASK);
  const submitAll = async (variant: (typeof VARIANTS)[number], count: number) => {
    let next = 0;
    const lane = async () => {
      while (next < count) {
        next++;
        await submit(variant);
      }
    };
    await Promise.all(Array.from({ length: ctx.sizes.enqueueOneInFlight }, lane));
  };
  try {
    for (let r = 0; r < ctx.repeat; r++) {
      for (const variant of VARIANTS) {
        try {
          await ctx.redis.flushall();
          await submitAll(variant, 10); // scripts loaded, queue registered
          await sleep(100);
          const m0 = await usedMemory(ctx.redis);
          const redisCpu0 = await redisCpuSeconds(ctx.redis);
          const cpu0 = process.cpuUsage();
          const t0 = clockMs();
          await submitAll(variant, n);
          const rate = n / ((clockMs() - t0) / 1000);
          const cpu = process.cpuUsage(cpu0);
          // CPU per task is the steadier figure on a shared machine (wall time swings with the load).
          const producerUs = (cpu.user + cpu.system) / n;
          const redisUs = (((await redisCpuSeconds(ctx.redis)) - redisCpu0) * 1e6) / n;
          await sleep(100);
          const perTask = ((await usedMemory(ctx.redis)) - m0) / n;
          ctx.record(
            {
              id: `idem.memory.${variant}`,
              scenario: SCENARIO,
              label: `Redis memory per pending task, ${variant === 'generated' ? 'with a generated key' : 'no key'}`,
              unit: 'bytes/task',
              better: 'lower',
            },
            'tq',
            perTask,
          );
          ctx.record(
            {
              id: `idem.enqueue.${variant}`,
              scenario: SCENARIO,
              label: `TaskService.submit one at a time (${ctx.sizes.enqueueOneInFlight} in flight), ${variant === 'generated' ? 'with a generated key' : 'no key'}`,
              unit: 'tasks/s',
              better: 'higher',
            },
            'tq',
            rate,
          );
          for (const [what, value] of [
            ['producer', producerUs],
            ['redis', redisUs],
          ] as const) {
            ctx.record(
              {
                id: `idem.cpu.${what}.${variant}`,
                scenario: SCENARIO,
                label: `${what === 'redis' ? 'Redis' : 'producer (TaskService)'} CPU per submit, ${variant === 'generated' ? 'with a generated key' : 'no key'}`,
                unit: 'µs/task',
                better: 'lower',
              },
              'tq',
              value,
            );
          }
          ctx.log(
            `idempotency r${r + 1} ${variant}: ${Math.round(perTask)} B/task, ${Math.round(rate)} tasks/s, ` +
              `CPU ${producerUs.toFixed(1)} µs producer + ${redisUs.toFixed(1)} µs Redis per task`,
          );
        } catch (error) {
          ctx.fail(`idempotency ${variant} r${r + 1}`, error);
        }
      }
    }
  } finally {
    await redis.quit();
  }
}
