import { execFile } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  ChildService,
  freePort,
  randomQueueName,
  startRedisServer,
  waitFor,
  type RedisServer,
} from '@tq/testing';

const run = promisify(execFile);

/** The published packages: the client, the CLI, and the worker runtime with what it depends on. */
const PACKAGES = ['@tq/client', '@tq/cli', '@tq/worker', '@tq/core', '@tq/task', '@tq/ops'];
/** Packages whose entry points attw checks (the CLI has only a bin). */
const LIBRARIES = PACKAGES.filter((name) => name !== '@tq/cli');
const TOKEN = 'package-test-token';

const dirOf = (name: string) => dirname(require.resolve(`${name}/package.json`));
/** A linter installed in this package (a devDependency). */
const bin = (name: string) => join(__dirname, '..', 'node_modules', '.bin', name);

/**
 * A user's environment: no workspace, no pnpm variables (pnpm passes npm_config_* to scripts, which would
 * steer npm), the user's npm cache (HOME) so repeated runs install offline.
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir() };
  for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy'])
    if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...extra };
}

describe('the published packages, installed from their tarballs outside the workspace', () => {
  const work = mkdtempSync(join(tmpdir(), 'tq-packages-'));
  const tarballs = join(work, 'tarballs');
  const project = join(work, 'project');
  const queue = randomQueueName('packages');
  const tarballOf: Record<string, string> = {};
  let redis: RedisServer;
  let api: ChildService;
  let apiUrl = '';

  beforeAll(async () => {
    // pnpm pack, as a release does: workspace:* becomes the real version, `files` decides the contents.
    for (const name of PACKAGES) {
      const { stdout } = await run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dirOf(name) });
      tarballOf[name] = stdout.trim().split('\n').pop()!.trim();
      expect(existsSync(tarballOf[name])).toBe(true);
    }
    cpSync(join(__dirname, '..', 'scratch'), project, { recursive: true });
    const local = Object.fromEntries(PACKAGES.map((name) => [name, `file:${tarballOf[name]}`]));
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'tq-scratch',
        private: true,
        dependencies: { ...local, typescript: '6.0.3', '@types/node': '20.19.43' },
        // The tarballs depend on each other by version: the local files, never a registry's @tq/*.
        overrides: Object.fromEntries(PACKAGES.map((name) => [name, `$${name}`])),
      }),
    );
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
      cwd: project,
      env: userEnv(),
    });

    redis = await startRedisServer();
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    api = new ChildService(
      'api',
      'api',
      { REDIS_URL: redis.url, PORT: String(port), GRPC_PORT: '0', API_TOKENS: TOKEN },
      { argv: [join(dirOf('@tq/api'), 'dist', 'main.js')] },
    );
    await waitFor(async () => (await fetch(`${apiUrl}/readyz`).catch(() => undefined))?.status === 200, {
      timeoutMs: 30_000,
      message: 'the API is ready',
    });
  });

  afterAll(async () => {
    await api?.kill();
    await redis?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('are real copies, not links into the workspace', () => {
    for (const name of PACKAGES) {
      const installed = join(project, 'node_modules', name);
      expect({ name, symlink: lstatSync(installed).isSymbolicLink() }).toEqual({ name, symlink: false });
      const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      expect(JSON.stringify(manifest.dependencies ?? {})).not.toContain('workspace:');
    }
  });

  it('pass publint (strict) and, for the libraries, @arethetypeswrong/cli', async () => {
    for (const name of PACKAGES) {
      const { stdout } = await run(bin('publint'), ['run', tarballOf[name]!, '--strict'], { env: userEnv() });
      expect({ name, publint: stdout.trim().split('\n').pop() }).toEqual({ name, publint: 'All good!' });
    }
    for (const name of LIBRARIES) {
      const result = await run(bin('attw'), [tarballOf[name]!, '--format', 'json', '--no-definitely-typed'], {
        env: userEnv(),
      }).catch((error: { stdout: string }) => error);
      const { problems } = JSON.parse(result.stdout) as { problems: Record<string, unknown> };
      expect({ name, problems }).toEqual({ name, problems: {} });
    }
  });

  it('type-check as a Node 20 TypeScript project with ESM and CommonJS files', async () => {
    await run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], {
      cwd: project,
      env: userEnv(),
    }).catch((error: { stdout: string; stderr: string }) => {
      throw new Error(`tsc failed in the scratch project:\n${error.stdout}${error.stderr}`);
    });
    for (const file of ['esm.mjs', 'cjs.cjs', 'worker.cjs'])
      expect(existsSync(join(project, 'out', file))).toBe(true);
  });

  it('process the seed task: submitted by an ESM and a CJS script, handled by the installed worker runtime', async () => {
    const env = { REDIS_URL: redis.url, QUEUE: queue };
    const worker = new ChildService('scratch-worker', 'worker', env, {
      argv: [join(project, 'out', 'worker.cjs')],
    });
    try {
      const ready = await waitFor(() => worker.logs.find((line) => line.includes('"ready":true')), {
        timeoutMs: 30_000,
        message: 'the scratch worker started',
      });
      // Its @tq/core, and so the Lua scripts it loaded, come from the installed package.
      const core = (JSON.parse(ready) as { core: string }).core;
      expect(core.startsWith(join(project, 'node_modules', '@tq', 'core'))).toBe(true);
      expect(existsSync(join(project, 'node_modules', '@tq', 'core', 'dist', 'lua', 'claim.lua'))).toBe(true);

      for (const [script, build] of [
        ['esm.mjs', join('dist', 'esm', 'index.js')],
        ['cjs.cjs', join('dist', 'cjs', 'index.js')],
      ] as const) {
        const { stdout } = await run(process.execPath, [join(project, 'out', script)], {
          cwd: project,
          env: userEnv({ TQ_URL: apiUrl, TQ_TOKEN: TOKEN, QUEUE: queue }),
        });
        const answer = JSON.parse(stdout) as {
          resolved: string;
          task: Record<string, unknown>;
          notFound: boolean;
        };
        expect(answer.resolved.replace('file://', '')).toBe(
          join(project, 'node_modules', '@tq', 'client', build),
        );
        expect(answer.task).toMatchObject({
          type: 'email',
          payload: 'hello world',
          status: 'done',
          result: { delivered: 'hello world', by: 'scratch-worker', attempt: 1 },
        });
        expect(answer.notFound).toBe(true);
      }
    } finally {
      worker.signal('SIGTERM');
      await worker.exited;
    }
  });

  it('install a working tq binary', async () => {
    const { stdout } = await run(
      join(project, 'node_modules', '.bin', 'tq'),
      ['--json', 'queue', 'stats', queue],
      {
        env: userEnv({ TQ_URL: apiUrl, TQ_TOKEN: TOKEN }),
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({ name: queue, counts: { done: 2 } });
  });
});
