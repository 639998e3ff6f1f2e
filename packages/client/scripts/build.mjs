// Builds dist/cjs (CommonJS) and dist/esm (ES modules), each with its own .d.ts files and a package.json
// saying which module type its .js and .d.ts files are, so Node, bundlers and TypeScript read each
// format as what it is (checked by publint and @arethetypeswrong/cli in the package test).
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const build = (outDir, ...flags) =>
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir, ...flags], {
    stdio: 'inherit',
  });

rmSync('dist', { recursive: true, force: true });
build('dist/cjs', '--module', 'node20', '--moduleResolution', 'node16');
build('dist/esm', '--module', 'es2022', '--moduleResolution', 'bundler');
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');
writeFileSync('dist/esm/package.json', '{ "type": "module" }\n');
