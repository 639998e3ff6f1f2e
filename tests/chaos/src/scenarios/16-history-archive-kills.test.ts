import type { PartitionedQueue, TaskRecord } from '@tq/core';
import { postgresBinDir, startPostgresServer, type PostgresServer } from '@tq/testing';
import { Client } from 'pg';
import { check } from '../harness/checker';
import { scanInvariants } from '../harness/invariants';
import { enqueueRecords } from '../harness/load';
import { scenario, size } from '../harness/scenario';
import type { Service } from '../harness/service';
import { ChaosStack } from '../harness/stack';
import { between, sleep } from '../harness/stats';

/**
 * Every UPDATE and DELETE of a history row, recorded by a trigger in the same transaction: the proof that
 * a row is only ever replaced by a later state of the same task (not a sample of polls).
 */
const AUDIT_SQL = `
  create table tq_chaos_replaced (id text, old_status text, new_status text, old_finished timestamptz,
    new_finished timestamptz, same_task boolean);
  create table tq_chaos_deleted (id text);
  create function tq_chaos_audit() returns trigger language plpgsql as $$
  begin
    if tg_op = 'UPDATE' then
      insert into tq_chaos_replaced values (old.id, old.status, new.status, old.finished_at, new.finished_at,
        new.id = old.id and new.queue = old.queue and new.type = old.type and new.payload = old.payload
        and new.created_at = old.created_at);
      return new;
    end if;
    insert into tq_chaos_deleted values (old.id);
    return old;
  end $$;
  create trigger tq_chaos_audit before update or delete on tq_task_history
    for each row execute function tq_chaos_audit();
`;

/** Small batches: a pass is many upserts and confirms long, so kills land between and inside them. */
const ARCHIVER_ENV = { ARCHIVER_BATCH_SIZE: '100' };
/**
 * Retention keeps the newest 300 done and 20 dead tasks per queue (so some tasks are in both places and
 * must agree), and deletes the rest as soon as the archive lets it.
 */
const REAPER_ENV = {
  RETENTION_FINISHED_MAX_AGE_MS: '3600000',
  RETENTION_FINISHED_MAX_COUNT: '300',
  RETENTION_DEAD_MAX_COUNT: '20',
};
/** Every POISON-th value throws on every attempt: it dies, is archived dead, redriven, and dies again. */
const POISON = 40;

type Row = { id: string; status: string; finishedAt: number; value: number };

async function withClient<T>(url: string, body: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function archivedRows(url: string, queue: string): Promise<Map<string, Row>> {
  const { rows } = await withClient(url, (c) =>
    c.query<{ id: string; status: string; finished_at: Date; payload: string }>(
      'select id, status, finished_at, payload from tq_task_history where queue = $1',
      [queue],
    ),
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        status: r.status,
        finishedAt: r.finished_at.getTime(),
        value: (JSON.parse(r.payload) as { value: number }).value,
      },
    ]),
  );
}

/** Finished tasks in Redis whose archived mark is not their current state (not yet in PostgreSQL). */
async function unarchivedInRedis(logical: PartitionedQueue): Promise<number> {
  let n = 0;
  for (const [queue, state] of logical.partitions.flatMap((p) =>
    (['done', 'dead', 'canceled'] as const).map((st) => [p, st] as const),
  )) {
    for (const local of await queue.redis.zrange(queue.keys[state], '0', '-1')) {
      const [status, finishedAt, archived] = await queue.redis.hmget(
        queue.keys.taskPrefix + local,
        'status',
        'finishedAt',
        'archived',
      );
      if (status && archived !== `${status}:${finishedAt}`) n++;
    }
  }
  return n;
}

