// Starts a redis-server through the TypeScript source, prints {pid, dir} and then either exits (argv[2] = "exit")
// or waits to be signalled, so a test can check that the exit cleanup leaves nothing behind.
const { readFileSync } = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const source = readFileSync(filename, 'utf8');
  const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  module._compile(ts.transpileModule(source, { compilerOptions: options }).outputText, filename);
};

const { startRedisServer } = require('../redis-server.ts');

startRedisServer().then(
  (server) => {
    process.stdout.write(`${JSON.stringify({ pid: server.pid, dir: server.dir })}\n`);
    if (process.argv[2] === 'exit') process.exit(0);
    setInterval(() => {}, 60_000);
  },
  (error) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
