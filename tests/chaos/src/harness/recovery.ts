import type { PartitionedQueue } from '@tq/core';
import type { HandlerRecord, Kill } from './stack';

/** One attempt that was running on a worker when it was SIGKILLed, and what became of it. */
export interface KilledAttempt {
  value: number;
  id: string;
  attempt: number;
  killedAt: number;
  /** Kill → the reaper put the task back (the Redis time of its "lease expired" history entry), ms. */
  recoveryMs: number;
  /** Kill → the next attempt began on another worker, ms (undefined if none began). */
  rerunMs?: number;
}

/** The "lease expired" history entry the reaper writes when it recovers a task. */
const LEASE_EXPIRED = /lease expired/;

/**
 * For every kill: the attempts the victim had begun and never acknowledged (their task's history has a
 * "lease expired" entry for that attempt), with the time until the reaper recovered each (from Redis)
 * and until the next attempt began.
 */
export async function killedAttempts(
  queue: Pick<PartitionedQueue, 'getTask'>,
  kills: Kill[],
  starts: HandlerRecord[],
): Promise<KilledAttempt[]> {
  const out: KilledAttempt[] = [];
  for (const kill of kills) {
    for (const start of starts.filter((s) => s.pid === kill.pid && s.at <= kill.at)) {
      const task = await queue.getTask(start.id);
      const entry = task?.errors.find((e) => e.attempt === start.attempt && LEASE_EXPIRED.test(e.error));
      if (!entry) continue; // acknowledged before the kill
      const rerun = starts.find((s) => s.id === start.id && s.attempt === start.attempt + 1);
      out.push({
        value: start.value,
        id: start.id,
        attempt: start.attempt,
        killedAt: kill.at,
        recoveryMs: entry.at - kill.at,
        rerunMs: rerun ? rerun.at - kill.at : undefined,
      });
    }
  }
  return out;
}