scenario(
  {
    id: '16-history-archive-kills',
    title: 'task history: workers, reapers, archivers and PostgreSQL SIGKILLed during a run',
    guarantees: [
      'issue 15: every acknowledged task in Redis or PostgreSQL, the two agreeing where in both',
      'issue 15: a history row only ever replaced by a later state of the same task',
      '§2.1 no loss (worker, reaper, archiver and PostgreSQL kills)',
    ],
    ci: true,
    noLossPromised: true,
    unavailable: () => {
      try {
        postgresBinDir();
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
  },
  (s) => {
    const stack = ChaosStack.create(s.meta.id);
    afterAll(() => stack.close());

    it('keeps every acknowledged task in Redis or PostgreSQL, agreeing, whatever dies', () =>
      s.run(async () => {
        await stack.startRedis();
        // A PostgreSQL of our own (a temp dir, a free port): the only one this scenario may kill.
        const pg: PostgresServer = await startPostgresServer();
        stack.onClose(() => pg.stop());

        let archiverSeq = 0;
        const archivers = new Set<Service>();
        const startArchiver = async (wait = true): Promise<void> => {
          const a = await stack.startArchiver(pg.url, ARCHIVER_ENV, {
            name: `archiver-${++archiverSeq}`,
            wait,
          });
          archivers.add(a);
        };
        await Promise.all([startArchiver(), startArchiver()]);
        await stack.until(
          undefined,
          () =>
            withClient(pg.url, async (c) => {
              const { rows } = await c.query<{ t: string | null }>(
                "select to_regclass('tq_task_history')::text as t",
              );
              return rows[0]?.t != null;
            }),
          'the archivers created the history table',
        );
        await withClient(pg.url, (c) => c.query(AUDIT_SQL));

        await stack.startApi();
        let reaperSeq = 0;
        const reapers = new Set<Service>();
        const startReaper = async (): Promise<void> => {
          const r = await stack.startReaper(REAPER_ENV, { name: `reaper-${++reaperSeq}` });
          reapers.add(r);
        };
        await Promise.all([startReaper(), startReaper()]);
        const pool = await stack.workerPool(3);

        const rate = size(60, 100);
        const durationMs = size(12_000, 25_000);
        const firstValue = 1_000_001; // the stack's first load generator
        const specials: Record<string, Record<string, unknown>> = {};
        for (let v = firstValue; v < firstValue + (rate * durationMs) / 500; v += POISON)
          specials[String(v)] = { mode: 'throw' };
        const load = stack.load({
          ratePerSec: rate,
          durationMs,
          msRange: [10, 200],
          maxAttempts: 5,
          specials,
        });

        // The monkey, counted steps 1.5-2.5 s apart: SIGKILL a worker (respawned by its pool), an archiver
        // or a reaper (a new one started at once), or PostgreSQL (restarted two steps later).
        const steps = size(
          ['worker', 'archiver', 'pg-kill', 'reaper', 'pg-restart', 'archiver', 'worker'],
          [
            ...['worker', 'archiver', 'pg-kill', 'worker', 'reaper', 'pg-restart', 'archiver', 'worker'],
            ...['pg-kill', 'archiver', 'reaper', 'pg-restart', 'worker', 'archiver'],
          ],
        );
        const kills = { worker: 0, archiver: 0, reaper: 0, postgres: 0 };
        const outagesMs: number[] = [];
        let downSince = 0;
        const killOne = async (set: Set<Service>): Promise<Service> => {
          const live = [...set].filter((x) => x.running);
          const victim = live[Math.floor(Math.random() * live.length)];
          if (!victim) throw new Error('nothing left to kill');
          await victim.kill();
          return victim;
        };
        for (const step of steps) {
          await sleep(between(1500, 2500));
          if (step === 'worker') {
            await stack.until(undefined, () => [...pool.current].some((w) => w.running), 'a live worker');
            await pool.killRandom();
            kills.worker++;
          } else if (step === 'archiver') {
            await killOne(archivers);
            kills.archiver++;
            await startArchiver(false);
          } else if (step === 'reaper') {
            await killOne(reapers);
            kills.reaper++;
            await startReaper();
          } else if (step === 'pg-kill') {
            await pg.kill();
            downSince = Date.now();
            kills.postgres++;
          } else {
            await pg.restart();
            outagesMs.push(Date.now() - downSince);
          }
        }
        const summary = await load.finished();
        await stack.drain(120_000);

        // The redrive: once every dead task Redis holds is archived dead, they run again (fresh attempts) and
        // die again, so their rows must be replaced by the later dead state.
        const queue = await stack.queueHandle();
        await stack.until(
          undefined,
          async () => (await unarchivedInRedis(queue)) === 0,
          'every finished task archived before the redrive',
          120_000,
        );
        const { requeued } = await queue.requeueDead();
        await killOne(archivers);
        kills.archiver++;
        await startArchiver(false);
        await stack.drain(120_000);
        await stack.until(
          undefined,
          async () => (await unarchivedInRedis(queue)) === 0,
          'every finished task archived',
          120_000,
        );
        await pool.stop();

        // Judge: where every acknowledged task is, and whether the places agree.
        const history = stack.history();
        const acked = history.flatMap((h) => (h.op === 'ok' && h.taskId ? [h] : []));
        const rows = await archivedRows(pg.url, stack.queue);
        const inRedis = new Map<string, TaskRecord>();
        for (const { taskId } of acked) {
          const task = await queue.getTask(taskId!);
          if (task) inRedis.set(taskId!, task);
        }
        const nowhere: string[] = [];
        const disagree: string[] = [];
        const wrongTask: string[] = [];
        for (const { taskId, value } of acked) {
          const row = rows.get(taskId!);
          const task = inRedis.get(taskId!);
          if (!row && !task) nowhere.push(taskId!);
          if (row && row.value !== value) wrongTask.push(taskId!);
          if (row && task && (row.status !== task.status || row.finishedAt !== task.finishedAt))
            disagree.push(
              `${taskId}: redis ${task.status}@${task.finishedAt}, row ${row.status}@${row.finishedAt}`,
            );
        }
        const both = acked.filter((h) => rows.has(h.taskId!) && inRedis.has(h.taskId!)).length;
        const { replaced, deletedRows } = await withClient(pg.url, async (c) => ({
          replaced: (
            await c.query<{
              id: string;
              later: boolean;
              same_task: boolean;
              old_status: string;
              new_status: string;
            }>(
              'select id, new_finished > old_finished as later, same_task, old_status, new_status from tq_chaos_replaced',
            )
          ).rows,
          deletedRows: Number((await c.query('select count(*)::int as n from tq_chaos_deleted')).rows[0].n),
        }));
        const badReplacements = replaced.filter((r) => !r.later || !r.same_task);
        const deadInPostgres = [...rows.values()].filter((r) => r.status === 'dead').map((r) => r.value);
        const deadValues = [...new Set([...(await stack.deadValues()), ...deadInPostgres])];
        const verdict = check(enqueueRecords(history), stack.records('effects'), deadValues);
        const invariants = await scanInvariants(stack.redisClient(), stack.queue);
        s.judged(verdict, invariants);

        s.measure('load', summary);
        s.measure('SIGKILLs', kills);
        s.measure('PostgreSQL outages ms', outagesMs);
        s.measure('acknowledged tasks', acked.length);
        s.measure('history rows', rows.size);
        s.measure('acknowledged tasks in Redis', inRedis.size);
        s.measure('acknowledged tasks in both places', both);
        s.measure('acknowledged tasks in neither place', nowhere.length);
        s.measure('in both places but disagreeing', disagree.length);
        s.measure('redriven dead tasks', requeued.length);
        s.measure('rows replaced', replaced.length);
        s.measure('rows replaced by an earlier state or another task', badReplacements.length);
        s.measure('rows deleted', deletedRows);
        s.note(
          `${acked.length} acknowledged: ${rows.size} rows, ${inRedis.size} in Redis, ${both} in both, ` +
            `${nowhere.length} nowhere, ${disagree.length} disagreeing; ${replaced.length} rows replaced ` +
            `(${badReplacements.length} wrongly); kills ${JSON.stringify(kills)}`,
        );

        expect({ nowhere: nowhere.length, sample: nowhere.slice(0, 10) }).toEqual({ nowhere: 0, sample: [] });
        expect(disagree.slice(0, 10)).toEqual([]);
        expect(wrongTask.slice(0, 10)).toEqual([]);
        expect(badReplacements.slice(0, 10)).toEqual([]);
        expect(deletedRows).toBe(0);
        expect(verdict.lost).toEqual([]);
        expect(verdict.unexpected).toEqual([]);
        expect(invariants.violations).toEqual([]);
        // The run exercised what it claims: kills of each kind, both places, rows replaced by the redrive.
        expect(kills.postgres).toBeGreaterThan(0);
        expect(both).toBeGreaterThan(0);
        expect(rows.size).toBeGreaterThan(inRedis.size);
        expect(requeued.length).toBeGreaterThan(0);
        expect(replaced.length).toBeGreaterThanOrEqual(requeued.length);
      }));
  },
);
