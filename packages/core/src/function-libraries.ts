import { redisMasters } from './connection';
import { FUNCTION_KEYS } from './keys';
import { scriptFunctions, type RedisClient } from './scripts';

/** A tq script library's name (scripts.ts buildLibrary): `tq_<script>_<16 hex digits of its code's digest>`. */
const LIBRARY_NAME = /^tq_[a-z_]+_[0-9a-f]{16}$/;

/** How long one reaper holds the pruning lock: far longer than a prune takes, short enough to retry soon. */
const LOCK_MS = 60_000;

/** What one prune did (pruneFunctionLibraries). */
export interface FunctionPrune {
  /** Libraries deleted, on every master that held them. */
  deleted: string[];
  /** Libraries of other tq versions kept: loaded within `unusedForMs`, or seen for the first time now. */
  kept: number;
  /** False when another reaper held the lock: nothing was looked at. */
  ran: boolean;
}

/** The `tq_*` script libraries a node holds (FUNCTION LIST answers `library_name <name> ...` per library). */
async function librariesOn(node: RedisClient): Promise<string[]> {
  const listed = (await node.function('LIST', 'LIBRARYNAME', 'tq_*')) as unknown[][];
  return listed
    .map((entry) => entry[entry.indexOf('library_name') + 1])
    .filter((name): name is string => typeof name === 'string' && LIBRARY_NAME.test(name));
}

/**
 * Deletes the script libraries of other tq versions that no process has loaded for `unusedForMs` (ADR 0065):
 * each version loads its scripts as libraries named by their code's digest (ADR 0047) and Redis keeps them,
 * ~1.1 MB a version, until deleted. Never this build's libraries. A library with no load on record (loaded
 * by a version before the record) is recorded as seen `now` and kept. Deleting one a process still calls
 * costs that process a load on its next call (scripts.ts runScript), nothing else. One prune at a time
 * (a lock with a TTL): replicas of the reaper do not decide on the same library at once. `now`: ms on the
 * loaders' clock (Date.now).
 */
export async function pruneFunctionLibraries(
  redis: RedisClient,
  unusedForMs: number,
  now: number = Date.now(),
): Promise<FunctionPrune> {
  if ((await redis.set(FUNCTION_KEYS.pruning, '1', 'PX', LOCK_MS, 'NX')) !== 'OK')
    return { deleted: [], kept: 0, ran: false };
  try {
    const own = new Set(scriptFunctions().keys());
    const nodes = redisMasters(redis);
    const held = await Promise.all(nodes.map(librariesOn));
    const others = new Set(held.flat().filter((name) => !own.has(name)));
    const loads = await redis.hgetall(FUNCTION_KEYS.loads);
    const deleted: string[] = [];
    const firstSeen: string[] = [];
    for (const name of others) {
      const loadedAt = loads[name];
      if (loadedAt === undefined) firstSeen.push(name, String(now));
      else if (now - Number(loadedAt) >= unusedForMs) deleted.push(name);
    }
    await Promise.all(
      nodes.flatMap((node, i) =>
        deleted
          .filter((name) => held[i]!.includes(name))
          .map((name) =>
            node.function('DELETE', name).catch((error: unknown) => {
              // Deleted meanwhile (an operator's FUNCTION FLUSH): what this prune wanted.
              if (!(error instanceof Error && /library not found/i.test(error.message))) throw error;
            }),
          ),
      ),
    );
    // The records of deleted libraries and of those no master holds any more (flushed, or gone with a node).
    const gone = Object.keys(loads).filter(
      (name) => !own.has(name) && (!others.has(name) || deleted.includes(name)),
    );
    if (gone.length > 0) await redis.hdel(FUNCTION_KEYS.loads, ...gone);
    if (firstSeen.length > 0) await redis.hset(FUNCTION_KEYS.loads, ...firstSeen);
    return { deleted, kept: others.size - deleted.length, ran: true };
  } finally {
    await redis.del(FUNCTION_KEYS.pruning).catch(() => 0); // else it lapses after LOCK_MS
  }
}
