import {
  TqApiError,
  TqClient,
  TqNetworkError,
  type QueueLimitsInput,
  type ScheduleSubmission,
  type Task,
  type TaskStatus,
  type TaskSubmission,
} from '@tq/client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  details,
  limitsDetails,
  queueDetails,
  queueTable,
  scheduleDetails,
  scheduleTable,
  table,
  taskDetails,
  taskTable,
  workerTable,
} from './format';

/** Where the CLI writes; main.ts passes the process's streams. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const VERSION = (
  JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;

/** Exit codes: the command worked, the command ran and failed, the command line is wrong. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

const STATES: TaskStatus[] = ['pending', 'scheduled', 'running', 'retry', 'dead', 'done', 'canceled'];
const ACTIONS = ['run', 'retry', 'cancel', 'delete'] as const;

interface GlobalOptions {
  url: string;
  token?: string;
  json?: boolean;
}

/** A command failed in a way the user fixes on the command line (exit 2). */
class UsageError extends Error {}

/** Runs the CLI on `argv` (the arguments after `tq`) and answers the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "exit" with 0; everything else commander refuses is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.err(`tq: ${error.message}\n(tq --help for usage)\n`);
      return EXIT.usage;
    }
    io.err(describe(error, program.opts<GlobalOptions>().json === true));
    return EXIT.failure;
  }
}

function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command('tq')
    .description('The command line of the tq task queue: tasks, queues and dead letters over its HTTP API.')
    .version(VERSION)
    .addOption(new Option('--url <url>', 'the API base URL').env('TQ_URL').default('http://localhost:8080'))
    .addOption(new Option('--token <token>', 'a bearer token of the API (prefer TQ_TOKEN)').env('TQ_TOKEN'))
    .option('--json', 'print the API answer as JSON instead of a table')
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 the command failed (an API error, no answer, a dead task), 2 usage.\n' +
        'Examples:\n' +
        '  tq task add email \'"hello world"\' --wait\n' +
        '  tq queue ls\n' +
        '  tq dead requeue default --all\n' +
        '  tq schedule add nightly "0 3 * * *" report --queue reports --tz Europe/Paris\n' +
        '  tq queue limits mail --rate 20/1000 --concurrency 5\n',
    );

  /** The client and printer of an action, from the global options. */
  const context = (command: Command) => {
    const options = command.optsWithGlobals<GlobalOptions>();
    let client: TqClient;
    try {
      client = new TqClient({ url: options.url, token: options.token });
    } catch (error) {
      throw new UsageError(`--url: ${(error as Error).message}`);
    }
    const print = (value: unknown, human: () => string) =>
      io.out(`${options.json ? JSON.stringify(value, null, 2) : human()}\n`);
    return { client, print };
  };

  const task = program
    .command('task')
    .description('submit, read, cancel, run, retry, delete, wait for and list tasks');

  task
    .command('add')
    .description('submit a task')
    .argument('<type>', 'the task type, e.g. email')
    .argument('[payload]', 'its payload: JSON, or else taken as a string', 'null')
    .option('-q, --queue <name>', 'the queue (default: default)')
    .option('-p, --priority <0-9>', 'claimed before lower priorities', integer)
    .option('--delay-ms <ms>', 'run no earlier than this many ms from now', integer)
    .option('--run-at <time>', 'run no earlier than this ISO 8601 time')
    .option('--max-attempts <n>', 'attempts before the task goes to dead letters', integer)
    .option('--timeout-ms <ms>', 'abort an attempt after this long', integer)
    .option('--idempotency-key <key>', 'a resubmit with this key answers the first task')
    .option('-g, --group <group>', 'the fair group, e.g. a tenant id: claims take groups in turn')
    .option('--partition-key <key>', 'partitioned queues: tasks with the same key go to the same partition')
    .option('--wait', 'wait until the task is finished and print it (exit 1 unless done)')
    .option('--wait-timeout-ms <ms>', 'with --wait: give up after this long', integer, 30_000)
    .action(async (type: string, payload: string, o: AddOptions, command: Command) => {
      const { client, print } = context(command);
      const submission: TaskSubmission = {
        type,
        payload: parsePayload(payload),
        ...(o.queue !== undefined && { queue: o.queue }),
        ...(o.priority !== undefined && { priority: o.priority }),
        ...(o.delayMs !== undefined && { delayMs: o.delayMs }),
        ...(o.runAt !== undefined && { runAt: o.runAt }),
        ...(o.maxAttempts !== undefined && { maxAttempts: o.maxAttempts }),
        ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }),
        ...(o.group !== undefined && { group: o.group }),
        ...(o.partitionKey !== undefined && { partitionKey: o.partitionKey }),
      };
      const stored = await client.submit(submission, { idempotencyKey: o.idempotencyKey });
      if (!o.wait) return print(stored, () => taskDetails(stored));
      const finished = await client.waitFor(stored.id, { timeoutMs: o.waitTimeoutMs });
      print(finished, () => taskDetails(finished));
      setCode(finished.status === 'done' ? EXIT.ok : EXIT.failure);
    });

  task
    .command('get')
    .description(
      'print a task: status, attempts, payload, result, errors (from the history once Redis let it go)',
    )
    .argument('<id>', 'the task id')
    .action(async (id: string, _o: object, command: Command) => {
      const { client, print } = context(command);
      const found = await client.get(id);
      print(found, () => taskDetails(found));
    });

  task
    .command('cancel')
    .description(
      'cancel a task: pending, scheduled and retry ones at once; a running one is asked to stop (its worker ' +
        'aborts the handler at its next lease extension and the task ends canceled)',
    )
    .argument('<id>', 'the task id')
    .option('--wait', 'wait until the task is finished and print it')
    .option('--wait-timeout-ms <ms>', 'with --wait: give up after this long', integer, 30_000)
    .action(async (id: string, o: { wait?: boolean; waitTimeoutMs: number }, command: Command) => {
      const { client, print } = context(command);
      const answered = await client.cancelTask(id);
      const requested = answered.status === 'running';
      if (requested && o.wait) {
        const finished = await client.waitFor(id, { timeoutMs: o.waitTimeoutMs });
        return print(finished, () => taskDetails(finished));
      }
      print(answered, () =>
        requested
          ? `${taskDetails(answered)}\ncancel requested: its worker stops it at its next lease extension ` +
            `(tq task wait ${id})`
          : taskDetails(answered),
      );
    });

  task
    .command('run')
    .description('run a scheduled or retry task now (it goes to pending at once)')
    .argument('<id>', 'the task id')
    .action(async (id: string, _o: object, command: Command) => {
      const { client, print } = context(command);
      const ran = await client.runTask(id);
      print(ran, () => taskDetails(ran));
    });

  task
    .command('retry')
    .description('retry a dead task: back to pending with a fresh set of attempts')
    .argument('<id>', 'the task id')
    .action(async (id: string, _o: object, command: Command) => {
      const { client, print } = context(command);
      const retried = await client.retryTask(id);
      print(retried, () => taskDetails(retried));
    });

  task
    .command('delete')
    .description('delete a finished task (done, dead, canceled) for good, in Redis and the task history')
    .argument('<id>', 'the task id')
    .action(async (id: string, _o: object, command: Command) => {
      const { client, print } = context(command);
      const deleted = await client.deleteTask(id);
      print(deleted, () => `deleted ${id}${deleted.archive ? ' (and its row in the task history)' : ''}`);
    });

  task
    .command('act')
    .description(
      'run, retry, cancel or delete many tasks of a queue: the given ids, or the tasks in a state, a page at a time',
    )
    .argument('<queue>', 'the queue')
    .addOption(new Option('-a, --action <action>', 'the action').choices(ACTIONS).makeOptionMandatory())
    .argument('[ids...]', 'task ids (else give --state)')
    .addOption(new Option('-s, --state <state>', 'act on the tasks in this state').choices(STATES))
    .option('-t, --type <type>', 'with --state: only tasks of this type')
    .option('-g, --group <group>', 'with --state pending: only the tasks of this fair group')
    .option('-n, --limit <n>', 'with --state: most tasks per request', integer, 100)
    .option('--cursor <cursor>', 'with --state: go on where the previous request ended (its nextCursor)')
    .option('--all', 'with --state: follow nextCursor until every page was acted on')
    .action(async (queue: string, ids: string[], o: ActOptions, command: Command) => {
      if (ids.length > 0 === (o.state !== undefined))
        throw new UsageError('task act: give task ids, or --state to act on the tasks in a state (not both)');
      const { client, print } = context(command);
      const request =
        ids.length > 0
          ? { action: o.action, ids }
          : { action: o.action, state: o.state, type: o.type, group: o.group, limit: o.limit };
      const outcomes = [];
      let cursor = o.cursor;
      do {
        const outcome = await client.actOnTasks(queue, cursor ? { ...request, cursor } : request);
        outcomes.push(outcome);
        cursor = outcome.nextCursor ?? undefined;
      } while (o.all && cursor);
      const applied = outcomes.flatMap((r) => r.applied);
      const requested = outcomes.flatMap((r) => r.cancelRequested);
      const refused = outcomes.flatMap((r) => r.refused);
      const last = outcomes.at(-1)!;
      print(outcomes.length === 1 ? last : { applied, cancelRequested: requested, refused }, () =>
        [
          `${o.action}: ${applied.length} done` +
            (requested.length > 0 ? `, ${requested.length} running asked to stop` : '') +
            `, ${refused.length} refused`,
          ...refused.map((r) => `  ${r.reason}`),
          ...(last.nextCursor
            ? [
                `next page: tq task act ${queue} -a ${o.action} -s ${o.state} --cursor ${last.nextCursor} (or --all)`,
              ]
            : []),
        ].join('\n'),
      );
    });

  task
    .command('wait')
    .description('wait until a task is finished and print it (exit 0 when done, 1 when dead or canceled)')
    .argument('<id>', 'the task id')
    .option('--timeout-ms <ms>', 'give up after this long (exit 1)', integer, 30_000)
    .action(async (id: string, o: { timeoutMs: number }, command: Command) => {
      const { client, print } = context(command);
      const finished: Task = await client.waitFor(id, { timeoutMs: o.timeoutMs });
      print(finished, () => taskDetails(finished));
      setCode(finished.status === 'done' ? EXIT.ok : EXIT.failure);
    });

  task
    .command('ls')
    .description("list a queue's tasks in one state, a page at a time")
    .argument('<queue>', 'the queue')
    .addOption(new Option('-s, --state <state>', 'the state').choices(STATES).default('pending'))
    .option('-t, --type <type>', 'only tasks of this type')
    .option(
      '-g, --group <group>',
      "pending only: the tasks of this fair group (they wait in the group's lists)",
    )
    .option('-n, --limit <n>', 'most tasks in the page', integer, 20)
    .option('--cursor <cursor>', 'go on where the previous page ended (its nextCursor)')
    .action(
      async (queue: string, o: PageOptions & { state: TaskStatus; group?: string }, command: Command) => {
        const { client, print } = context(command);
        const page = await client.listTasks(queue, o.state, o);
        const again = `tq task ls ${queue} -s ${o.state}${o.group === undefined ? '' : ` -g ${o.group}`}`;
        const inGroups =
          page.inGroups > 0
            ? `\n${page.inGroups} more pending in fair groups: list one with -g <group> (tq queue groups ${queue})`
            : '';
        print(page, () => pageText(page.tasks, page.total, page.nextCursor, again) + inGroups);
      },
    );

  task
    .command('search')
    .description(
      'search the task history (finished tasks kept in PostgreSQL; the API needs DATABASE_URL), newest first',
    )
    .option('-q, --queue <name>', 'only tasks of this queue')
    .option('-t, --type <type>', 'only tasks of this type')
    .addOption(
      new Option('-s, --status <status>', 'only tasks that ended so').choices(['done', 'dead', 'canceled']),
    )
    .option('--from <time>', 'finished at or after: ISO 8601 or epoch ms')
    .option('--to <time>', 'finished before: ISO 8601 or epoch ms')
    .option('-n, --limit <n>', 'most tasks in the page', integer, 20)
    .option('--cursor <cursor>', 'go on where the previous page ended (its nextCursor)')
    .action(async (o: SearchOptions, command: Command) => {
      const { client, print } = context(command);
      const { limit, cursor, ...filters } = o;
      const page = await client.searchTasks(filters, { limit, cursor });
      print(page, () => {
        if (page.tasks.length === 0) return 'no tasks in the history match';
        const again = ['tq task search', ...command.args, ...searchArgs(filters)].join(' ');
        return (
          taskTable(page.tasks) + (page.nextCursor ? `\nnext page: ${again} --cursor ${page.nextCursor}` : '')
        );
      });
    });

  const queue = program.command('queue').description('create, list, inspect, pause and resume queues');

  queue
    .command('ls')
    .description('every queue with its counts per state')
    .action(async (_o: object, command: Command) => {
      const { client, print } = context(command);
      const queues = await client.queues();
      print(queues, () => (queues.length ? queueTable(queues) : 'no queues yet'));
    });

  queue
    .command('create')
    .description('create a queue of N partitions, spread over the masters of a Redis Cluster (admin token)')
    .argument('<name>', 'the queue')
    .requiredOption('--partitions <n>', 'partitions, 1-256 (another count later: tq queue resize)', integer)
    .action(async (name: string, o: { partitions: number }, command: Command) => {
      const { client, print } = context(command);
      const stats = await client.createQueue(name, { partitions: o.partitions });
      print(stats, () => queueDetails(stats));
    });

  queue
    .command('resize')
    .description('change the partition count: more online, fewer by draining (admin token; scaling.md)')
    .argument('<name>', 'the queue')
    .requiredOption(
      '--partitions <n>',
      'partitions, 1-256 (the same count again removes drained partitions)',
      integer,
    )
    .action(async (name: string, o: { partitions: number }, command: Command) => {
      const { client, print } = context(command);
      const stats = await client.resizeQueue(name, { partitions: o.partitions });
      print(stats, () => queueDetails(stats));
    });

  queue
    .command('stats')
    .description("a queue's counts per state, waiting depth, oldest pending age")
    .argument('<name>', 'the queue')
    .action(async (name: string, _o: object, command: Command) => {
      const { client, print } = context(command);
      const stats = await client.queue(name);
      print(stats, () => queueDetails(stats));
    });

  for (const [verb, description] of [
    ['pause', 'stop workers from claiming the queue (submissions still succeed)'],
    ['resume', 'let workers claim the queue again'],
  ] as const) {
    queue
      .command(verb)
      .description(description)
      .argument('<name>', 'the queue')
      .action(async (name: string, _o: object, command: Command) => {
        const { client, print } = context(command);
        const stats = await client[verb](name);
        print(stats, () => `${name}: ${stats.paused ? 'paused' : 'active'}`);
      });
  }

  queue
    .command('limits')
    .description(
      "print a queue's limits, or replace them with the options given (a limit not given is removed; --clear removes all)",
    )
    .argument('<name>', 'the queue')
    .option('--rate <max/periodMs>', 'at most max starts in any window of periodMs, e.g. 20/1000')
    .option('--concurrency <n>', 'at most n tasks running at once, across all workers', integer)
    .option('--group-concurrency <n>', 'at most n tasks of any one group running at once', integer)
    .option('--clear', 'remove every limit')
    .action(async (name: string, o: LimitOptions, command: Command) => {
      const { client, print } = context(command);
      const setting = o.rate !== undefined || o.concurrency !== undefined || o.groupConcurrency !== undefined;
      if (o.clear && setting) throw new UsageError('limits: give --clear or limits, not both');
      if (!o.clear && !setting) {
        const limits = await client.limits(name);
        return print(limits, () => limitsDetails(limits));
      }
      const body: QueueLimitsInput = {
        ...(o.rate !== undefined && { rate: rate(o.rate) }),
        ...(o.concurrency !== undefined && { concurrency: o.concurrency }),
        ...(o.groupConcurrency !== undefined && { groupConcurrency: o.groupConcurrency }),
      };
      const limits = await client.setLimits(name, body);
      print(limits, () => limitsDetails(limits));
    });

  queue
    .command('groups')
    .description("a queue's fair groups with the most pending tasks")
    .argument('<name>', 'the queue')
    .option('-n, --limit <n>', 'most groups', integer, 20)
    .action(async (name: string, o: { limit: number }, command: Command) => {
      const { client, print } = context(command);
      const list = await client.groups(name, { limit: o.limit });
      print(list, () =>
        list.groups.length
          ? `${table(
              ['GROUP', 'PENDING', 'RUNNING'],
              list.groups.map((g) => [g.group, g.pending, g.running]),
            )}\n${list.total} groups with pending tasks, ${list.running} with running tasks`
          : 'no groups with pending tasks',
      );
    });

  const schedule = program
    .command('schedule')
    .description('cron schedules: one task per slot of a cron expression in a time zone');

  schedule
    .command('add')
    .description('create a schedule')
    .argument('<id>', 'the schedule id, e.g. nightly-report')
    .argument('<cron>', 'the cron expression: 5 fields, or 6 with seconds first, e.g. "0 3 * * *"')
    .argument('<type>', 'the type of the tasks it enqueues')
    .argument('[payload]', 'their payload: JSON, or else taken as a string', 'null')
    .requiredOption('-q, --queue <name>', 'the queue of its tasks')
    .option('--tz <zone>', 'an IANA time zone, e.g. Europe/Paris', 'UTC')
    .addOption(
      new Option('--misfire <policy>', 'missed slots: skip, or one task for them all').choices([
        'skip',
        'run-once',
      ]),
    )
    .addOption(
      new Option('--overlap <policy>', 'allow, or skip a slot while the previous task is unfinished').choices(
        ['allow', 'skip'],
      ),
    )
    .option('--misfire-grace-ms <ms>', 'a slot later than this when fired is missed (default 60000)', integer)
    .option('-p, --priority <0-9>', 'priority of its tasks', integer)
    .option('--max-attempts <n>', 'attempts of its tasks', integer)
    .option('--timeout-ms <ms>', 'timeout of its tasks', integer)
    .option('--paused', 'create it paused')
    .action(
      async (
        id: string,
        cron: string,
        type: string,
        payload: string,
        o: ScheduleAddOptions,
        command: Command,
      ) => {
        const { client, print } = context(command);
        const body: ScheduleSubmission = {
          id,
          cron,
          timezone: o.tz,
          task: {
            queue: o.queue,
            type,
            payload: parsePayload(payload),
            ...(o.priority !== undefined && { priority: o.priority }),
            ...(o.maxAttempts !== undefined && { maxAttempts: o.maxAttempts }),
            ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }),
          },
          ...(o.misfire !== undefined && { misfire: o.misfire }),
          ...(o.overlap !== undefined && { overlap: o.overlap }),
          ...(o.misfireGraceMs !== undefined && { misfireGraceMs: o.misfireGraceMs }),
          ...(o.paused && { paused: true }),
        };
        const created = await client.createSchedule(body);
        print(created, () => scheduleDetails(created));
      },
    );

  schedule
    .command('ls')
    .description('the schedules by id: next run, last task, counts')
    .option('-q, --queue <name>', 'only the schedules of this queue')
    .option('-n, --limit <n>', 'most schedules in the page', integer, 100)
    .option('--cursor <cursor>', 'go on where the previous page ended (its nextCursor)')
    .action(async (o: { queue?: string; limit: number; cursor?: string }, command: Command) => {
      const { client, print } = context(command);
      const page = await client.schedules(o);
      print(page, () => {
        if (page.schedules.length === 0) return 'no schedules';
        const footer = page.nextCursor
          ? `\n${page.schedules.length} shown of ${page.total}; next page: tq schedule ls --cursor ${page.nextCursor}`
          : '';
        return scheduleTable(page.schedules) + footer;
      });
    });

  schedule
    .command('show')
    .description('a schedule with its next runs')
    .argument('<id>', 'the schedule id')
    .option('--runs <n>', 'how many next runs', integer, 5)
    .action(async (id: string, o: { runs: number }, command: Command) => {
      const { client, print } = context(command);
      const found = await client.schedule(id, { runs: o.runs });
      print(found, () => scheduleDetails(found));
    });

  for (const [verb, description] of [
    ['pause', 'stop a schedule from firing'],
    ['resume', 'fire a schedule again, from now on (the slots of the pause do not run)'],
  ] as const) {
    schedule
      .command(verb)
      .description(description)
      .argument('<id>', 'the schedule id')
      .action(async (id: string, _o: object, command: Command) => {
        const { client, print } = context(command);
        const changed = await client.updateSchedule(id, { paused: verb === 'pause' });
        print(changed, () => scheduleDetails(changed));
      });
  }

  schedule
    .command('rm')
    .description('delete a schedule (the tasks it enqueued stay)')
    .argument('<id>', 'the schedule id')
    .action(async (id: string, _o: object, command: Command) => {
      const { client, print } = context(command);
      await client.deleteSchedule(id);
      print({ deleted: id }, () => `deleted schedule ${id}`);
    });

  const dead = program.command('dead').description('list, requeue and purge dead letters');

  dead
    .command('ls')
    .description("a queue's dead tasks, newest first")
    .argument('<queue>', 'the queue')
    .option('-t, --type <type>', 'only tasks of this type')
    .option('-n, --limit <n>', 'most tasks in the page', integer, 20)
    .option('--cursor <cursor>', 'go on where the previous page ended (its nextCursor)')
    .action(async (queue: string, o: PageOptions, command: Command) => {
      const { client, print } = context(command);
      const page = await client.deadLetters(queue, o);
      print(page, () => pageText(page.tasks, page.total, page.nextCursor, `tq dead ls ${queue}`));
    });

  dead
    .command('requeue')
    .description('the redrive: dead tasks back to pending with fresh attempts')
    .argument('<queue>', 'the queue')
    .argument('[ids...]', 'the dead tasks to requeue')
    .option('--all', 'every dead task of the queue (instead of ids)')
    .action(async (queue: string, ids: string[], o: { all?: boolean }, command: Command) => {
      const { client, print } = context(command);
      const result = await client.requeueDead(queue, selection(ids, o.all, 'requeue'));
      print(result, () =>
        details([
          ['requeued', result.requeued.length],
          ['not dead', result.notDead.length ? result.notDead.join(' ') : undefined],
        ]),
      );
    });

  dead
    .command('purge')
    .description('delete dead tasks for good')
    .argument('<queue>', 'the queue')
    .argument('[ids...]', 'the dead tasks to delete')
    .option('--all', 'every dead task of the queue (instead of ids)')
    .action(async (queue: string, ids: string[], o: { all?: boolean }, command: Command) => {
      const { client, print } = context(command);
      const purged = await client.purgeDead(queue, selection(ids, o.all, 'purge'));
      print({ purged }, () => `purged ${purged}`);
    });

  program
    .command('workers')
    .description('the live workers: host, pid, queues, busy slots, last heartbeat')
    .option('-q, --queue <name>', 'only the workers that claim from this queue')
    .action(async (o: { queue?: string }, command: Command) => {
      const { client, print } = context(command);
      const list = await client.workers({ queue: o.queue });
      print(list, () =>
        list.workers.length ? `${workerTable(list.workers)}\n${list.total} live` : 'no live workers',
      );
    });

  program
    .command('stats')
    .description('attempts processed and failed in the last hour, totals per state, then each queue')
    .option('-q, --queue <name>', 'only this queue')
    .option('--minutes <n>', 'how far back the processed and failed counts go', integer, 60)
    .action(async (o: { queue?: string; minutes: number }, command: Command) => {
      const { client, print } = context(command);
      const [all, history] = await Promise.all([
        o.queue ? client.queue(o.queue).then((q) => [q]) : client.queues(),
        client.statsHistory({ queue: o.queue, minutes: o.minutes }),
      ]);
      const totals: Record<string, number> = {};
      for (const q of all)
        for (const [state, n] of Object.entries(q.counts)) totals[state] = (totals[state] ?? 0) + (n ?? 0);
      print({ history, totals, queues: all }, () =>
        [
          details([
            [`processed (${history.minutes} min)`, history.totals.processed],
            [`failed (${history.minutes} min)`, history.totals.failed],
            ['queues', all.length],
            ...Object.entries(totals),
          ]),
          '',
          queueTable(all),
        ].join('\n'),
      );
    });

  return program;
}

