// Generates src/generated/openapi.ts, the types of every route, from the API's checked-in OpenAPI
// document (apps/api/openapi.json, kept equal to the code by the API's tests). `--check` writes nothing
// and fails when the checked-in types are stale: a route change reaches the client's typecheck, and a
// change that breaks the client fails the build.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const require = createRequire(import.meta.url);
const documentFile = require.resolve('@tq/api/openapi.json');
const target = fileURLToPath(new URL('../src/generated/openapi.ts', import.meta.url));

const ast = await openapiTS(JSON.parse(readFileSync(documentFile, 'utf8')), { exportType: true });
const text =
  '// Generated from apps/api/openapi.json by scripts/generate.mjs (pnpm --filter @tq/client generate).\n' +
  '// Do not edit: change the API, rewrite its document, and generate again.\n\n' +
  astToString(ast);

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing: stale too
  }
  if (current !== text) {
    console.error(
      `${target} is stale: the API's OpenAPI document changed. Run: pnpm --filter @tq/client generate`,
    );
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}
