import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';

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
      let lua = sources.get(script);
      if (!lua) {
        lua = loadScript(script);
        sources.set(script, lua);
      }
      redis.defineCommand(commandName(script), { numberOfKeys, lua });
    }
    defined.add(redis);
  }
  if (keys.length !== SCRIPTS[name]) {
    throw new Error(`script ${name} takes ${SCRIPTS[name]} keys, got ${keys.length}`);
  }
  const command = (redis as unknown as Record<string, (...a: Arg[]) => Promise<unknown>>)[commandName(name)]!;
  return command.call(redis, ...keys, ...args);
}

/**
 * Every script by the SHA1 Redis knows it by (EVALSHA), with its number of KEYS: lets a test read the
 * scripts run on a real Redis from MONITOR (the one-slot check of every script's keys).
 */
export function scriptDigests(): Map<string, { name: ScriptName; numberOfKeys: number }> {
  const out = new Map<string, { name: ScriptName; numberOfKeys: number }>();
  for (const [name, numberOfKeys] of Object.entries(SCRIPTS) as [ScriptName, number][]) {
    const lua = sources.get(name) ?? loadScript(name);
    out.set(createHash('sha1').update(lua).digest('hex'), { name, numberOfKeys });
  }
  return out;
}

function commandName(script: ScriptName): string {
  return `tq_${script}`;
}
