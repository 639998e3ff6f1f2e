import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import type { ChildService } from '@tq/testing';
import type { Browser } from 'playwright-core';
import { Api, type QueueJson, type TaskJson } from './support/api';
import { launchBrowser, newTab, screenshot, seriousViolations } from './support/browser';
import { HTTP_ERROR, checkPage, signedIn as signIn } from './support/session';
import { RedisMonitor } from './support/redis-monitor';
import { DASHBOARD_DIST, Stack } from './support/stack';

const TOKEN = 'browser-admin-token';
/** Submits and reads, but may not pause, requeue, purge or cancel (API_PRODUCER_TOKENS). */
const PRODUCER_TOKEN = 'browser-producer-token';

let stack: Stack;
let browser: Browser;
let api: Api;
let staticServer: Server;
let staticOrigin: string;

/** Signs in a fresh tab with the token and opens `hash` (e.g. "#/queues"). */
function signedIn(hash = '#/', token = TOKEN) {
  return signIn(browser, stack.apiUrl, token, hash);
}

async function submit(body: object): Promise<TaskJson> {
  return api.ok<TaskJson>('POST', '/tasks', body);
}

async function queue(name: string): Promise<QueueJson> {
  return api.ok<QueueJson>('GET', `/queues/${name}`);
}

let worker1: ChildService;
let failOnce: TaskJson;
let brokenTask: TaskJson;
let doneTask: TaskJson;

beforeAll(async () => {
  stack = await Stack.start();
  api = new Api(() => stack.apiUrl, TOKEN);
  // A second origin serving the same bundle with a config.json that points at the API (CORS).
  // The other origin first, on a port the OS picks as it listens (a port picked earlier and bound later can be
  // taken meanwhile by another suite's process); its config.json names the API once that has started.
  staticServer = await serveElsewhere(() => stack.apiUrl);
  staticOrigin = `http://127.0.0.1:${(staticServer.address() as AddressInfo).port}`;
  await stack.startApi({
    API_TOKENS: TOKEN,
    API_PRODUCER_TOKENS: PRODUCER_TOKEN,
    CORS_ORIGINS: staticOrigin,
  });
  // Fast retries, so a task with 3 attempts is dead within a second.
  worker1 = await stack.startWorker('worker-1', {
    QUEUES: 'mail,images,reports',
    BACKOFF_BASE_MS: '20',
    BACKOFF_CAP_MS: '50',
    WORKER_CONCURRENCY: '4',
  });
  await stack.startReaper();
  browser = await launchBrowser();

  // Real data for every page: finished, dead, scheduled and paused-pending tasks in three queues.
  const work = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      submit({ type: 'work', queue: 'mail', payload: { to: `user${i}@example.com` } }),
    ),
  );
  doneTask = work[0]!;
  failOnce = await submit({
    type: 'fail-once',
    queue: 'mail',
    maxAttempts: 1,
    payload: { to: 'ada@example.com' },
  });
  brokenTask = await submit({
    type: 'broken',
    queue: 'mail',
    maxAttempts: 3,
    payload: { template: 'welcome-v2' },
  });
  for (let i = 0; i < 3; i++)
    await submit({ type: 'report', queue: 'reports', delayMs: 3_600_000, priority: i * 4 });
  await api.ok('POST', '/tasks', {
    type: 'thumbnail',
    queue: 'images',
    payload: { src: 's3://bucket/a.png' },
  });
  await api.ok('POST', '/queues/images/pause');
  for (let i = 0; i < 4; i++)
    await submit({ type: 'thumbnail', queue: 'images', payload: { src: `s3://bucket/${i}.png` } });
  await stack.until(
    undefined,
    async () => {
      const mail = await queue('mail');
      return mail.counts.done === 12 && mail.counts.dead === 2;
    },
    'seed tasks finished',
  );
});

afterAll(async () => {
  await browser?.close();
  staticServer?.closeAllConnections();
  await new Promise<void>((resolve) => (staticServer ? staticServer.close(() => resolve()) : resolve()));
  await stack?.close();
});

