import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, Command, type Redis } from 'ioredis';
import { hashSlot } from './keys';

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
  resize_partitions: 1,
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
const digests = new Map<string, string>();
/** The connections (sockets) each script was sent on as EVAL since they last answered NOSCRIPT. */
const loadedOn = new Map<ScriptName, WeakSet<object>>();

/**
 * The only place scripts are loaded and run. Sent as EVALSHA, as EVAL the first time on a connection and
 * again after NOSCRIPT (after a Redis restart or failover), so callers never see a missing script: what
 * ioredis's `defineCommand` does, with the cheaper encoding of {@link ScriptCommand}.
 */
export function runScript(
  redis: RedisClient,
  name: ScriptName,
  keys: string[],
  args: Arg[],
): Promise<unknown> {
  if (keys.length !== SCRIPTS[name]) {
    throw new Error(`script ${name} takes ${SCRIPTS[name]} keys, got ${keys.length}`);
  }
  const errorStack = redis.options.showFriendlyErrorStack === true;
  const command = new ScriptCommand(name, keys, args, errorStack);
  command.promise = command.promise.catch((error: Error) => {
    if (!error.message.includes('NOSCRIPT')) throw error;
    // The server lost its scripts (a restart, a failover): the command goes again, as EVAL.
    if (command.sentOn) loadedOn.get(name)?.delete(command.sentOn);
    return redis.sendCommand(new ScriptCommand(name, keys, args, errorStack));
  });
  return redis.sendCommand(command) as Promise<unknown>;
}

/** Any UTF-16 code unit outside ASCII (surrogates included). */
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * One EVALSHA (or EVAL) of a tq script as an ioredis command, encoded the way a batch's many arguments
 * want: ioredis's own command copies them with `flat()` and measures each with `Buffer.byteLength`, about
 * 1 µs of the producer's CPU per enqueued task (14 arguments); here a command that is all ASCII (one scan
 * says so) takes each argument's length as its byte count.
 * The RESP it writes is ioredis's, byte for byte.
 */
class ScriptCommand extends Command {
  /** The connection's socket it was last written to. */
  sentOn: object | undefined;

  constructor(
    private readonly script: ScriptName,
    keys: string[],
    args: Arg[],
    errorStack: boolean,
  ) {
    // The arguments are set after super(): ioredis would copy and convert them.
    super('evalsha', [], { replyEncoding: 'utf8', errorStack: errorStack ? new Error() : undefined });
    const all: string[] = [digest(source(script)), String(keys.length), ...keys];
    for (const arg of args) all.push(typeof arg === 'string' ? arg : String(arg));
    this.args = all;
  }

  override toWritable(socket: object): string {
    let loaded = loadedOn.get(this.script);
    if (!loaded) loadedOn.set(this.script, (loaded = new WeakSet()));
    const args = this.args as string[];
    if (!loaded.has(socket)) {
      loaded.add(socket);
      this.name = 'eval';
      args[0] = source(this.script);
    } else if (this.name === 'eval') {
      this.name = 'evalsha';
      args[0] = digest(source(this.script));
    }
    this.sentOn = socket;
    const head = `*${args.length + 1}\r\n$${this.name.length}\r\n${this.name}\r\n`;
    // Keys, ids and numbers are ASCII, and most payloads: then every length is the string's, and one
    // scan of the whole command says so. Otherwise each argument is measured in UTF-8.
    let out = head;
    for (const arg of args) out += `$${arg.length}\r\n${arg}\r\n`;
    if (!NON_ASCII.test(out)) return out;
    out = head;
    for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
    return out;
  }
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
  /** Sent as EVAL after the server answered NOSCRIPT. */
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
 * Scripts go as EVALSHA, as EVAL after NOSCRIPT (ioredis's own fallback would resend them outside the
 * pipeline, after the WAIT); a script the Cluster redirects (MOVED, ASK, TRYAGAIN, CLUSTERDOWN: it did
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
    queued.waiting.push({ name, keys, args, asEval: false, redirects: 0, resolve, reject });
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
        const lua = source(call.name);
        if (call.asEval) pipeline.eval(lua, call.keys.length, ...call.keys, ...call.args);
        else pipeline.evalsha(digest(lua), call.keys.length, ...call.keys, ...call.args);
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
      batch.forEach((call, i) => {
        const [error, reply] = results[i] ?? discarded;
        if (!error) {
          if (waitError) call.reject(waitError);
          else call.resolve({ reply, replicas: Number(acked) });
        } else if (!call.asEval && error.message.startsWith('NOSCRIPT')) {
          call.asEval = true;
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

function source(name: ScriptName): string {
  let lua = sources.get(name);
  if (!lua) {
    lua = loadScript(name);
    sources.set(name, lua);
  }
  return lua;
}

/** The SHA1 Redis knows a script by (EVALSHA). */
function digest(lua: string): string {
  let sha = digests.get(lua);
  if (!sha) {
    sha = createHash('sha1').update(lua).digest('hex');
    digests.set(lua, sha);
  }
  return sha;
}

/**
 * Every script by the SHA1 Redis knows it by (EVALSHA), with its number of KEYS: lets a test read the
 * scripts run on a real Redis from MONITOR (the one-slot check of every script's keys).
 */
export function scriptDigests(): Map<string, { name: ScriptName; numberOfKeys: number }> {
  const out = new Map<string, { name: ScriptName; numberOfKeys: number }>();
  for (const [name, numberOfKeys] of Object.entries(SCRIPTS) as [ScriptName, number][]) {
    const lua = source(name);
    out.set(digest(lua), { name, numberOfKeys });
  }
  return out;
}
