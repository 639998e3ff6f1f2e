import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';

/**
 * The version of the fingerprint, stored in front of it. A change of what is normalized gets the next
 * version, and the previous one stays accepted for as long as keys stored with it may live.
 */
const VERSION = 'v2';

/** A submission with its defaults applied: what its fingerprint covers. */
export interface NormalizedSubmission {
  type: string;
  /** The parsed payload (its object keys in any order). */
  payload?: unknown;
  queue: string;
  priority: number;
  /** A delay of 0 is no delay. */
  delayMs?: number;
  /** Epoch ms, however it was written. */
  runAt?: number;
  maxAttempts: number;
  timeoutMs?: number;
  group?: string;
}

/**
 * The fingerprint an idempotency key is stored with: a digest of the normalized submission (defaults
 * applied, the payload as canonical JSON with object keys sorted at every level), so a resubmission that
 * spells a default out or orders the payload's keys differently is the same submission. `v2:<base64url>`.
 */
export function fingerprint(s: NormalizedSubmission): string {
  const canonical = stringify([
    s.type,
    s.payload ?? null,
    s.queue,
    s.priority,
    s.delayMs || null,
    s.runAt ?? null,
    s.maxAttempts,
    s.timeoutMs ?? null,
    // Only when given: a submission without a group keeps the fingerprint it had before groups existed.
    ...(s.group === undefined ? [] : [s.group]),
  ]);
  return `${VERSION}:${sha256(canonical ?? '')}`;
}

/** The fields of a submission as sent, before defaults: what tq 0.1 fingerprinted. */
export interface RawSubmission {
  type: string;
  /** The payload serialized as sent. */
  payload: string;
  queue: string;
  priority?: number;
  delayMs?: number;
  runAt?: number;
  maxAttempts?: number;
  timeoutMs?: number;
}

/**
 * The fingerprint as tq 0.1 computed it (unversioned, over the raw submission). A key stored by that version
 * still replays when the same body is sent again: the enqueue script accepts either fingerprint.
 */
export function fingerprintV1(s: RawSubmission): string {
  return sha256(
    JSON.stringify([s.type, s.payload, s.queue, s.priority, s.delayMs, s.runAt, s.maxAttempts, s.timeoutMs]),
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
