import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { processGone } from './test-support/process-gone';
import { WAIT_FOR_TIMEOUT_MS } from './deadlines';
import { waitFor } from './wait-for';

// Each holder loads the TypeScript compiler (about 1 s alone on an idle machine); four at once next to
// the test command's builds and four busy loops took over 60 s (30 November 2026, load average 27).
const HOLDER_TEST_TIMEOUT_MS = 240_000;

// Jest skips globalTeardown when interrupted, so the helper itself must not leak servers or dirs.
describe('startRedisServer exit cleanup', () => {
  // Concurrent: each holder process spends most of its time loading typescript.
  it.concurrent.each(['SIGINT', 'SIGTERM', 'SIGHUP', 'exit'] as const)(
    'cleans up the server and its dir when the owning process ends by %s',
    async (ending) => {
      const holder = spawn(process.execPath, [join(__dirname, 'test-support/hold-redis-server.js'), ending], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const [line] = (await once(holder.stdout, 'data')) as [Buffer];
      const { pid, dir } = JSON.parse(line.toString()) as { pid: number; dir: string };
      expect(processGone(pid)).toBe(false);

      if (ending !== 'exit') holder.kill(ending);
      const [, signal] = (await once(holder, 'exit')) as [number | null, NodeJS.Signals | null];

      expect(signal).toBe(ending === 'exit' ? null : ending);
      await waitFor(() => processGone(pid), {
        timeoutMs: WAIT_FOR_TIMEOUT_MS,
        message: `redis-server ${pid} still running`,
      });
      expect(existsSync(dir)).toBe(false);
    },
    HOLDER_TEST_TIMEOUT_MS,
  );
});
