import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where Debian's libfaketime puts the multithreaded library (Node is multithreaded). */
const LIBFAKETIME = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1',
  '/usr/lib/faketime/libfaketimeMT.so.1',
];

function findLibfaketime(): string | undefined {
  return LIBFAKETIME.find((path) => existsSync(path));
}

/**
 * The path of libfaketimeMT.so.1, installing the `faketime` package with apt-get when it is missing and
 * this process runs as root. Undefined (with the reason) when it cannot be had: the caller skips, loudly.
 */
export function libfaketime(): { path?: string; reason?: string } {
  const found = findLibfaketime();
  if (found) return { path: found };
  if (process.getuid?.() !== 0)
    return { reason: 'libfaketime is not installed and this is not root: apt-get install -y faketime' };
  try {
    process.stderr.write('chaos: installing faketime with apt-get (needed for the clock-skew scenario)\n');
    try {
      execFileSync('apt-get', ['install', '-y', '-qq', 'faketime'], { stdio: 'ignore', timeout: 120_000 });
    } catch {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', timeout: 180_000 });
      execFileSync('apt-get', ['install', '-y', '-qq', 'faketime'], { stdio: 'ignore', timeout: 120_000 });
    }
  } catch (error) {
    return { reason: `apt-get install -y faketime failed: ${(error as Error).message}` };
  }
  const installed = findLibfaketime();
  return installed ? { path: installed } : { reason: 'faketime installed but libfaketimeMT.so.1 not found' };
}

/** Environment that makes a process (not redis-server: it crashes under libfaketime) see a skewed clock. */
export function skewedClockEnv(lib: string, offset: string): Record<string, string> {
  return { LD_PRELOAD: lib, FAKETIME: offset };
}
