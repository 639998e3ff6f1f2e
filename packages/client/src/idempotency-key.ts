/** Random bytes in a generated key: 96 bits, so two keys of one queue never meet within its window. */
const KEY_BYTES = 12;

/**
 * A new idempotency key for a submit the caller gave none: 16 base64url characters (96 random bits),
 * short because the API keeps every key in Redis for its idempotency window. Uses Web Crypto, which
 * Node 20, browsers and edge runtimes all have.
 */
export function generateIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(KEY_BYTES));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}
