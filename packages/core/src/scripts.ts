import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, Command, type Redis } from 'ioredis';
import { FUNCTION_KEYS, hashSlot } from './keys';

/** A connection to a single Redis (standalone, TLS or Sentinel) or to a Redis Cluster. */
export type RedisClient = Redis | Cluster;

const LUA_DIR = join(__dirname, 'lua');

/** Every script, by file name, with its number of KEYS. */
const SCRIPTS = {
  enqueue: 1,
  register: 1,
  remove_queue: 15,
  due: 5,
  claim: 1,
  extend: 2,
  complete: 1,
  complete_and_claim: 1,
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
  set_limits: 2,
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
  resize_partitions: 1,
} as const;

export type ScriptName = keyof typeof SCRIPTS;

/**
 * The scripts that only add data: on a full Redis (maxmemory) they are refused as a whole, before they run.
 * Every other script runs there (function flag `allow-oom`, ADR 0047), as under EVAL, where a script whose
 * first write frees memory (a claim's LMPOP, an acknowledgement's ZREM, retention's deletes) ran to its end:
 * claims, acknowledgements and retention are what free a full Redis.
 */
const REFUSED_WHEN_FULL = new Set<ScriptName>([
  'enqueue',
  'register',
  'heartbeat',
  'progress',
  'events_listen',
  'register_schedule',
  'save_schedule',
  'fire_schedules',
  'resize_partitions',
]);
type Arg = string | number;

/** A script as a Redis function library (ADR 0047), and the one function it registers. */
interface Library {
  /** The function's name, also the library's: the script's name and a digest of its code. */
  fn: string;
  /** The library's code, for FUNCTION LOAD. */
  code: string;
  /** The same script for EVAL (its includes inline), when Redis refuses to load the library. */
  source: string;
}

/**
 * Builds a script's library: the files its `-- @include <lib>` lines name (from lua/lib/, in that order),
 * defined once when the library is loaded, then the script's own text as the body of its function, which
 * takes KEYS and ARGV as EVAL gave them. A script's code is never defined again per call (it was under EVAL:
 * ~33 k of a one-task claim's instructions, issue 18). The name carries a digest of the code, so versions of
 * tq side by side (a rolling upgrade) each call their own.
 */
function buildLibrary(name: ScriptName): Library {
  const own = readFileSync(join(LUA_DIR, `${name}.lua`), 'utf8');
  const libs: string[] = [];
  const source = own.replace(/^-- @include (\w+)$/gm, (_, lib: string) => {
    libs.push(readFileSync(join(LUA_DIR, 'lib', `${lib}.lua`), 'utf8'));
    return libs.at(-1)!;
  });
  const body = own.replace(/^-- @include (\w+)$/gm, '');
  const flags = REFUSED_WHEN_FULL.has(name) ? '' : "'allow-oom'";
  const code =
    `${libs.join('\n')}\nredis.register_function{ function_name = '%FN%', flags = { ${flags} },\n` +
    `callback = function(KEYS, ARGV)\n${body}\nend }\n`;
  const fn = `tq_${name}_${createHash('sha1').update(code).digest('hex').slice(0, 16)}`;
  return { fn, code: `#!lua name=${fn}\n${code.replace('%FN%', fn)}`, source };
}

const libraries = new Map<ScriptName, Library>();

function library(name: ScriptName): Library {
  let lib = libraries.get(name);
  if (!lib) libraries.set(name, (lib = buildLibrary(name)));
  return lib;
}

/** What Redis answers an FCALL of a function it does not hold: restarted or failed over without the data. */
function isMissingFunction(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('ERR Function not found');
}

/** What Redis answers an FCALL from an ACL user without `fcall`: the script goes as EVAL. */
function isFcallDenied(error: unknown): boolean {
  return error instanceof Error && /^NOPERM .*'fcall'/.test(error.message);
}

/** The loads on their way, per connection and library: the calls that met a missing function share one. */
const loading = new WeakMap<RedisClient, Map<string, Promise<boolean>>>();

