import { randomInt } from 'node:crypto';

const QUEUE_NAME = /^[A-Za-z0-9_-]+$/;
const SUFFIX_LENGTH = 10;

/**
 * A fresh queue name, `<prefix>-<10 random base36 chars>`, so each test works on its own keys.
 * `prefix` (default "test") may use only [A-Za-z0-9_-]; anything else throws.
 */
export function randomQueueName(prefix = 'test'): string {
  if (!QUEUE_NAME.test(prefix))
    throw new Error(`queue name prefix must match ${QUEUE_NAME}: ${JSON.stringify(prefix)}`);
  const suffix = Array.from({ length: SUFFIX_LENGTH }, () => randomInt(36).toString(36)).join('');
  return `${prefix}-${suffix}`;
}
