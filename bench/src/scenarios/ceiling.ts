/**
 * Scenario "ceiling": how fast this machine's Redis and Node can move a fenced task at all, as a yardstick for
 * tq's figures. A minimal loop in the harness process, with its own two scripts on one hash slot:
 *   enqueue: per task one HSET (payload) and one LPUSH, in calls of `bulkBatch`;
 *   ack+claim: acknowledges the previous batch (each ack checked against its lease token, the fence: a stale
 *   token is refused), then pops up to 100 ids and leases each (token in the hash, deadline in a ZSET).
 * No validation, no metrics, no retries, no lease extension, one process, the handler an async no-op, 100
 * tasks in flight. Recorded in the `ceiling` column of tq's rows: bulk enqueue, 1×100 processing, worker CPU
 * per task (this process) and Redis memory per pending task, so the report shows tq ÷ ceiling.
 */
import { Redis } from 'ioredis';
import { type Context } from '../context';
import { clockMs } from '../ipc';
import { redisCpuSeconds } from '../probe';
import { bulkMetric } from './enqueue';

const PENDING = '{ceil}:pending';
const RUNNING = '{ceil}:running';
const TASK = '{ceil}:t:';
const IN_FLIGHT = 100;
const LEASE_MS = 30_000;

const ENQUEUE = `
for i = 1, #ARGV, 2 do
  redis.call('HSET', KEYS[3] .. ARGV[i], 'p', ARGV[i + 1])
  redis.call('LPUSH', KEYS[1], ARGV[i])
end
return #ARGV / 2`;

// ARGV: lease ms, how many to claim, token prefix, then id, token pairs to acknowledge.
const ACK_CLAIM = `
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local refused = 0
for i = 4, #ARGV, 2 do
  local key = KEYS[3] .. ARGV[i]
  if redis.call('HGET', key, 'k') == ARGV[i + 1] then
    redis.call('ZREM', KEYS[2], ARGV[i])
    redis.call('DEL', key)
  else
    refused = refused + 1
  end
end
local out = { refused }
local ids = redis.call('RPOP', KEYS[1], tonumber(ARGV[2]))
if ids then
  local deadline = ms + tonumber(ARGV[1])
  for n, id in ipairs(ids) do
    local token = ARGV[3] .. n
    local key = KEYS[3] .. id
    redis.call('HSET', key, 'k', token)
    redis.call('ZADD', KEYS[2], deadline, id)
    out[#out + 1] = id
    out[#out + 1] = token
    out[#out + 1] = redis.call('HGET', key, 'p')
  end
end
return out`;

interface CeilingRedis extends Redis {
  ceilEnqueue(pending: string, running: string, task: string, ...args: string[]): Promise<number>;
  ceilAckClaim(
    pending: string,
    running: string,
    task: string,
    ...args: (string | number)[]
  ): Promise<string[]>;
}

function connect(url: string): CeilingRedis {
  const redis = new Redis(url, { connectionName: 'bench-ceiling' });
  redis.defineCommand('ceilEnqueue', { numberOfKeys: 3, lua: ENQUEUE });
  redis.defineCommand('ceilAckClaim', { numberOfKeys: 3, lua: ACK_CLAIM });
  return redis as CeilingRedis;
}

let idCounter = 0;
async function enqueue(redis: CeilingRedis, n: number, batch: number, payload: string): Promise<void> {
  for (let sent = 0; sent < n; sent += batch) {
    const args: string[] = [];
    for (let i = 0; i < Math.min(batch, n - sent); i++) args.push(String(++idCounter), payload);
    await redis.ceilEnqueue(PENDING, RUNNING, TASK, ...args);
  }
}

/** Drains the pending list: ack the last batch and claim the next in one call, run each handler, repeat. */
async function drain(redis: CeilingRedis, handler: (payload: unknown) => Promise<void>): Promise<number> {
  let acks: string[] = [];
  let done = 0;
  for (let round = 0; ; round++) {
    const [refused, ...flat] = await redis.ceilAckClaim(
      PENDING,
      RUNNING,
      TASK,
      LEASE_MS,
      IN_FLIGHT,
      `${round}.`,
      ...acks,
    );
    if (Number(refused) !== 0) throw new Error(`ceiling loop: ${String(refused)} acks refused`);
    done += acks.length / 2;
    if (flat.length === 0) return done;
    const runs: Promise<void>[] = [];
    acks = [];
    for (let i = 0; i < flat.length; i += 3) {
      runs.push(handler(JSON.parse(flat[i + 2] ?? 'null')));
      acks.push(flat[i] ?? '', flat[i + 1] ?? '');
    }
    await Promise.all(runs);
  }
}

export async function runCeiling(ctx: Context): Promise<void> {
  const { sizes } = ctx;
  const payload = JSON.stringify('hello world');
  const layout = sizes.drain.find((d) => d.processes === 1 && d.concurrency === IN_FLIGHT);
  const n = layout?.n ?? sizes.memoryN;
  const noop = async (_: unknown) => {};
  for (let r = 0; r < ctx.repeat; r++) {
    const redis = connect(ctx.redisUrl);
    try {
      await ctx.redis.flushall();
      await enqueue(redis, 2, 2, payload); // warm-up: scripts loaded
      await drain(redis, noop);

      const mem0 = Number(/used_memory:(\d+)/.exec(await ctx.redis.info('memory'))?.[1]);
      const t0 = clockMs();
      await enqueue(redis, n, sizes.bulkBatch, payload);
      const enqueueRate = n / ((clockMs() - t0) / 1000);
      const mem1 = Number(/used_memory:(\d+)/.exec(await ctx.redis.info('memory'))?.[1]);
      ctx.record(bulkMetric(sizes.bulkBatch), 'ceiling', enqueueRate);
      ctx.record(
        {
          id: 'memory.pending',
          scenario: '5 cost per task',
          label: 'Redis memory per pending task (payload "hello world")',
          unit: 'bytes/task',
          better: 'lower',
        },
        'ceiling',
        (mem1 - mem0) / n,
      );

      const cpu0 = process.cpuUsage();
      const redisCpu0 = await redisCpuSeconds(ctx.redis);
      const t1 = clockMs();
      const done = await drain(redis, noop);
      const seconds = (clockMs() - t1) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const redisCpu = (await redisCpuSeconds(ctx.redis)) - redisCpu0;
      if (done !== n) throw new Error(`ceiling loop processed ${done} of ${n}`);
      ctx.record(
        {
          id: `process.1x${IN_FLIGHT}`,
          scenario: '3 processing',
          label: `noop tasks processed, 1 worker process, concurrency ${IN_FLIGHT}`,
          unit: 'tasks/s',
          better: 'higher',
        },
        'ceiling',
        n / seconds,
      );
      ctx.record(
        {
          id: 'cpu.worker',
          scenario: '5 cost per task',
          label: `worker process CPU per processed task (1×${IN_FLIGHT})`,
          unit: 'µs/task',
          better: 'lower',
        },
        'ceiling',
        (cpu.user + cpu.system) / n,
      );
      ctx.record(
        {
          id: 'cpu.redis',
          scenario: '5 cost per task',
          label: `Redis CPU per processed task (1×${IN_FLIGHT})`,
          unit: 'µs/task',
          better: 'lower',
        },
        'ceiling',
        (redisCpu * 1e6) / n,
      );
      ctx.log(`ceiling r${r + 1} done`);
    } catch (error) {
      ctx.fail(`ceiling r${r + 1}`, error);
    } finally {
      redis.disconnect();
    }
  }
}