/**
 * Loads a script's library (FUNCTION LOAD REPLACE: loading the same code twice is harmless) on the Redis,
 * or on every master of a Cluster (a function lives on each node; replicas get it from their master).
 * Answers whether it did: a full Redis (maxmemory) refuses FUNCTION LOAD, and so does an ACL without it;
 * the caller then sends the script as EVAL, which both let run, as before ADR 0047.
 */
function loadLibrary(redis: RedisClient, lib: Library): Promise<boolean> {
  let byFn = loading.get(redis);
  if (!byFn) loading.set(redis, (byFn = new Map<string, Promise<boolean>>()));
  let load = byFn.get(lib.fn);
  if (!load) {
    // connection.ts redisMasters, spelled here: connection.ts takes RedisClient from this module (no cycles).
    const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
    // The load is recorded first (ADR 0065): a reaper deletes another version's library only when no process
    // has recorded a load of it for a while. Best effort: a full Redis refuses the record, and the load too.
    load = redis
      .hset(FUNCTION_KEYS.loads, lib.fn, String(Date.now()))
      .catch(() => 0)
      .then(() => Promise.all(nodes.map((node) => node.function('LOAD', 'REPLACE', lib.code))))
      .then(
        () => true,
        () => false,
      )
      .finally(() => byFn.delete(lib.fn));
    byFn.set(lib.fn, load);
  }
  return load;
}

/**
 * The only place scripts are run: FCALL of the script's function (ADR 0047). A Redis that does not hold it
 * (first use, a restart or failover without the data, FUNCTION FLUSH) answers "Function not found": the
 * library is loaded and the call sent again, once (as EVAL when the load was refused), so callers never see
 * a missing script. An ACL user without `fcall` gets its scripts as EVAL. Encoded by {@link ScriptCommand}.
 */
export function runScript(
  redis: RedisClient,
  name: ScriptName,
  keys: string[],
  args: Arg[],
  buffers = false,
): Promise<unknown> {
  if (keys.length !== SCRIPTS[name]) {
    throw new Error(`script ${name} takes ${SCRIPTS[name]} keys, got ${keys.length}`);
  }
  const errorStack = redis.options.showFriendlyErrorStack === true;
  const command = new ScriptCommand(name, keys, args, errorStack, false, buffers);
  command.promise = command.promise.catch(async (error: Error) => {
    if (isFcallDenied(error))
      return redis.sendCommand(new ScriptCommand(name, keys, args, errorStack, true, buffers));
    if (!isMissingFunction(error)) throw error;
    const loaded = await loadLibrary(redis, library(name));
    return redis.sendCommand(new ScriptCommand(name, keys, args, errorStack, !loaded, buffers));
  });
  return redis.sendCommand(command) as Promise<unknown>;
}

/** Any UTF-16 code unit outside ASCII (surrogates included). */
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * One FCALL (or EVAL) of a tq script as an ioredis command, encoded the way a batch's many arguments
 * want: ioredis's own command copies them with `flat()` and measures each with `Buffer.byteLength`, about
 * 1 µs of the producer's CPU per enqueued task (14 arguments); here a command that is all ASCII (one scan
 * says so) takes each argument's length as its byte count.
 * The RESP it writes is ioredis's, byte for byte.
 */
class ScriptCommand extends Command {
  /** `buffers`: the reply's strings stay Buffers (the caller decodes them), else they become strings. */
  constructor(
    script: ScriptName,
    keys: string[],
    args: Arg[],
    errorStack: boolean,
    asEval: boolean,
    buffers = false,
  ) {
    // The arguments are set after super(): ioredis would copy and convert them.
    super(asEval ? 'eval' : 'fcall', [], {
      replyEncoding: buffers ? null : 'utf8',
      errorStack: errorStack ? new Error() : undefined,
    });
    const lib = library(script);
    // Filled by index, not an array literal: V8 tenured the literal's allocation site (every array it made
    // during start-up outlived a scavenge), and from then on each call's array was made in the old
    // generation, where it kept that call's strings and through them its reply alive past every scavenge:
    // ~400 KB copied and promoted per scavenge of an idle worker, 3-8 ms pauses instead of ~1 (issue 18
    // target 3, docs/performance.md round 4).
    const all = new Array<string>(2 + keys.length + args.length);
    all[0] = asEval ? lib.source : lib.fn;
    all[1] = String(keys.length);
    let i = 2;
    for (const key of keys) all[i++] = key;
    for (const arg of args) all[i++] = typeof arg === 'string' ? arg : String(arg);
    this.args = all;
  }

