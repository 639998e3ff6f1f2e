import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** `require` relative to this package, for modules without usable types or that may not be built yet. */
export const requireFromBench = createRequire(__filename);

/** The directory of a workspace package (e.g. `@tq/worker`), found through the bench's own dependencies. */
export function packageDir(name: string): string {
  return dirname(requireFromBench.resolve(`${name}/package.json`));
}

/** The path of a built file of a workspace package (e.g. `dist/main.js`), or null when it is not built. */
export function builtFile(pkg: string, file: string): string | null {
  const path = join(packageDir(pkg), file);
  return existsSync(path) ? path : null;
}
