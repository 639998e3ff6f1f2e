/**
 * The bearer token, kept in sessionStorage: it lives as long as the tab, is not shared with other tabs,
 * and never goes into a URL (so it reaches no history, log or Referer header).
 */
const KEY = 'tq.token';

export function readToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
