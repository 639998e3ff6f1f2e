import { startTestPostgres, type TestPostgres } from '@tq/testing';
import type { Browser } from 'playwright-core';
import { Api, type TaskJson } from './support/api';
import { launchBrowser } from './support/browser';
import { checkPage, signedIn as signIn } from './support/session';
import { Stack } from './support/stack';

/**
 * The History page (issue 15) against a real task history: PostgreSQL (TEST_DATABASE_URL's, the local one,
 * or a private one: @tq/testing), the API with DATABASE_URL, a worker, an archiver, and a reaper whose
 * retention removes finished tasks from Redis 2 s after they finish, once archived.
 */
const TOKEN = 'history-admin-token';

let pg: TestPostgres;
let stack: Stack;
let browser: Browser;
let api: Api;
const done: TaskJson[] = [];
const dead: TaskJson[] = [];
let canceled: TaskJson;

function signedIn(hash: string) {
  return signIn(browser, stack.apiUrl, TOKEN, hash);
}

interface SearchJson {
  nextCursor: string | null;
  tasks: { id: string; status: string }[];
}

beforeAll(async () => {
  pg = await startTestPostgres();
  stack = await Stack.start();
  api = new Api(() => stack.apiUrl, TOKEN);
  await stack.startApi({ API_TOKENS: TOKEN, DATABASE_URL: pg.url });
  await stack.startWorker('worker', { QUEUES: 'mail,billing' });
  await stack.startArchiver({ DATABASE_URL: pg.url, ARCHIVER_INTERVAL_MS: '200' });
  await stack.startReaper({ RETENTION_FINISHED_MAX_AGE_MS: '2000', REAPER_INTERVAL_MS: '500' });
  browser = await launchBrowser();

  for (let i = 0; i < 8; i++)
    done.push(await api.ok<TaskJson>('POST', '/tasks', { type: 'work', queue: 'mail', payload: { n: i } }));
  for (let i = 0; i < 3; i++)
    done.push(await api.ok<TaskJson>('POST', '/tasks', { type: 'invoice-sent', queue: 'billing' }));
  for (let i = 0; i < 2; i++)
    dead.push(
      await api.ok<TaskJson>('POST', '/tasks', {
        type: 'broken',
        queue: 'mail',
        maxAttempts: 1,
        payload: { template: `t${i}` },
      }),
    );
  canceled = await api.ok<TaskJson>('POST', '/tasks', { type: 'work', queue: 'mail', delayMs: 3_600_000 });
  await api.ok('DELETE', `/tasks/${canceled.id}`);
  // Every one of them archived, and the first done task gone from Redis (read back from PostgreSQL).
  await stack.until(
    undefined,
    async () => (await api.ok<SearchJson>('GET', '/tasks?limit=100')).tasks.length === 14,
    'all 14 tasks in the history',
    60_000,
  );
  await stack.until(
    undefined,
    async () => (await api.ok<{ source: string }>('GET', `/tasks/${done[0]!.id}`)).source === 'archive',
    'a done task trimmed from Redis and read from the history',
    60_000,
  );
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await pg?.stop();
});

describe('the History page in Chromium', () => {
  it('searches the task history by queue, status, type and time, paged by cursor', async () => {
    const { page, watch, close } = await signedIn('#/history?limit=5');
    try {
      const rows = page.locator('table.data tbody tr');
      const ids = async () => (await rows.locator('td:first-child').allInnerTexts()).map((t) => t.trim());
      // Every finished task once over three pages, newest finished first.
      await page.getByText('Page 1: 5 shown').waitFor();
      const first = await ids();
      await page.getByRole('button', { name: 'Next page' }).click();
      await page.getByText('Page 2: 5 shown').waitFor();
      const second = await ids();
      await page.getByRole('button', { name: 'Next page' }).click();
      await page.getByText('Page 3: 4 shown').waitFor();
      const third = await ids();
      const all = [...first, ...second, ...third];
      expect(new Set(all).size).toBe(14);
      expect(new Set(all)).toEqual(new Set([...done, ...dead, canceled].map((t) => t.id)));
      expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
      await page.getByRole('button', { name: 'Previous page' }).click();
      await page.getByText('Page 2: 5 shown').waitFor();
      expect(await ids()).toEqual(second);

      // Queue mail, status dead: the two broken tasks, with their error.
      await page.getByLabel('Queue', { exact: true }).fill('mail');
      await page.getByLabel('Status', { exact: true }).selectOption('dead');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByText('Page 1: 2 shown').waitFor();
      expect(new Set(await ids())).toEqual(new Set(dead.map((t) => t.id)));
      expect(await rows.first().innerText()).toContain('template "t');
      expect(page.url()).toContain('queue=mail');
      expect(page.url()).toContain('status=dead');

      // Any queue, type invoice-sent: the billing tasks.
      await page.getByLabel('Queue', { exact: true }).fill('');
      await page.getByLabel('Status', { exact: true }).selectOption('');
      await page.getByLabel('Type', { exact: true }).fill('invoice-sent');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByText('Page 1: 3 shown').waitFor();
      expect(await rows.locator('td:nth-child(2)').allInnerTexts()).toEqual([
        'billing',
        'billing',
        'billing',
      ]);

      // Finished in a window that holds none of them.
      await page.getByLabel('Finished from').fill('2001-01-01T00:00');
      await page.getByLabel('Finished before').fill('2001-01-02T00:00');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByText('No finished task in the history matches this search.').waitFor();
      // A window the wrong way round is refused on the page, before any request.
      await page.getByLabel('Finished from').fill('2001-01-03T00:00');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('alert').filter({ hasText: 'must be before' }).waitFor();

      await page.getByRole('button', { name: 'Clear' }).click();
      await page.getByText('Page 1: 5 shown').waitFor();
      await checkPage(page, watch, 'history');
    } finally {
      await close();
    }
  });

  it('opens a task that Redis no longer holds from the history', async () => {
    const { page, watch, close } = await signedIn(`#/history?queue=mail&status=done&limit=50`);
    try {
      await page.getByRole('link', { name: done[0]!.id }).click();
      await page.getByRole('heading', { name: `Task ${done[0]!.id}` }).waitFor();
      await page.getByText('the task history (PostgreSQL): Redis retention has removed it').waitFor();
      await page.getByText('"n": 0').waitFor();
      expect(watch.unexpected()).toEqual([]);
    } finally {
      await close();
    }
  });
});