  override toWritable(): string {
    const args = this.args as string[];
    // Keys, ids and numbers are ASCII, and most payloads: then every length is the string's, and one
    // scan of the whole command says so. Otherwise each argument is measured in UTF-8.
    const out = resp(this.name, args, false);
    return NON_ASCII.test(out) ? resp(this.name, args, true) : out;
  }
}

/** `\r\n$<n>\r\n` by n, made once each: the part between two arguments of a command. */
const LENGTH_HEADS: string[] = [];
const CACHED_HEADS = 1024;

/**
 * The RESP text of command `name` with `args`, each argument's length its UTF-8 byte count when `utf8`,
 * else its string length. One join of the parts makes the text flat at once: built by `+=`, it was a chain
 * of intermediate strings that the ASCII scan then copied flat again (half the garbage of encoding a
 * claim or complete, and about 1.5 µs less per such command, issue 18 target 3).
 */
function resp(name: string, args: string[], utf8: boolean): string {
  const parts = new Array<string>(args.length * 2 + 2);
  parts[0] = `*${args.length + 1}\r\n$${name.length}\r\n${name}`;
  let j = 1;
  for (const arg of args) {
    const n = utf8 ? Buffer.byteLength(arg) : arg.length;
    parts[j++] = n < CACHED_HEADS ? (LENGTH_HEADS[n] ??= `\r\n$${n}\r\n`) : `\r\n$${n}\r\n`;
    parts[j++] = arg;
  }
  parts[j] = '\r\n';
  return parts.join('');
}

/** A script's reply, and how many replicas WAIT said hold the write (ADR 0044). */
export interface ReplicatedReply {
  reply: unknown;
  replicas: number;
}

/** Redirections a Cluster answers while slots move or a failover settles: the script did not run. */
const REDIRECTED = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /;
/** How many times a redirected script is sent again, with the slot map refreshed. */
const REDIRECT_RETRIES = 5;
/** Most script calls one WAIT answers for. */
const MAX_CALLS_PER_WAIT = 100;

interface WaitingCall {
  name: ScriptName;
  keys: string[];
  args: Arg[];
  /** Sent again after the server answered "Function not found" and the library was loaded. */
  reloaded: boolean;
  /** Sent as EVAL: the server refused to load the library. */
  asEval: boolean;
  redirects: number;
  resolve: (reply: ReplicatedReply) => void;
  reject: (error: unknown) => void;
}

/** The script calls of one slot waiting for a WAIT, and whether a pipeline of them is out. */
interface Lane {
  busy: boolean;
  waiting: WaitingCall[];
}

const lanes = new WeakMap<RedisClient, Map<string, Lane>>();

/**
 * Runs a script, then `WAIT replicas timeoutMs` on the same connection (ADR 0044), and answers the script's
 * reply with the count WAIT gave. WAIT has no key and counts the replicas that acknowledged this
 * connection's writes so far, so script and WAIT go in one pipeline: ioredis writes a pipeline on one
 * connection, and a Cluster client routes it by its keys, so both reach the master of the script's slot.
 *
 * WAIT blocks the connection on the server until it answers (up to `timeoutMs` when replicas are missing),
 * so calls are group-committed per slot: while one pipeline is out, the calls that come meanwhile wait and
 * go next as one pipeline (up to 100 scripts) closed by one WAIT. Without replicas each call then waits at
 * most about two timeouts instead of queueing behind one WAIT per call.
 *
 * Scripts go as FCALL (ADR 0047); one that met "Function not found" goes again, once, after its library
 * was loaded, or as EVAL when the load was refused (as runScript, but inside the pipeline, before its
 * WAIT); a script the Cluster redirects (MOVED, ASK, TRYAGAIN, CLUSTERDOWN: it did
 * not run) goes again after the slot map is refreshed, up to 5 times.
 */
