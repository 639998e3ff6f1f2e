import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@tq/testing';
import { scenario } from '../harness/scenario';
import type { Service } from '../harness/service';
import type { LoadGenerator } from '../harness/load';
import { ChaosStack } from '../harness/stack';
import { sleep } from '../harness/stats';

/**
 * The previous release, built (`pnpm test:upgrade` makes it: scripts/test-upgrade.sh checks out
 * TQ_UPGRADE_FROM_COMMIT in a temporary git worktree and builds it there).
 */
const FROM = process.env.TQ_UPGRADE_FROM ?? '';
const oldEntry = (kind: 'api' | 'worker' | 'reaper') => join(FROM, 'apps', kind, 'dist', 'main.js');

/** Payload values that fail every attempt: retried, then dead, on both formats and both releases. */
const throwing = (first: number) =>
  Object.fromEntries([7, 77, 177].map((v) => [String(first + v), { mode: 'throw' }]));

scenario(
  {
    id: '20-rolling-upgrade',
    title: 'rolling upgrade to the compact task format (ADR 0045) with tasks in flight',
    guarantees: [
      '§2.1 no loss across releases',
      '§2.3 atomic transitions',
      'ADR 0045 format 1 stays readable',
    ],
    ci: false,
    noLossPromised: true,
    unavailable: () =>
      FROM === ''
        ? 'TQ_UPGRADE_FROM is not set: run it with pnpm test:upgrade, which builds the previous release'
        : existsSync(oldEntry('worker'))
          ? undefined
          : `TQ_UPGRADE_FROM=${FROM} holds no built release (apps/worker/dist/main.js)`,
  },
  (s) => {
    const stack = ChaosStack.create(s.meta.id);
    afterAll(() => stack.close());

    it('loses nothing while old and new workers and APIs share the queue, before and after the switch', () =>
      s.run(async () => {
        await stack.startRedis({ appendonly: false });
        const startApi = async (name: string, entry: string | undefined, env: Record<string, string>) => {
          const port = await freePort();
          const url = `http://127.0.0.1:${port}`;
          const api = stack.spawn(
            name,
            'api',
            { PORT: String(port), GRPC_PORT: '0', REDIS_COMMAND_TIMEOUT_MS: '1000', ...env },
            {},
            entry,
          );
          await stack.until(
            api,
            async () =>
              (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined))
                ?.status === 200,
            `${name} ready`,
          );
          return { api, url };
        };
        const startWorker = async (name: string, entry: string | undefined) => {
          const worker = stack.spawn(name, 'worker', await stack.workerEnv(), {}, entry);
          await stack.until(worker, () => worker.logged('worker started'), `${name} started`);
          return worker;
        };
        const stop = async (service: Service) => {
          service.signal('SIGTERM');
          await service.exited;
        };
        // stack.load gives the n-th generator the values from n * 1,000,000 + 1.
        const loadOn = (url: string, durationMs: number): LoadGenerator =>
          stack.load({
            url,
            ratePerSec: 60,
            durationMs,
            msRange: [20, 400],
            maxAttempts: 3,
            specials: throwing((stack.loads.length + 1) * 1_000_000 + 1),
          });
        const storedIdLengths = async () => {
          const redis = stack.redisClient();
          const prefix = (await stack.queueHandle()).partitions[0]!.keys.taskPrefix;
          const lengths: Record<number, number> = {};
          let cursor = '0';
          do {
            const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
            cursor = next;
            for (const key of keys) {
              const n = key.length - prefix.length;
              lengths[n] = (lengths[n] ?? 0) + 1;
            }
          } while (cursor !== '0');
          return lengths;
        };

        // 1. The previous release alone.
        const oldApi = await startApi('api-old', oldEntry('api'), {});
        const oldReaper = stack.spawn(
          'reaper-old',
          'reaper',
          { REAPER_INTERVAL_MS: '250', REAPER_QUEUES: stack.queue, METRICS_PORT: String(await freePort()) },
          {},
          oldEntry('reaper'),
        );
        await stack.until(oldReaper, () => oldReaper.logged('reaper started'), 'reaper-old started');
        const oldWorkers = [
          await startWorker('worker-old-1', oldEntry('worker')),
          await startWorker('worker-old-2', oldEntry('worker')),
        ];
        const loadOld = loadOn(oldApi.url, 14_000);
        await sleep(3000);

        // 2. The new release rolls in with TASK_FORMAT=1: old and new side by side, tasks through both APIs.
        const pinnedApi = await startApi('api-new-format1', undefined, { TASK_FORMAT: '1' });
        // The reaper too (docs/operations.md "Upgrading"): the tasks cron schedules fire are written by it.
        await stack.startReaper({ TASK_FORMAT: '1' }, { name: 'reaper-new' });
        const newWorkers = [
          await startWorker('worker-new-1', undefined),
          await startWorker('worker-new-2', undefined),
        ];
        const loadPinned = loadOn(pinnedApi.url, 16_000);
        await sleep(4000);
        // An old worker dies with tasks in flight: a reaper (either release) takes them back.
        await oldWorkers[0]!.kill();
        s.measure('old release: worker SIGKILLed', 1);
        await sleep(3000);

        // 3. The old release leaves; until then nothing was written in format 2.
        const summaryOld = await loadOld.finished();
        await stop(oldWorkers[1]!);
        await stop(oldReaper);
        await stop(oldApi.api);
        const beforeSwitch = await storedIdLengths();
        s.measure('stored task ids by length before the switch', beforeSwitch);

        // 4. The switch: a new API without TASK_FORMAT (format 2), while format 1 tasks are still in flight.
        const compactApi = await startApi('api-new-format2', undefined, {});
        const loadCompact = loadOn(compactApi.url, 10_000);
        await sleep(4000);
        await newWorkers[0]!.kill();
        s.measure('new release: worker SIGKILLed', 1);
        await startWorker('worker-new-3', undefined);
        const summaryPinned = await loadPinned.finished();
        await stop(pinnedApi.api);
        const summaryCompact = await loadCompact.finished();
        const drainMs = await stack.drain(90_000);
        const afterSwitch = await storedIdLengths();

        const { check, invariants } = await stack.judge(s);
        s.measure('load through the old API', summaryOld);
        s.measure('load through the new API, TASK_FORMAT=1', summaryPinned);
        s.measure('load through the new API, format 2', summaryCompact);
        s.measure('stored task ids by length after the switch', afterSwitch);
        s.measure('drain ms', drainMs);
        s.measure('duplicated values', check.duplicated.length);

        expect(Object.keys(beforeSwitch)).toEqual(['26']);
        expect(afterSwitch[26]).toBeGreaterThan(0);
        expect(afterSwitch[20]).toBeGreaterThan(0);
        expect(check.lost).toEqual([]);
        expect(check.unexpected).toEqual([]);
        expect(invariants.violations).toEqual([]);
        for (const summary of [summaryOld, summaryPinned, summaryCompact])
          expect(summary.ok).toBeGreaterThan(0);
      }));
  },
);
