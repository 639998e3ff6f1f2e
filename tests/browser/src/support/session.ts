import type { Browser, Page } from 'playwright-core';
import { newTab, screenshot, seriousViolations, type PageWatch } from './browser';

/** Chrome reports every non-2xx answer to fetch as a console error; expected only where a test provokes one. */
export const HTTP_ERROR = /Failed to load resource: the server responded with a status of/;

/** A tab signed in with `token` on the dashboard the API at `apiUrl` serves, showing `hash` (e.g. "#/queues"). */
export async function signedIn(
  browser: Browser,
  apiUrl: string,
  token: string,
  hash = '#/',
): Promise<{ page: Page; watch: PageWatch; close: () => Promise<void> }> {
  const { context, page, watch } = await newTab(browser);
  try {
    await page.goto(`${apiUrl}/ui/${hash}`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByRole('navigation', { name: 'Pages', exact: true }).waitFor();
  } catch (error) {
    await context.close(); // a tab left open would go on polling (and count in the Redis load test)
    throw error;
  }
  return { page, watch, close: () => context.close() };
}

/** The checks every page gets: no serious/critical axe violation, no console error; then its screenshot. */
export async function checkPage(
  page: Page,
  watch: PageWatch,
  name: string,
  allowed: RegExp[] = [],
): Promise<void> {
  expect([name, await seriousViolations(page)]).toEqual([name, []]);
  expect([name, watch.unexpected(allowed)]).toEqual([name, []]);
  await screenshot(page, name);
}
