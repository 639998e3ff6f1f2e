import { dirname, join } from 'node:path';

export { ChildService as Service, spawnTracked, type Exit } from '@tq/testing';

/** The services the tests run, each as `node <package>/dist/main.js`. */
export type ServiceKind = 'api' | 'worker' | 'reaper' | 'archiver';

/** The built entry point of a service, found through its workspace package (a devDependency here). */
export function entryPoint(kind: ServiceKind): string {
  return join(dirname(require.resolve(`@tq/${kind}/package.json`)), 'dist', 'main.js');
}
