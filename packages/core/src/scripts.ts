import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, type Redis } from 'ioredis';

/** A connection to a single Redis (standalone, TLS or Sentinel) or to a Redis Cluster. */
export type RedisClient = Redis | Cluster;

const LUA_DIR = join(__dirname, 'lua');

/** Every script, by file name, with its number of KEYS. */
const SCRIPTS = {
  enqueue: 9,
  register: 1,
  remove_queue: 15,
  due: 4,
  claim: 9,
  extend: 2,
  complete: 7,
  complete_and_claim: 11,
  fail: 8,
  postpone: 9,
  release: 6,
  reap: 9,
  promote: 7,
  cancel: 8,
  finish_canceled: 7,
  run_now: 7,
  stats: 10,
  requeue_dead: 7,
  purge_dead: 2,
  trim: 5,
  archive_claim: 5,
  archive_confirm: 3,
  delete_task: 5,
  repair: 6,
  list_tasks: 2,
  list_groups: 1,
  heartbeat: 2,
  list_workers: 2,
  history: 1,
  progress: 3,
  events_listen: 1,
  register_schedule: 1,
  save_schedule: 3,
  delete_schedule: 2,
  due_schedules: 2,
  fire_schedules: 6,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
type Arg = string | number;

/** Reads a script and inlines its `-- @include <lib>` lines from lua/lib/. */
function loadScript(name: string): string {
  return readFileSync(join(LUA_DIR, `${name}.lua`), 'utf8').replace(
    /^-- @include (\w+)$/gm,
    (_, lib: string) => readFileSync(join(LUA_DIR, 'lib', `${lib}.lua`), 'utf8'),
  );
}

const sources = new Map<ScriptName, string>();
const defined = new WeakSet<RedisClient>();

/**
 * The only place scripts are loaded and run. ioredis sends EVALSHA and falls back to EVAL on
 * NOSCRIPT (after a Redis restart or failover), so callers never see a missing script.
 */
export function runScript(
  redis: RedisClient,
  name: ScriptName,
  keys: string[],
  args: Arg[],
): Promise<unknown> {
  if (!defined.has(redis)) {
    for (const [script, numberOfKeys] of Object.entries(SCRIPTS) as [ScriptName, number][]) {
      redis.defineCommand(commandName(script), { numberOfKeys, lua: source(script) });
    }
    defined.add(redis);
  }
  if (keys.length !== SCRIPTS[name]) {
    throw new Error(`script ${name} takes ${SCRIPTS[name]} keys, got ${keys.length}`);
  }
  const command = (redis as unknown as Record<string, (...a: Arg[]) => Promise<unknown>>)[commandName(name)]!;
  return command.call(redis, ...keys, ...args);
}

/** A script's reply, and how many replicas WAIT said hold the write (ADR 0044). */
export interface ReplicatedReply {
  reply: unknown;
  replicas: number;
}

/** Redirections a Cluster answers while slots move or a failover settles: the script did not run. */
const REDIRECTED = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /;
/** How many times a redirected script + WAIT pipeline is sent again, with the slot map refreshed. */
const REDIRECT_RETRIES = 5;

/**
 * Runs a script and then `WAIT replicas timeoutMs` on the same connection (ADR 0044): one pipeline, so on
 * a Cluster both go to the master of the slot the script's first key is in (WAIT has no key and counts the
 * replicas that acknowledged this connection's writes so far, hence the same connection). The script goes
 * as EVALSHA, and as EVAL when the server answers NOSCRIPT (ioredis's own fallback would resend it outside
 * the pipeline, after the WAIT). A redirected pipeline (MOVED, ASK, TRYAGAIN, CLUSTERDOWN: the script did
 * not run) is sent again after the slot map is refreshed, up to 5 times over about 0.75 s. WAIT blocks this connection on
 * the server for up to `timeoutMs` when replicas are missing.
 */
export async function runScriptAndWait(
  redis: RedisClient,
  name: ScriptName,
  keys: string[],
  args: Arg[],
  replicas: number,
  timeoutMs: number,
): Promise<ReplicatedReply> {
  if (keys.length !== SCRIPTS[name]) {
    throw new Error(`script ${name} takes ${SCRIPTS[name]} keys, got ${keys.length}`);
  }
  const lua = source(name);
  const sha = createHash('sha1').update(lua).digest('hex');
  let asEval = false;
  for (let attempt = 0; ; attempt++) {
    const pipeline = redis.pipeline();
    if (asEval) pipeline.eval(lua, keys.length, ...keys, ...args);
    else pipeline.evalsha(sha, keys.length, ...keys, ...args);
    pipeline.wait(replicas, timeoutMs);
    const results = (await pipeline.exec()) ?? [];
    const [scriptError, reply] = results[0] ?? [new Error('the pipeline was discarded')];
    const [waitError, acked] = results[1] ?? [new Error('the pipeline was discarded')];
    if (scriptError) {
      if (!asEval && scriptError.message.startsWith('NOSCRIPT')) {
        asEval = true;
        continue;
      }
      if (redis instanceof Cluster && REDIRECTED.test(scriptError.message) && attempt < REDIRECT_RETRIES) {
        await refreshSlots(redis, 50 * (attempt + 1));
        continue;
      }
      throw scriptError;
    }
    if (waitError) throw waitError;
    return { reply, replicas: Number(acked) };
  }
}

/** Refreshes the slot map, then waits `pauseMs` more: a failover may take a moment to show in it. */
function refreshSlots(cluster: Cluster, pauseMs: number): Promise<void> {
  return new Promise((resolve) => cluster.refreshSlotsCache(() => setTimeout(resolve, pauseMs)));
}

function source(name: ScriptName): string {
  let lua = sources.get(name);
  if (!lua) {
    lua = loadScript(name);
    sources.set(name, lua);
  }
  return lua;
}

/**
 * Every script by the SHA1 Redis knows it by (EVALSHA), with its number of KEYS: lets a test read the
 * scripts run on a real Redis from MONITOR (the one-slot check of every script's keys).
 */
export function scriptDigests(): Map<string, { name: ScriptName; numberOfKeys: number }> {
  const out = new Map<string, { name: ScriptName; numberOfKeys: number }>();
  for (const [name, numberOfKeys] of Object.entries(SCRIPTS) as [ScriptName, number][]) {
    const lua = source(name);
    out.set(createHash('sha1').update(lua).digest('hex'), { name, numberOfKeys });
  }
  return out;
}

function commandName(script: ScriptName): string {
  return `tq_${script}`;
}
