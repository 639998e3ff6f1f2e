/** Where the dashboard finds the API, and whether it must ask for a token first. */
export interface DashboardConfig {
  /** The API's base URL, ending in "/". */
  apiUrl: string;
  /** The API wants a bearer token: prompt for one before the first call. */
  authRequired: boolean;
  /**
   * Whether the API has a task history (DATABASE_URL) to search: true or false when the API serves the
   * bundle and says so; undefined from another static server (the History page then asks and reads a 404).
   */
  history: boolean | undefined;
}

/**
 * Reads `config.json` next to index.html. Served by the API, that file is the API's own answer. Served
 * by another static server, it is the file in the bundle: its `apiUrl` points the page at the API on
 * another origin (which then needs CORS_ORIGINS), `authRequired` (default true) says to ask for a token
 * first, `history` whether the API has a task history. Without an apiUrl, the API is the parent of the bundle's folder: the bundle at
 * https://host/ui/ talks to https://host/, one behind a path prefix (https://host/tq/ui/) to
 * https://host/tq/.
 */
export async function loadConfig(): Promise<DashboardConfig> {
  const here = new URL('./', window.location.href);
  let file: { apiUrl?: unknown; authRequired?: unknown; history?: unknown } = {};
  try {
    const response = await fetch(new URL('config.json', here), { cache: 'no-store' });
    if (response.ok) file = (await response.json()) as typeof file;
  } catch {
    // No config.json (or not JSON): the defaults below.
  }
  const base =
    typeof file.apiUrl === 'string' && file.apiUrl !== '' ? new URL(file.apiUrl, here) : new URL('../', here);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return {
    apiUrl: base.href,
    authRequired: file.authRequired !== false,
    history: typeof file.history === 'boolean' ? file.history : undefined,
  };
}