describe('the dashboard in Chromium', () => {
  it('without a token shows the prompt and no data', async () => {
    const { context, page, watch } = await newTab(browser);
    try {
      await page.goto(`${stack.apiUrl}/ui/`);
      await page.getByLabel('API token').waitFor();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to tq');
      const text = await page.locator('body').innerText();
      for (const name of ['mail', 'images', 'reports', 'pending']) expect(text).not.toContain(name);
      // The page knew from config.json that a token is needed: it asked the API nothing.
      expect(watch.requests.filter((r) => !r.url.startsWith(`${stack.apiUrl}/ui/`))).toEqual([]);
      expect(watch.unexpected()).toEqual([]);
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, 'token-prompt');

      // A wrong token is refused (the API's 401 is the one console error here), and still shows nothing.
      await page.getByLabel('API token').fill('not-the-token');
      await page.getByRole('button', { name: 'Use token' }).click();
      await page.getByText('The API refused that token').waitFor();
      expect(await page.locator('body').innerText()).not.toContain('mail');
      expect(watch.unexpected([HTTP_ERROR])).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('Overview: totals per state and the oldest pending task per queue', async () => {
    const { page, watch, close } = await signedIn('#/');
    try {
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await page.locator('.tile.state-done .tile-value', { hasText: '12' }).waitFor();
      await page.getByRole('link', { name: '1', exact: true }).waitFor(); // workers alive
      // The per-minute chart, described for screen readers with the totals GET /stats/history gives.
      const { totals } = await api.ok<{ totals: { processed: number; failed: number } }>(
        'GET',
        '/stats/history?minutes=60',
      );
      expect(totals.processed).toBeGreaterThanOrEqual(16); // 12 done, 1 + 3 failed attempts
      await page
        .getByRole('img', {
          name: `Chart of attempts per minute over the last 60 minutes: ${totals.processed} processed, ${totals.failed} failed.`,
        })
        .waitFor();
      await page.getByRole('cell', { name: 'images', exact: true }).waitFor();
      await checkPage(page, watch, 'overview');
    } finally {
      await close();
    }
  });

  it('Queues: pausing a queue from the UI shows as paused through the API, and resuming undoes it', async () => {
    // Limits on the paused queue (nothing runs there), shown in their column.
    await api.ok('PUT', '/queues/images/limits', { rate: { max: 20, periodMs: 1000 }, concurrency: 5 });
    const { page, watch, close } = await signedIn('#/queues');
    try {
      await page
        .getByRole('row')
        .filter({ hasText: '20 per 1.0 s, 5 at once' })
        .filter({ hasText: 'images' })
        .waitFor();
      // Each queue's limits arrive in their own call: wait for reports' too.
      await page.getByRole('row').filter({ hasText: 'reports' }).filter({ hasText: 'none' }).waitFor();
      await page.getByRole('button', { name: 'Pause queue reports' }).click();
      await stack.until(
        undefined,
        async () => (await queue('reports')).paused,
        'reports paused through the API',
      );
      // By keyboard this time: focus the button and press Enter. The button stays disabled until the pause
      // settles (its refetch done), and a poll may relabel it before that: wait until it can take a press.
      await page.locator('button[aria-label="Resume queue reports"]:not([disabled])').waitFor();
      await page.getByRole('button', { name: 'Resume queue reports' }).focus();
      await page.keyboard.press('Enter');
      await stack.until(
        undefined,
        async () => !(await queue('reports')).paused,
        'reports resumed through the API',
      );
      await page.getByRole('button', { name: 'Pause queue reports' }).waitFor();
      await checkPage(page, watch, 'queues');
    } finally {
      await close();
      await api.ok('PUT', '/queues/images/limits', {});
    }
  });

  it('Tasks: one queue and state at a time, paged by cursor, filtered by type', async () => {
    const { page, watch, close } = await signedIn('#/tasks?queue=mail&state=done&limit=5');
    try {
      const rows = page.locator('table.data tbody tr');
      // The task column's links (the first column holds the selection boxes where actions apply).
      const ids = async () => (await rows.getByRole('link').allInnerTexts()).map((t) => t.trim());
      await page.getByText('Page 1: 5 shown of 12').waitFor();
      const first = await ids();
      await page.getByRole('button', { name: 'Next page' }).click();
      await page.getByText('Page 2: 5 shown of 12').waitFor();
      const second = await ids();
      await page.getByRole('button', { name: 'Next page' }).click();
      await page.getByText('Page 3: 2 shown of 12').waitFor();
      const third = await ids();
      // Every done task of the queue exactly once, newest first across the pages.
      expect(new Set([...first, ...second, ...third]).size).toBe(12);
      expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
      await page.getByRole('button', { name: 'Previous page' }).click();
      await page.getByText('Page 2: 5 shown of 12').waitFor();
      expect(await ids()).toEqual(second);

      // Another state from the tabs; a type filter that matches nothing in it.
      await page
        .getByRole('navigation', { name: 'Task states' })
        .getByRole('button', { name: /^dead/ })
        .click();
      await page.getByRole('row').filter({ hasText: brokenTask.id }).waitFor();
      await page.getByLabel('Type', { exact: true }).fill('work');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByText('No dead tasks of type work in mail.').waitFor();
      await page.getByRole('button', { name: 'Clear filter' }).click();
      await page.getByRole('row').filter({ hasText: brokenTask.id }).waitFor();

      await page
        .getByRole('navigation', { name: 'Task states' })
        .getByRole('button', { name: /^scheduled/ })
        .click();
      // The tab's state is in the URL before the next change builds on it (each change rewrites the URL
      // from the last one rendered; selecting the queue in the same frame kept state=dead).
      await page
        .locator('nav[aria-label="Task states"] button[aria-current="page"]', { hasText: /^scheduled/ })
        .waitFor();
      await page.getByRole('combobox', { name: 'Queue' }).selectOption('reports');
      await page.getByText('Page 1: 3 shown of 3').waitFor();
      await checkPage(page, watch, 'tasks');
    } finally {
      await close();
    }
  });

  it('Dead letters: a failing task shows up, and Requeue makes it done', async () => {
    const { page, watch, close } = await signedIn('#/dead/mail');
    try {
      const row = page.getByRole('row').filter({ hasText: failOnce.id });
      await row.waitFor();
      expect(await row.innerText()).toContain(`upstream answered 503 on the first try of ${failOnce.id}`);
      await page.getByRole('row').filter({ hasText: brokenTask.id }).waitFor();
      await checkPage(page, watch, 'dead-letters');

      // Purge all asks first in a modal dialog that Escape closes, and nothing is purged.
      await page.getByRole('button', { name: /^Purge all/ }).focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      expect(await dialog.innerText()).toContain('Delete all 2 dead tasks of mail for good?');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      expect((await queue('mail')).counts.dead).toBe(2);

      await page.getByRole('checkbox', { name: `Select ${failOnce.id}` }).check();
      await page.getByRole('button', { name: 'Requeue selected (1)' }).click();
      await page.getByRole('status').filter({ hasText: 'Requeued 1' }).waitFor();
      await stack.until(
        undefined,
        async () => (await api.ok<TaskJson>('GET', `/tasks/${failOnce.id}`)).status === 'done',
        'requeued task done',
      );
      // The list drops it; the broken one stays.
      await row.waitFor({ state: 'detached' });
      expect(await page.getByRole('row').filter({ hasText: brokenTask.id }).count()).toBe(1);
      expect(watch.unexpected()).toEqual([]);
    } finally {
      await close();
    }
  });

  it('Workers: the live workers with their running tasks; a killed worker disappears within its TTL', async () => {
    // A second worker with a short heartbeat: its record expires 3 × 500 ms after its last beat.
    const doomed = await stack.startWorker('worker-2', { QUEUES: 'images', HEARTBEAT_INTERVAL_MS: '500' });
    const longTask = await submit({ type: 'work', queue: 'reports', payload: { ms: 600_000 } });
    const { page, watch, close } = await signedIn('#/workers');
    try {
      const rows = page.locator('table.data tbody tr');
      await page.getByRole('link', { name: longTask.id }).waitFor({ timeout: 30_000 });
      await page.getByText('2 live workers').waitFor({ timeout: 30_000 });
      expect(await rows.count()).toBe(2);
      await checkPage(page, watch, 'workers');

      doomed.signal('SIGKILL');
      const killedAt = Date.now();
      await doomed.exited;
      await page.getByText('1 live worker,').waitFor({ timeout: 30_000 });
      // Gone within its TTL (1.5 s) plus one poll of the page (5 s), with room for a loaded machine.
      expect(Date.now() - killedAt).toBeLessThan(20_000);
      expect(await rows.count()).toBe(1);
      expect(await rows.first().innerText()).toContain('mail, images, reports');

      // The running task's page names the worker that runs it.
      await page.getByRole('link', { name: longTask.id }).click();
      await page.getByRole('heading', { name: `Task ${longTask.id}` }).waitFor();
      await page.getByRole('link', { name: `pid ${worker1.pid})` }).waitFor();
      expect(watch.unexpected()).toEqual([]);
    } finally {
      await close();
    }
  });

  it('search by id opens the task, with its payload, error history and actions', async () => {
    const { page, watch, close } = await signedIn('#/');
    try {
      await page.getByLabel('Task id').fill(brokenTask.id);
      await page.getByLabel('Task id').press('Enter');
      await page.getByRole('heading', { name: `Task ${brokenTask.id}` }).waitFor();
      await page.getByText('"template": "welcome-v2"').waitFor();
      // Three failed attempts, each with its message.
      for (const attempt of [1, 2, 3])
        await page.getByText(`template "welcome-v2" not found (attempt ${attempt})`).waitFor();
      await page.getByRole('button', { name: 'Retry' }).waitFor();
      await page.getByRole('button', { name: 'Delete' }).waitFor();
      await checkPage(page, watch, 'task-detail');

      await page.getByLabel('Task id').fill(doneTask.id);
      await page.getByLabel('Task id').press('Enter');
      await page.getByRole('heading', { name: `Task ${doneTask.id}` }).waitFor();
      await page.getByText('"ok": true').waitFor();
      // A finished task names the worker that ran it (its workerId, with host and pid while it lives).
      await page.getByText('Ran on (last attempt)').waitFor();
      await page.getByRole('link', { name: `pid ${worker1.pid})` }).waitFor();
      expect(watch.unexpected()).toEqual([]);

      // An id of partition 1.. of a partitioned queue (`<queue>.<p>.<id>`, ADR 0040) opens too. The queue
      // is removed afterwards: the Redis-load test below counts the Overview's polls of three queues.
      const partitioned = `browser-parts-${Date.now()}`;
      await api.ok('PUT', `/queues/${partitioned}`, { partitions: 4 });
      const made: TaskJson[] = [];
      while (made.length < 64 && !made.some((t) => /^[^.]+\.\d+\./.test(t.id)))
        made.push(
          await submit({ type: 'idle', queue: partitioned, payload: { marker: 'partition-search' } }),
        );
      const inPartition = made.find((t) => /^[^.]+\.\d+\./.test(t.id));
      expect(inPartition).toBeDefined();
      await page.getByLabel('Task id').fill(inPartition!.id);
      await page.getByLabel('Task id').press('Enter');
      await page.getByRole('heading', { name: `Task ${inPartition!.id}` }).waitFor();
      await page.getByText('"marker": "partition-search"').waitFor();
      for (const t of made) {
        await api.ok('DELETE', `/tasks/${t.id}`);
        await api.call('DELETE', `/tasks/${t.id}/record`);
      }
      expect((await api.call('DELETE', `/queues/${partitioned}`)).status).toBe(204);

      // Not an id: said at once, nothing requested.
      await page.getByLabel('Task id').fill('nope');
      await page.getByLabel('Task id').press('Enter');
      await page.getByRole('alert').filter({ hasText: 'A task id looks like' }).waitFor();
    } finally {
      await close();
    }
  });

  it('Task detail: run now, retry, cancel a running task and delete a finished one', async () => {
    const task = (id: string) => api.ok<TaskJson>('GET', `/tasks/${id}`);
    const scheduled = await submit({ type: 'work', queue: 'mail', delayMs: 3_600_000 });
    const flaky = await submit({ type: 'fail-once', queue: 'mail', maxAttempts: 1 });
    const long = await submit({ type: 'work', queue: 'mail', payload: { ms: 600_000 } });
    await stack.until(
      undefined,
      async () => (await task(flaky.id)).status === 'dead' && (await task(long.id)).status === 'running',
      'one task dead, one running',
    );
    const { page, watch, close } = await signedIn(`#/tasks/${scheduled.id}`);
    const open = async (id: string) => {
      await page.getByLabel('Task id').fill(id);
      await page.getByLabel('Task id').press('Enter');
      await page.getByRole('heading', { name: `Task ${id}` }).waitFor();
    };
    try {
      // A scheduled task runs now: pending at once, then done by the worker.
      await page.getByRole('button', { name: 'Run now' }).click();
      await page.getByRole('status').filter({ hasText: 'Sent to pending' }).waitFor();
      await stack.until(undefined, async () => (await task(scheduled.id)).status === 'done', 'run now: done');
      await page.locator('.badge', { hasText: 'done' }).waitFor();

      // A dead task retried with fresh attempts: the worker's second try succeeds.
      await open(flaky.id);
      await page.getByRole('button', { name: 'Retry' }).click();
      await page.getByRole('status').filter({ hasText: 'Retried' }).waitFor();
      await stack.until(undefined, async () => (await task(flaky.id)).status === 'done', 'retried: done');

      // A running task: the cancel asks first; the worker aborts it at its next lease extension.
      await open(long.id);
      await page.getByRole('button', { name: 'Cancel task' }).click();
      const dialog = page.getByRole('dialog');
      expect(await dialog.innerText()).toContain('while it runs');
      await dialog.getByRole('button', { name: 'Cancel task' }).click();
      await page.getByRole('status').filter({ hasText: 'Cancel requested' }).first().waitFor();
      await stack.until(
        undefined,
        async () => (await task(long.id)).status === 'canceled',
        'running task canceled by its worker',
        60_000,
      );
      await page.locator('.badge', { hasText: 'canceled' }).waitFor({ timeout: 30_000 });
      await checkPage(page, watch, 'task-actions');

      // A finished task deleted for good: the page goes back to its list and says so.
      await page.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Deleted ${long.id}.` })
        .waitFor();
      expect((await api.call('GET', `/tasks/${long.id}`)).status).toBe(404);
      expect(watch.unexpected()).toEqual([]);
    } finally {
      await close();
    }
  });

  it('Task detail: a task being deleted is not read again before the page moves away', async () => {
    const done = await submit({ type: 'work', queue: 'mail' });
    await stack.until(
      undefined,
      async () => (await api.ok<TaskJson>('GET', `/tasks/${done.id}`)).status === 'done',
      'task done',
    );
    const { page, watch, close } = await signedIn(`#/tasks/${done.id}`);
    try {
      await page.locator('.badge', { hasText: 'done' }).waitFor();
      // The delete reaches the API at once; its answer is held while the page gets every chance to read the
      // task again (the tab coming back into view refreshes what the page shows, as a poll does).
      let deleted!: () => void;
      const deleteApplied = new Promise<void>((resolve) => (deleted = resolve));
      let answer!: () => void;
      const answerHeld = new Promise<void>((resolve) => (answer = resolve));
      await page.route(`**/tasks/${done.id}/record`, async (route) => {
        const response = await route.fetch();
        deleted();
        await answerHeld;
        await route.fulfill({ response });
      });
      const readsAfterDelete: string[] = [];
      let deleting = false;
      page.on('request', (request) => {
        if (deleting && request.method() === 'GET' && new URL(request.url()).pathname.endsWith(`/${done.id}`))
          readsAfterDelete.push(request.url());
      });
      await page.getByRole('button', { name: 'Delete' }).click();
      deleting = true;
      await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
      await deleteApplied;
      await page.evaluate("window.dispatchEvent(new Event('visibilitychange'))");
      answer();
      await page
        .getByRole('status')
        .filter({ hasText: `Deleted ${done.id}.` })
        .waitFor();
      expect(readsAfterDelete).toEqual([]);
      expect(watch.unexpected()).toEqual([]);
    } finally {
      await close();
    }
  });

  it('Tasks: bulk actions on the selected rows and on a whole state', async () => {
    // The paused queue images: nothing there runs, so every count is the actions' doing.
    const later = await Promise.all(
      [0, 1].map((i) =>
        submit({
          type: 'thumbnail',
          queue: 'images',
          delayMs: 3_600_000,
          payload: { src: `later-${i}.png` },
        }),
      ),
    );
    const pendingBefore = (await queue('images')).counts.pending!;
    const { page, watch, close } = await signedIn('#/tasks?queue=images&state=scheduled');
    const tab = (state: string) =>
      page
        .getByRole('navigation', { name: 'Task states' })
        .getByRole('button', { name: new RegExp(`^${state}`) })
        .click();
    try {
      await page.getByText('Page 1: 2 shown of 2').waitFor();
      await page.getByRole('checkbox', { name: 'Select all rows on this page' }).check();
      await page.getByRole('button', { name: 'Run now selected (2)' }).click();
      await page.getByRole('status').filter({ hasText: 'Ran now 2.' }).waitFor();
      expect((await queue('images')).counts).toMatchObject({ scheduled: 0, pending: pendingBefore + 2 });

      // Cancel two pending tasks: it asks first, and Escape keeps them.
      await tab('pending');
      for (const t of later) await page.getByRole('checkbox', { name: `Select ${t.id}` }).check();
      await page.getByRole('button', { name: 'Cancel selected (2)' }).click();
      await page.getByRole('dialog').waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'hidden' });
      expect((await queue('images')).counts.canceled).toBe(0);
      await page.getByRole('button', { name: 'Cancel selected (2)' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Canceled 2.' }).waitFor();
      expect((await queue('images')).counts).toMatchObject({ pending: pendingBefore, canceled: 2 });

      // Every canceled task of the queue, deleted by state.
      await tab('canceled');
      await page.getByText('Page 1: 2 shown of 2').waitFor();
      await checkPage(page, watch, 'tasks-actions');
      await page.getByRole('button', { name: 'Delete all (2)' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete all' }).click();
      await page.getByRole('status').filter({ hasText: 'Deleted 2.' }).waitFor();
      expect((await queue('images')).counts.canceled).toBe(0);
      for (const t of later) expect((await api.call('GET', `/tasks/${t.id}`)).status).toBe(404);
      expect(watch.unexpected()).toEqual([]);
    } finally {
      await close();
    }
  });

  it('Tasks: pending tasks of fair groups are listed per group, and Cancel all reaches them', async () => {
    // A queue no worker serves: one task without a group, three in two groups.
    const own = await submit({ type: 'sync', queue: 'tenants' });
    const a = [
      await submit({ type: 'sync', queue: 'tenants', group: 'tenant-a' }),
      await submit({ type: 'sync', queue: 'tenants', group: 'tenant-a' }),
    ];
    const b = await submit({ type: 'sync', queue: 'tenants', group: 'tenant-b' });
    const { page, watch, close } = await signedIn('#/tasks?queue=tenants&state=pending');
    try {
      await page.getByText('3 more pending in fair groups: choose a group to list them.').waitFor();
      await page.getByRole('link', { name: own.id }).waitFor();
      await page.getByLabel('Fair group').selectOption('tenant-a');
      for (const t of a) await page.getByRole('link', { name: t.id }).waitFor();
      expect(await page.getByRole('link', { name: b.id }).count()).toBe(0);
      await checkPage(page, watch, 'tasks-groups');

      await page.getByRole('button', { name: 'Cancel all (2)' }).click();
      await page.getByRole('dialog').getByText('all 2 pending tasks of group tenant-a').waitFor();
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel all' }).click();
      await page.getByRole('status').filter({ hasText: 'Canceled 2.' }).waitFor();
      for (const t of a)
        expect((await api.call<TaskJson>('GET', `/tasks/${t.id}`)).body.status).toBe('canceled');

      // A task's page names its group, linking to the group's pending list.
      await page.getByLabel('Task id').fill(b.id);
      await page.getByLabel('Task id').press('Enter');
      await page.getByRole('heading', { name: `Task ${b.id}` }).waitFor();
      await page.getByRole('link', { name: 'tenant-b', exact: true }).click();
      await page.getByRole('link', { name: b.id }).waitFor();
      expect((await queue('tenants')).counts).toMatchObject({ pending: 2, canceled: 2 });
      expect(watch.unexpected()).toEqual([]);
    } finally {
      await close();
    }
    // Gone again, so the later tests (the Redis load of a tab) see the three seeded queues only.
    const act = (body: object) => api.ok('POST', '/queues/tenants/tasks/actions', body);
    await act({ action: 'cancel', state: 'pending' });
    await act({ action: 'cancel', state: 'pending', group: 'tenant-b' });
    await act({ action: 'delete', state: 'canceled' });
    await api.ok('DELETE', '/queues/tenants');
  });

  it('Schedules: the cron schedules with their next run, paused and resumed from the page', async () => {
    const id = 'nightly-report';
    await api.ok('POST', '/schedules', {
      id,
      cron: '0 3 * * *',
      timezone: 'Europe/Paris',
      task: { queue: 'reports', type: 'report', payload: { kind: 'nightly' } },
    });
    const paused = async () => (await api.ok<{ paused: boolean }>('GET', `/schedules/${id}`)).paused;
    const { page, watch, close } = await signedIn('#/schedules');
    try {
      const row = page.getByRole('row').filter({ hasText: id });
      await row.waitFor();
      expect(await row.innerText()).toContain('0 3 * * * (Europe/Paris)');
      await page.getByRole('button', { name: `Pause schedule ${id}` }).click();
      await stack.until(undefined, paused, 'schedule paused through the API');
      await page.getByRole('button', { name: `Resume schedule ${id}` }).click();
      await stack.until(undefined, async () => !(await paused()), 'schedule resumed through the API');
      await page.getByRole('button', { name: `Pause schedule ${id}` }).waitFor();
      await checkPage(page, watch, 'schedules');
    } finally {
      await close();
      await api.ok('DELETE', `/schedules/${id}`);
    }
  });

  it('History: without a task history (no DATABASE_URL) says so, and asks the API nothing', async () => {
    const { page, watch, close } = await signedIn('#/history');
    try {
      await page.getByText('No task history is configured').waitFor();
      // config.json said history: false, so no search was sent (and no 404 reached the console).
      expect(watch.requests.filter((r) => new URL(r.url).pathname === '/tasks')).toEqual([]);
      await checkPage(page, watch, 'history-off');
    } finally {
      await close();
    }
  });

  it('with a producer token shows the data, and an action says it needs an admin token', async () => {
    const { page, watch, close } = await signedIn('#/queues', PRODUCER_TOKEN);
    try {
      await page.getByRole('cell', { name: 'reports', exact: true }).waitFor();
      await page.getByRole('button', { name: 'Pause queue reports' }).click();
      const alert = page.getByRole('alert').filter({ hasText: 'Could not pause or resume the queue' });
      await alert.waitFor();
      expect(await alert.innerText()).toContain('(HTTP 403)');
      expect((await queue('reports')).paused).toBe(false);
      // The 403 is the one console error (Chrome reports every non-2xx fetch).
      expect(watch.unexpected([HTTP_ERROR])).toEqual([]);
    } finally {
      await close();
    }
  });

  it('sends the token in the Authorization header of every API call and never in a URL', async () => {
    const { page, watch, close } = await signedIn('#/queues');
    try {
      await page.getByRole('cell', { name: 'reports', exact: true }).waitFor();
      await page.getByRole('link', { name: 'Dead letters' }).click();
      await page.getByRole('heading', { name: 'Dead letters' }).waitFor();
      const apiCalls = watch.requests.filter((r) => !r.url.includes('/ui/'));
      expect(apiCalls.length).toBeGreaterThan(0);
      for (const r of apiCalls) expect(r).toEqual({ url: r.url, authorization: `Bearer ${TOKEN}` });
      for (const r of watch.requests) expect(r.url).not.toContain(TOKEN);
      // sessionStorage only: nothing in localStorage or cookies.
      expect(await page.evaluate('window.localStorage.length')).toBe(0);
      expect(await page.context().cookies()).toEqual([]);
    } finally {
      await close();
    }
  });

  // The Overview polls the most; REDIS_LOAD_PAGES="#/,#/queues,…" measures other pages too (docs/dashboard.md).
  const loadPages = (process.env.REDIS_LOAD_PAGES ?? '#/').split(',');
  const windowMs = Number(process.env.REDIS_LOAD_WINDOW_MS ?? 20_000);
  it(
    'one open tab costs at most a few Redis commands per second',
    async () => {
      const pages = loadPages;
      const monitor = await RedisMonitor.start(stack.redis.url);
      try {
        for (const hash of pages) {
          const { page, close } = await signedIn(hash);
          try {
            await page.getByRole('heading', { level: 1 }).waitFor();
            // The page's first load is over (no request for 500 ms): only its polling is measured.
            await page.waitForLoadState('networkidle');
            // The window is the measurement itself (polls of 5 s), not a wait for something to happen.
            const count = await monitor.count(windowMs);
            const perSecond = count.executed / count.seconds;
            process.stdout.write(
              `redis load of one tab on ${hash}: ${(count.sent / count.seconds).toFixed(2)} commands/s sent, ` +
                `${perSecond.toFixed(2)}/s executed (scripts' calls included) over ${count.seconds.toFixed(1)} s ` +
                `with 3 queues: ${JSON.stringify(count.byName)}\n`,
            );
            // The tab did poll while measured (History polls nothing: its searches read PostgreSQL).
            if (!hash.startsWith('#/history')) expect(count.sent).toBeGreaterThan(0);
            // The Overview every 5 s: GET /queues (SMEMBERS + one stats script of about 30 O(1) calls per
            // queue, 3 here) and GET /workers (one script); GET /stats/history every 15 s. About 1.1 sent
            // and 21 executed per second. A slow machine polls less, never more; the bounds leave room for
            // an extra poll (a focus refetch) in the window.
            expect(count.sent / count.seconds).toBeLessThanOrEqual(2);
            expect(perSecond).toBeLessThanOrEqual(30);
          } finally {
            await close();
          }
        }
      } finally {
        monitor.stop();
      }
    },
    60_000 + loadPages.length * (windowMs + 20_000),
  );

  it('works from another static server pointed at the API (config.json + CORS_ORIGINS)', async () => {
    const { context, page, watch } = await newTab(browser);
    try {
      await page.goto(`${staticOrigin}/`);
      await page.getByLabel('API token').fill(TOKEN);
      await page.getByRole('button', { name: 'Use token' }).click();
      await page.getByRole('link', { name: 'Queues' }).click();
      await page.getByRole('cell', { name: 'images', exact: true }).waitFor();
      expect(watch.requests.some((r) => r.url.startsWith(`${stack.apiUrl}/queues`))).toBe(true);
      // This config.json does not say whether the API has a history: the page asks, and reads the 404.
      await page.getByRole('link', { name: 'History' }).click();
      await page.getByText('No task history is configured').waitFor();
      expect(watch.requests.some((r) => r.url.startsWith(`${stack.apiUrl}/tasks?`))).toBe(true);
      expect(watch.unexpected([HTTP_ERROR])).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('at a 390 px wide viewport shows every page link and never scrolls the page sideways', async () => {
    const { page, watch, close } = await signedIn('#/queues');
    try {
      await page.setViewportSize({ width: 390, height: 844 });
      // The Queues table with data (about 1100 px wide at this size) scrolls inside its own box.
      await page.getByRole('cell', { name: 'images', exact: true }).waitFor();
      const header = (await page.locator('header.top').boundingBox())!;
      const links = page.getByRole('navigation', { name: 'Pages', exact: true }).getByRole('link');
      expect(await links.count()).toBe(7);
      for (const link of await links.all()) {
        const box = (await link.boundingBox())!;
        const name = await link.innerText();
        expect([name, box.x >= 0 && box.x + box.width <= 390]).toEqual([name, true]);
        // On the header's dark background (its white text is invisible anywhere else).
        expect([name, box.x + box.width <= header.x + header.width]).toEqual([name, true]);
        expect([name, box.y + box.height <= header.y + header.height]).toEqual([name, true]);
      }
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      expect(watch.unexpected()).toEqual([]);
    } finally {
      await close();
    }
  });
});

/**
 * A plain static file server on another origin with a copy of the bundle whose config.json names the
 * API (`apiUrl()`): what an operator gets with nginx or a CDN. (Test scaffolding, not a product part.)
 */
async function serveElsewhere(apiUrl: () => string): Promise<Server> {
  const root = mkdtempSync(join(tmpdir(), 'tq-dashboard-static-'));
  cpSync(DASHBOARD_DIST, root, { recursive: true });
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.css': 'text/css',
    '.json': 'application/json',
  };
  const server = createServer((req, res) => {
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    try {
      const body =
        path === 'config.json' ? JSON.stringify({ apiUrl: `${apiUrl()}/` }) : readFileSync(join(root, path));
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return server;
}
