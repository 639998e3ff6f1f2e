/**
 * The Jepsen-style queue checker. Every enqueue request is recorded (with a unique value) as
 * `ok` (2xx), `fail` (a definite refusal, 4xx) or `info` (unknown: timeout, 5xx, reset). Every side
 * effect a handler performed is recorded outside the Redis under test. After the drain:
 *   lost       = acknowledged values never performed nor dead-lettered   (must be empty)
 *   unexpected = performed values that were never submitted              (must be empty)
 *   duplicated = values performed more than once                         (allowed: at-least-once)
 *   recovered  = values performed whose enqueue outcome was unknown      (fine)
 */

export type Outcome = 'ok' | 'fail' | 'info';

export interface EnqueueRecord {
  value: number;
  outcome: Outcome;
  taskId?: string;
}

export interface EffectRecord {
  value: number;
  attempt: number;
  pid: number;
}

export interface CheckResult {
  attempted: number;
  acknowledged: number;
  performed: number;
  deadLettered: number;
  lost: number[];
  unexpected: number[];
  duplicated: { value: number; times: number }[];
  recovered: number[];
  valid: boolean;
}

/** Judges one run: valid when nothing acknowledged was lost and nothing unexpected appeared. */
export function check(enqueues: EnqueueRecord[], effects: EffectRecord[], deadValues: number[]): CheckResult {
  const attempted = new Set(enqueues.map((e) => e.value));
  const acknowledged = new Set(enqueues.filter((e) => e.outcome === 'ok').map((e) => e.value));
  const times = new Map<number, number>();
  for (const e of effects) times.set(e.value, (times.get(e.value) ?? 0) + 1);
  const dead = new Set(deadValues);
  const lost = [...acknowledged].filter((v) => !times.has(v) && !dead.has(v)).sort((a, b) => a - b);
  const unexpected = [...times.keys(), ...dead].filter((v) => !attempted.has(v)).sort((a, b) => a - b);
  const duplicated = [...times]
    .filter(([, n]) => n > 1)
    .map(([value, n]) => ({ value, times: n }))
    .sort((a, b) => a.value - b.value);
  const recovered = [...times.keys(), ...dead].filter((v) => attempted.has(v) && !acknowledged.has(v));
  return {
    attempted: attempted.size,
    acknowledged: acknowledged.size,
    performed: times.size,
    deadLettered: dead.size,
    lost,
    unexpected: [...new Set(unexpected)],
    duplicated,
    recovered: [...new Set(recovered)].sort((a, b) => a - b),
    valid: lost.length === 0 && unexpected.length === 0,
  };
}
