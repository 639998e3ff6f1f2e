import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { ManualClock, PartitionedQueue, createRedis } from '@tq/core';
import { freePort, randomQueueName } from '@tq/testing';
import { Stack } from './support/stack';

/** The built `tq` binary, as a user runs it. */
const TQ = join(dirname(require.resolve('@tq/cli/package.json')), 'dist', 'main.js');
const TOKEN = 'cli-e2e-token';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI against the stack: TQ_URL and TQ_TOKEN from the environment, like a shell user. */
describe('the tq CLI against the real services', () => {
  let stack: Stack;
  const queue = randomQueueName('cli');

  const tq = (...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [TQ, ...args],
        { env: { PATH: process.env.PATH ?? '', TQ_URL: stack.apiUrl, TQ_TOKEN: TOKEN } },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  const json = async (...args: string[]): Promise<Record<string, unknown>> => {
    const run = await tq('--json', ...args);
    expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 0, stderr: '' });
    return JSON.parse(run.stdout) as Record<string, unknown>;
  };

  beforeAll(async () => {
    stack = await Stack.start();
    await stack.startApi({ API_TOKENS: TOKEN });
    await stack.startWorker('worker', { QUEUES: queue });
  });
  afterAll(() => stack?.close());

  it('submits the seed task and waits for it: done, exit 0', async () => {
    const added = await json('task', 'add', 'email', 'hello world', '--queue', queue);
    expect(added).toMatchObject({ type: 'email', payload: 'hello world', queue, status: 'pending' });
    const waited = await tq('task', 'wait', String(added.id), '--timeout-ms', '20000');
    expect(waited.code).toBe(0);
    expect(waited.stdout).toMatch(new RegExp(`^id\\s+${String(added.id)}$`, 'm'));
    expect(waited.stdout).toMatch(/^status\s+done$/m);
    expect(await json('task', 'get', String(added.id))).toMatchObject({ status: 'done' });
  });

  it('lists queues, tasks and workers, pauses and resumes', async () => {
    const paused = randomQueueName('cli-paused');
    const added = await json('task', 'add', 'email', '{"to":"a@example.com"}', '-q', paused);
    expect(added.payload).toEqual({ to: 'a@example.com' });
    expect(await json('queue', 'pause', paused)).toMatchObject({ name: paused, paused: true });

    const table = await tq('queue', 'ls');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^QUEUE\s+STATE\s+PENDING/);
    expect(table.stdout).toMatch(new RegExp(`^${paused}\\s+paused\\s+1\\s`, 'm'));

    const page = await json('task', 'ls', paused, '--state', 'pending');
    expect(page).toMatchObject({ total: 1, tasks: [{ id: added.id }] });
    expect((await tq('task', 'ls', paused)).stdout).toContain(String(added.id));

    expect(await json('queue', 'resume', paused)).toMatchObject({ paused: false });
    expect(await json('queue', 'stats', paused)).toMatchObject({ paused: false, counts: { pending: 1 } });
    const workers = await json('workers', '--queue', queue);
    expect(workers).toMatchObject({ workers: [{ queues: [queue], concurrency: expect.any(Number) }] });
    expect((await tq('workers')).stdout).toMatch(/^WORKER\s+HOST\s+PID/);
    const stats = await json('stats');
    expect((stats.queues as { name: string }[]).map((q) => q.name)).toEqual(
      expect.arrayContaining([queue, paused]),
    );
    // The seed task of the first test was processed on `queue` within the hour.
    expect(await json('stats', '--queue', queue)).toMatchObject({
      history: { queue, totals: { processed: expect.any(Number) } },
      queues: [{ name: queue }],
    });
    expect((await tq('stats', '-q', queue)).stdout).toMatch(/^processed \(60 min\)\s+[1-9]/m);
  });

  it('lists and cancels the pending tasks of a fair group', async () => {
    const grouped = randomQueueName('cli-groups'); // no worker serves it
    await json('task', 'add', 'sync', '-q', grouped);
    const inGroup = await json('task', 'add', 'sync', '-q', grouped, '-g', 'tenant-a');
    expect((await tq('task', 'ls', grouped)).stdout).toContain(
      '1 more pending in fair groups: list one with -g',
    );
    expect(await json('task', 'ls', grouped, '-g', 'tenant-a')).toMatchObject({
      group: 'tenant-a',
      total: 1,
      tasks: [{ id: inGroup.id }],
    });
    expect(
      await json('task', 'act', grouped, '-a', 'cancel', '-s', 'pending', '-g', 'tenant-a'),
    ).toMatchObject({
      applied: [inGroup.id],
    });
    expect(await json('task', 'ls', grouped)).toMatchObject({ inGroups: 0, total: 1 });
  });

  it('requeues a dead task, and purges it', async () => {
    // The http handler refuses a host outside HTTP_TASK_ALLOWED_HOSTS at once: a dead task.
    const added = await json('task', 'add', 'http', '{"url":"http://example.invalid/"}', '-q', queue);
    const waited = await tq('--json', 'task', 'wait', String(added.id), '--timeout-ms', '20000');
    expect(waited.code).toBe(1); // finished, but not done
    expect(JSON.parse(waited.stdout)).toMatchObject({ status: 'dead' });

    const dead = await tq('dead', 'ls', queue);
    expect(dead.stdout).toContain(String(added.id));
    expect(await json('dead', 'requeue', queue, String(added.id))).toEqual({
      requeued: [added.id],
      notDead: [],
    });
    expect(JSON.parse((await tq('--json', 'task', 'wait', String(added.id))).stdout)).toMatchObject({
      status: 'dead',
      attempt: 1, // fresh attempts after the redrive
    });
    expect(await json('dead', 'purge', queue, '--all')).toEqual({ purged: 1 });
    expect(await json('dead', 'ls', queue)).toMatchObject({ total: 0 });
  });

  it('runs a scheduled task now, retries a dead one, cancels, deletes, and acts on a state', async () => {
    const idle = randomQueueName('cli-actions'); // no worker serves it: tasks stay where the CLI puts them
    const later = await json('task', 'add', 'email', '1', '-q', idle, '--delay-ms', '3600000');
    expect(await json('task', 'run', String(later.id))).toMatchObject({ status: 'pending' });
    const refused = await tq('task', 'run', String(later.id));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is pending: only scheduled and retry tasks');
    expect(await json('task', 'cancel', String(later.id))).toMatchObject({ status: 'canceled' });
    expect(await json('task', 'delete', String(later.id))).toEqual({
      id: later.id,
      redis: true,
      archive: false,
    });

    // A dead task of the served queue: retry it (it dies again: the host is not allowed).
    const dead = await json('task', 'add', 'http', '{"url":"http://example.invalid/"}', '-q', queue);
    await tq('task', 'wait', String(dead.id), '--timeout-ms', '20000');
    // The served queue's worker may take it again before the answer is read: only its id is certain.
    expect(await json('task', 'retry', String(dead.id))).toMatchObject({ id: dead.id });
    expect(JSON.parse((await tq('--json', 'task', 'wait', String(dead.id))).stdout)).toMatchObject({
      status: 'dead',
      attempt: 1, // fresh attempts after the retry
    });

    for (let i = 0; i < 3; i++)
      await json('task', 'add', 'email', String(i), '-q', idle, '--delay-ms', '3600000');
    const all = await tq('task', 'act', idle, '-a', 'run', '-s', 'scheduled', '-n', '2', '--all');
    expect(all).toMatchObject({ code: 0, stderr: '' });
    expect(all.stdout).toContain('run: 3 done, 0 refused');
    expect(await json('queue', 'stats', idle)).toMatchObject({ counts: { pending: 3, scheduled: 0 } });
  });

  it('adds, lists, shows, pauses, resumes and removes a schedule, and sets and reads queue limits', async () => {
    const id = `cli-${queue}`;
    const added = await json(
      'schedule',
      'add',
      id,
      '0 3 * * *',
      'report',
      '{"kind":"nightly"}',
      '--queue',
      queue,
      '--tz',
      'Europe/Paris',
      '--overlap',
      'skip',
    );
    expect(added).toMatchObject({
      id,
      queue,
      timezone: 'Europe/Paris',
      overlap: 'skip',
      task: { type: 'report' },
    });
    const ls = await tq('schedule', 'ls', '--queue', queue);
    expect(ls.stdout).toMatch(
      new RegExp(`^${id}\\s+${queue}\\s+0 3 \\* \\* \\*\\s+Europe/Paris\\s+active`, 'm'),
    );
    const shown = await tq('schedule', 'show', id, '--runs', '3');
    expect(shown.stdout).toMatch(/^next runs\s+\d{4}-/m);
    expect(await json('schedule', 'pause', id)).toMatchObject({ paused: true, nextRunAt: null });
    expect(await json('schedule', 'resume', id)).toMatchObject({ paused: false });
    const bad = await tq('schedule', 'add', 'x', '0 3 * *', 'report', '-q', queue);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Invalid request \(400\).*\n\s+cron: /);
    expect(await json('schedule', 'rm', id)).toEqual({ deleted: id });
    expect((await tq('schedule', 'show', id)).code).toBe(1);

    expect(await json('queue', 'limits', queue, '--rate', '20/1000', '--concurrency', '5')).toEqual({
      queue,
      rate: { max: 20, periodMs: 1000 },
      concurrency: 5,
      groupConcurrency: null,
    });
    expect((await tq('queue', 'limits', queue)).stdout).toMatch(/^rate\s+20 starts per 1000 ms/m);
    expect(await json('queue', 'limits', queue, '--clear')).toMatchObject({ rate: null, concurrency: null });
    expect((await tq('queue', 'limits', queue, '--rate', 'fast')).code).toBe(2);
    const grouped = randomQueueName('cli-groups');
    expect(await json('task', 'add', 'email', 'x', '-q', grouped, '--group', 'tenant-7')).toMatchObject({
      group: 'tenant-7',
    });
    expect(await json('queue', 'groups', grouped)).toMatchObject({
      queue: grouped,
      groups: [{ group: 'tenant-7', pending: 1, running: 0 }],
    });
  });

  it('creates a partitioned queue, submits to it with a partition key, and says the partitions', async () => {
    const parts = randomQueueName('cli-parts');
    const created = await tq('queue', 'create', parts, '--partitions', '3');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^partitions\s+3$/m);
    const keyed = await Promise.all(
      [1, 2, 3].map(() => json('task', 'add', 'email', '{}', '-q', parts, '--partition-key', 'customer-42')),
    );
    expect(new Set(keyed.map((t) => t.partition)).size).toBe(1);
    expect(await json('queue', 'stats', parts)).toMatchObject({ partitions: 3, counts: { pending: 3 } });
    const conflict = await tq('queue', 'create', parts, '--partitions', '2');
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('already exists with 3 partitions, not 2');
    expect(conflict.stderr).toContain(`tq queue resize ${parts} --partitions 2`);
    expect((await tq('queue', 'create', parts)).code).toBe(2);

    // After a shrink the queue names its draining partitions (workers serve them until they are empty).
    const shrinking = randomQueueName('cli-shrink');
    const redis = createRedis(stack.redis.url);
    await PartitionedQueue.create(redis, shrinking, 3, new ManualClock(Date.now() - 60_000)).finally(() =>
      redis.disconnect(),
    );
    await Promise.all([1, 2, 3].map(() => json('task', 'add', 'email', '{}', '-q', shrinking)));
    const resized = await tq('queue', 'resize', shrinking, '--partitions', '1');
    expect(resized.code).toBe(0);
    expect(resized.stdout).toMatch(/^partitions\s+3 \(draining: 1, 2\)$/m);
    expect((await tq('queue', 'ls')).stdout).toMatch(
      new RegExp(`^${shrinking}\\s.*\\s3 \\(2 draining\\)$`, 'm'),
    );
  });

  it('exits 1 with the problem details when the API refuses, 2 on a usage error', async () => {
    const invalid = await tq('task', 'add', 'email', 'x', '--priority', '42');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/Invalid request \(400\).*\n\s+priority: /);

    const wrongToken = await new Promise<Run>((resolve) =>
      execFile(
        process.execPath,
        [TQ, 'queue', 'ls', '--url', stack.apiUrl, '--token', 'nope'],
        (e, stdout, stderr) => resolve({ code: typeof e?.code === 'number' ? e.code : 0, stdout, stderr }),
      ),
    );
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toContain('Unauthorized (401)');
    expect(wrongToken.stderr).not.toContain('nope');

    // Nothing listens on a free port: the CLI says so, and where the address comes from.
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const noApi = await tq('queue', 'ls', '--url', nobody); // the flag wins over TQ_URL
    expect(noApi.code).toBe(1);
    expect(noApi.stderr).toContain(`tq: ${nobody}: fetch failed (ECONNREFUSED)`);
    expect(noApi.stderr).toContain('--url or TQ_URL');

    // A password in the URL is refused before any request, not repeated, and the token's place is named.
    const userinfo = await tq('queue', 'ls', '--url', 'http://ops:s3cret@127.0.0.1:8080');
    expect(userinfo.code).toBe(2);
    expect(userinfo.stderr).toContain('--token or TQ_TOKEN');
    expect(userinfo.stderr).not.toContain('s3cret');

    expect((await tq('task', 'frobnicate')).code).toBe(2);
    const neither = await tq('task', 'act', queue, '-a', 'run');
    expect({ code: neither.code, stderr: neither.stderr }).toEqual({
      code: 2,
      stderr: expect.stringContaining('give task ids, or --state'),
    });
    expect((await tq('task', 'ls', queue, '--limit', 'many')).code).toBe(2);
    expect((await tq('dead', 'purge', queue)).stderr).toContain('--all');
    expect((await tq('dead', 'purge', queue)).code).toBe(2);
    for (const verb of [
      ['task', 'add'],
      ['task', 'wait'],
      ['queue', 'pause'],
      ['dead', 'requeue'],
      ['stats'],
    ]) {
      const help = await tq(...verb, '--help');
      expect({ verb, code: help.code, usage: help.stdout.startsWith('Usage: tq') }).toEqual({
        verb,
        code: 0,
        usage: true,
      });
    }
  });
});
