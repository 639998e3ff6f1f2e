import { execFile } from 'node:child_process';

/**
 * Runs `redis-cli` (REDIS_CLI_BIN or `redis-cli` on PATH) with `args` and returns its stdout. Rejects when it
 * exits non-zero or runs longer than `timeoutMs` (default 10000 ms).
 */
export function redisCli(args: string[], { timeoutMs = 10_000 } = {}): Promise<string> {
  const bin = process.env.REDIS_CLI_BIN ?? 'redis-cli';
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(
          new Error('redis-cli not found: install it (apt-get install redis-tools) or set REDIS_CLI_BIN'),
        );
      } else if (err) {
        reject(new Error(`redis-cli ${args.join(' ')} failed: ${err.message}${stdout}${stderr}`));
      } else {
        resolve(stdout);
      }
    });
  });
}