export function runScriptAndWait(
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
  const slot = redis instanceof Cluster ? hashSlot(keys[0]!) : 0;
  const laneKey = `${slot} ${replicas} ${timeoutMs}`;
  let byKey = lanes.get(redis);
  if (!byKey) lanes.set(redis, (byKey = new Map<string, Lane>()));
  let lane = byKey.get(laneKey);
  if (!lane) byKey.set(laneKey, (lane = { busy: false, waiting: [] }));
  const queued = lane;
  return new Promise<ReplicatedReply>((resolve, reject) => {
    queued.waiting.push({ name, keys, args, reloaded: false, asEval: false, redirects: 0, resolve, reject });
    if (!queued.busy)
      drainLane(redis, queued, replicas, timeoutMs).catch((error: unknown) => {
        for (const call of queued.waiting.splice(0)) call.reject(error);
      });
  });
}

/** Sends a lane's waiting calls, one pipeline closed by WAIT at a time, until none is left. */
async function drainLane(redis: RedisClient, lane: Lane, replicas: number, timeoutMs: number): Promise<void> {
  lane.busy = true;
  try {
    while (lane.waiting.length > 0) {
      const batch = lane.waiting.splice(0, MAX_CALLS_PER_WAIT);
      const pipeline = redis.pipeline();
      for (const call of batch) {
        const lib = library(call.name);
        if (call.asEval) pipeline.eval(lib.source, call.keys.length, ...call.keys, ...call.args);
        else pipeline.fcall(lib.fn, call.keys.length, ...call.keys, ...call.args);
      }
      pipeline.wait(replicas, timeoutMs);
      let results: [Error | null, unknown][];
      try {
        results = (await pipeline.exec()) ?? [];
      } catch (error) {
        for (const call of batch) call.reject(error);
        continue;
      }
      const discarded: [Error, unknown] = [new Error('the pipeline was discarded'), null];
      const [waitError, acked] = results[batch.length] ?? discarded;
      const again: WaitingCall[] = [];
      const missing = new Set<ScriptName>();
      batch.forEach((call, i) => {
        const [error, reply] = results[i] ?? discarded;
        if (!error) {
          if (waitError) call.reject(waitError);
          else call.resolve({ reply, replicas: Number(acked) });
        } else if (!call.asEval && isFcallDenied(error)) {
          call.asEval = true;
          again.push(call);
        } else if (!call.reloaded && isMissingFunction(error)) {
          call.reloaded = true;
          missing.add(call.name);
          again.push(call);
        } else if (
          redis instanceof Cluster &&
          REDIRECTED.test(error.message) &&
          call.redirects < REDIRECT_RETRIES
        ) {
          call.redirects++;
          again.push(call);
        } else {
          call.reject(error);
        }
      });
      for (const name of missing) {
        if (await loadLibrary(redis, library(name))) continue;
        for (const call of again) if (call.name === name) call.asEval = true;
      }
      lane.waiting.unshift(...again);
      const redirects = Math.max(0, ...again.map((c) => c.redirects));
      if (redis instanceof Cluster && redirects > 0) await refreshSlots(redis, 50 * redirects);
    }
  } finally {
    lane.busy = false;
  }
}

/** Refreshes the slot map, then waits `pauseMs` more: a failover may take a moment to show in it. */
function refreshSlots(cluster: Cluster, pauseMs: number): Promise<void> {
  return new Promise((resolve) => cluster.refreshSlotsCache(() => setTimeout(resolve, pauseMs)));
}

/**
 * Every script by the name of the function Redis knows it by (FCALL), with its number of KEYS: lets a test
 * read the scripts run on a real Redis from MONITOR (the one-slot check of every script's keys).
 */
export function scriptFunctions(): Map<string, { name: ScriptName; numberOfKeys: number }> {
  const out = new Map<string, { name: ScriptName; numberOfKeys: number }>();
  for (const [name, numberOfKeys] of Object.entries(SCRIPTS) as [ScriptName, number][]) {
    out.set(library(name).fn, { name, numberOfKeys });
  }
  return out;
}