interface AddOptions {
  queue?: string;
  priority?: number;
  delayMs?: number;
  runAt?: string;
  maxAttempts?: number;
  timeoutMs?: number;
  idempotencyKey?: string;
  group?: string;
  partitionKey?: string;
  wait?: boolean;
  waitTimeoutMs: number;
}

interface LimitOptions {
  rate?: string;
  concurrency?: number;
  groupConcurrency?: number;
  clear?: boolean;
}

interface ScheduleAddOptions {
  queue: string;
  tz: string;
  misfire?: 'skip' | 'run-once';
  overlap?: 'allow' | 'skip';
  misfireGraceMs?: number;
  priority?: number;
  maxAttempts?: number;
  timeoutMs?: number;
  paused?: boolean;
}

/** `--rate max/periodMs` as the API's rate. */
function rate(text: string): { max: number; periodMs: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (!match) throw new UsageError(`--rate must be max/periodMs, e.g. 20/1000; got ${JSON.stringify(text)}`);
  return { max: Number(match[1]), periodMs: Number(match[2]) };
}

interface SearchOptions {
  queue?: string;
  type?: string;
  status?: 'done' | 'dead' | 'canceled';
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

/** The filters of a search as options again, for the next page's command line. */
function searchArgs(filters: Omit<SearchOptions, 'limit' | 'cursor'>): string[] {
  return Object.entries(filters).flatMap(([name, value]) =>
    value === undefined ? [] : [`--${name}`, String(value)],
  );
}

interface PageOptions {
  type?: string;
  limit: number;
  cursor?: string;
}

function integer(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError('not an integer.');
  return Number(value);
}

/** JSON when it parses (`42`, `{"to":"a@b.c"}`, `"text"`), else the text itself. */
function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The ids given, or undefined (= all) with --all; neither or both is a usage error. */
function selection(ids: string[], all: boolean | undefined, verb: string): string[] | undefined {
  if (all && ids.length > 0) throw new UsageError(`${verb}: give ids or --all, not both`);
  if (!all && ids.length === 0)
    throw new UsageError(`${verb}: give the dead task ids, or --all for every one`);
  return all ? undefined : ids;
}

function pageText(
  tasks: Parameters<typeof taskTable>[0],
  total: number,
  nextCursor: string | null,
  again: string,
): string {
  if (tasks.length === 0) return `no tasks (${total} in this state)`;
  const footer = nextCursor
    ? `\n${tasks.length} shown of ${total}; next page: ${again} --cursor ${nextCursor}`
    : '';
  return taskTable(tasks) + footer;
}

/** What went wrong, for stderr: the problem details (and each field), or the client's message. */
function describe(error: unknown, json: boolean): string {
  if (error instanceof TqApiError) {
    if (json) {
      const { type, title, status, detail, instance, errors } = error;
      return `${JSON.stringify({ type, title, status, detail, instance, errors }, null, 2)}\n`;
    }
    const fields = (error.errors ?? []).map((f) => `\n  ${f.field || '(body)'}: ${f.message}`).join('');
    return `tq: ${error.message}${fields}\n`;
  }
  // No answer at all: most often no API at that address, so say where the address comes from.
  if (error instanceof TqNetworkError) {
    return `tq: ${error.message}\n  is the tq API running there? Point the CLI at it with --url or TQ_URL\n`;
  }
  // TqTimeoutError and anything unexpected: the message says what happened.
  return `tq: ${error instanceof Error ? error.message : String(error)}\n`;
}

interface ActOptions {
  action: (typeof ACTIONS)[number];
  state?: TaskStatus;
  type?: string;
  group?: string;
  limit: number;
  cursor?: string;
  all?: boolean;
}
