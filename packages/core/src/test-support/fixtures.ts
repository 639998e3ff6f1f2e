import { randomQueueName } from '@tq/testing';
import { ManualClock } from '../clock';
import { createRedis } from '../connection';
import { newTaskId, parseTaskId } from '../ids';
import { groupPendingPrefix } from '../keys';
import { Queue } from '../queue';
import type { RedisClient } from '../scripts';
import type { NewTask, TaskPageRecord, TaskStatus } from '../types';

/** A connection to the suite's Redis (single or cluster, from REDIS_URL set by the global setup). */
export function connect(): RedisClient {
  const url = process.env.REDIS_URL;
  if (!url)
    throw new Error('REDIS_URL is not set: run the tests through jest (the global setup starts Redis)');
  return createRedis(url);
}

/** A fresh queue on its own random name, driven by a manual clock. */
export function freshQueue(redis: RedisClient): { queue: Queue; clock: ManualClock } {
  const clock = new ManualClock();
  return { queue: new Queue(redis, randomQueueName('core'), clock), clock };
}

/** A task for `queue` with sensible defaults. */
export function newTask(queue: Queue, overrides: Partial<NewTask> = {}): NewTask {
  return { id: newTaskId(queue.name), type: 'test', payload: '{"n":1}', maxAttempts: 3, ...overrides };
}

/** Enqueues tasks and returns their ids. */
export async function enqueue(queue: Queue, ...tasks: Partial<NewTask>[]): Promise<string[]> {
  const outcomes = await queue.enqueue(tasks.map((t) => newTask(queue, t)));
  return outcomes.map((o) => o.id);
}

const STATES = ['pending', 'scheduled', 'running', 'retry', 'dead', 'done', 'canceled'] as const;

const ZSET_STATES = ['scheduled', 'running', 'retry', 'dead', 'done', 'canceled'] as const;

/**
 * Where Redis holds each of `ids`: every structure that contains it, and its hash's status, read in one
 * pipeline (one round trip, so the randomized test stays fast on a busy machine). The invariant is that
 * each id is in exactly one state and that the task hash says the same.
 */
export async function whereAre(
  queue: Queue,
  ids: string[],
): Promise<{ states: TaskStatus[]; hashStatus: string | null }[]> {
  const k = queue.keys;
  const localIds = ids.map((id) => parseTaskId(id)?.localId ?? id.slice(id.indexOf('.') + 1));
  // A task with a group waits in its group's pending lists: read the groups first.
  const groups = await Promise.all(
    localIds.map((localId) => queue.redis.hget(`${k.taskPrefix}${localId}`, 'group')),
  );
  const pipeline = queue.redis.pipeline();
  for (const [i, localId] of localIds.entries()) {
    const group = groups[i];
    const pendingPrefix = group ? groupPendingPrefix(queue.name, group, queue.tag) : k.pendingPrefix;
    for (let p = 0; p < 10; p++) pipeline.call('LPOS', `${pendingPrefix}${p}`, localId, 'COUNT', 0);
    for (const state of ZSET_STATES) pipeline.zscore(k[state], localId);
    // A format 2 record leaves status out while pending (ADR 0045); its type field `t` says it exists.
    pipeline.hmget(`${k.taskPrefix}${localId}`, 'status', 't');
  }
  const replies = ((await pipeline.exec()) ?? []).map(([error, value]) => {
    if (error) throw error;
    return value;
  });
  const per = 10 + ZSET_STATES.length + 1;
  return ids.map((_, i) => {
    const r = replies.slice(i * per, (i + 1) * per);
    const states: TaskStatus[] = [];
    for (let p = 0; p < 10; p++) for (const _pos of r[p] as number[]) states.push('pending');
    ZSET_STATES.forEach((state, z) => {
      if (r[10 + z] !== null) states.push(state);
    });
    const [status, t] = r[per - 1] as [string | null, string | null];
    return { states, hashStatus: status ?? (t === null ? null : 'pending') };
  });
}

/** Where Redis holds `id` (see {@link whereAre}). */
export async function whereIs(
  queue: Queue,
  id: string,
): Promise<{ states: TaskStatus[]; hashStatus: string | null }> {
  return (await whereAre(queue, [id]))[0]!;
}

/** Asserts the invariant for each id: in exactly one state, and the hash agrees. */
export async function expectConsistent(queue: Queue, ids: string[]): Promise<Record<string, TaskStatus>> {
  const out: Record<string, TaskStatus> = {};
  const places = await whereAre(queue, ids);
  ids.forEach((id, i) => {
    const { states, hashStatus } = places[i]!;
    if (states.length !== 1 || states[0] !== hashStatus) {
      throw new Error(`task ${id} is in [${states.join(', ')}] but its hash says ${hashStatus}`);
    }
    out[id] = states[0]!;
  });
  return out;
}

export { STATES };

/** Every page of `state`, `limit` tasks at a time: the ids in the order listed, and the pages. */
export async function listAll(
  queue: Queue,
  state: TaskStatus,
  options: { limit?: number; type?: string; scanBudget?: number } = {},
): Promise<{ ids: string[]; pages: TaskPageRecord[] }> {
  const pages: TaskPageRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await queue.listTasks(state, { ...options, cursor });
    pages.push(page);
    cursor = page.next ?? undefined;
    if (pages.length > 100_000) throw new Error('listing never ended');
  } while (cursor !== undefined);
  return { ids: pages.flatMap((p) => p.tasks.map((t) => t.id)), pages };
}

/** The ids of `state` in the order a listing must show them, read straight from Redis. */
export async function expectedOrder(queue: Queue, state: TaskStatus): Promise<string[]> {
  const k = queue.keys;
  const full = (localIds: string[]) => localIds.map((id) => `${queue.name}.${id}`);
  if (state === 'pending') {
    const ids: string[] = [];
    for (let p = 9; p >= 0; p--)
      ids.push(...(await queue.redis.lrange(`${k.pendingPrefix}${p}`, 0, -1)).reverse());
    return full(ids);
  }
  const key = k[state];
  const descending = state === 'dead' || state === 'done' || state === 'canceled';
  return full(descending ? await queue.redis.zrevrange(key, 0, -1) : await queue.redis.zrange(key, 0, '-1'));
}

/** Collects the messages published on `channel` (a subscriber of its own, a duplicate of `redis`). */
export async function listen(
  redis: RedisClient,
  channel: string,
): Promise<{ messages: string[]; stop: () => Promise<void> }> {
  const subscriber = (redis.duplicate as () => RedisClient).call(redis);
  const messages: string[] = [];
  subscriber.on('message', (_channel: string, message: string) => messages.push(message));
  await subscriber.subscribe(channel);
  return { messages, stop: async () => void (await subscriber.quit()) };
}
