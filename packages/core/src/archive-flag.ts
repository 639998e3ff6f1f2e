import { ARCHIVE_KEY } from './keys';
import type { RedisClient } from './scripts';

/** Whether task history is archived (ADR 0030): retention then deletes only tasks an archiver confirmed. */
export async function archiveRequired(redis: RedisClient): Promise<boolean> {
  return (await redis.exists(ARCHIVE_KEY)) === 1;
}

/**
 * Turns archiving on for every reaper (an archiver does this before its first pass). `by` says who, for
 * an operator reading the key. Never expires: a stopped archiver must make retention wait, not lose tasks.
 */
export async function requireArchive(redis: RedisClient, by: string): Promise<void> {
  await redis.set(ARCHIVE_KEY, JSON.stringify({ by, at: new Date().toISOString() }));
}
