/**
 * The userinfo of a URL: `scheme://` then everything up to the last `@` of the same word, so a password
 * with a stray `@` or `:` in it is hidden whole. Over-redacting a path that contains `@` is the safe side.
 */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s"'<>]*@/gi;

/**
 * Replaces the user and password of every URL in `text` with `***`
 * (`redis://:s3cret@cache:6379` → `redis://***@cache:6379`), for anything that is logged or shown.
 */
export function redactUrls(text: string): string {
  return text.replace(URL_USERINFO, '$1***@');
}

/**
 * One configured URL as it may be shown: everything between its scheme and its last `@` becomes `***`.
 * Unlike {@link redactUrls} it needs no well-formed scheme, so a mistyped URL (`redis:/:pw@host`, the
 * kind that ends up in an error message) is hidden too.
 */
export function redactUrl(value: string): string {
  const at = value.lastIndexOf('@');
  if (at < 0) return value;
  const scheme = /^[a-z][a-z0-9+.-]*:\/*/i.exec(value)?.[0] ?? '';
  return `${scheme}***${value.slice(at)}`;
}
