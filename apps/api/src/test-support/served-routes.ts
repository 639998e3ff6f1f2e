import type { Express } from 'express';

/** A route the express app serves: method, OpenAPI-style path, and the names of its handlers. */
export interface ServedRoute {
  method: string;
  /** `/tasks/{id}` for express's `/tasks/:id`, `/ui/{path}` for an optional wildcard `/ui{/*path}`. */
  path: string;
  handlers: string[];
}

interface Layer {
  name: string;
  slash?: boolean;
  route?: { path: string; methods: Record<string, boolean>; stack: { name: string }[] };
  handle: { stack?: Layer[] };
}

/**
 * Walks the app's router stack (express 5 internals) for every route it serves. Throws if a router is
 * mounted below the root, which would make req.route.path (the metrics label) a partial path.
 */
export function servedRoutes(app: Express): ServedRoute[] {
  const routes: ServedRoute[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          routes.push({
            method: method.toUpperCase(),
            path: layer.route.path.replace(/:(\w+)/g, '{$1}').replace(/\{\/\*(\w+)\}/g, '/{$1}'),
            handlers: layer.route.stack.map((h) => h.name),
          });
        }
      } else if (layer.handle.stack) {
        if (layer.slash !== true)
          throw new Error('a router is mounted below the root; mount every router at /');
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return routes;
}

/** Who may call a route: anyone, any token, or an admin token only. */
export type Access = 'open' | 'token' | 'admin';

/** What a document's `paths` says about one operation. */
export interface DocumentedRoute {
  method: string;
  path: string;
  /** open: `security: []`; admin: a security requirement naming the role "admin"; token otherwise. */
  access: Access;
}

/** Who may call a served route, from its guard. */
export function servedAccess(route: ServedRoute): Access {
  if (route.handlers.includes('requireAdminToken')) return 'admin';
  return route.handlers.includes('requireBearerToken') ? 'token' : 'open';
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** The operations of an OpenAPI document's `paths`. */
export function documentedRoutes(doc: { paths: Record<string, object> }): DocumentedRoute[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => {
        const security = (op as { security?: Record<string, string[]>[] }).security;
        const access: Access =
          security === undefined
            ? 'token'
            : security.length === 0
              ? 'open'
              : security.some((r) => Object.values(r).some((roles) => roles.includes('admin')))
                ? 'admin'
                : 'token';
        return { method: method.toUpperCase(), path, access };
      }),
  );
}

/** Differences between what is served and what is documented, as "METHOD path" lines; empty when they agree. */
export function routeDifferences(served: ServedRoute[], documented: DocumentedRoute[]): string[] {
  const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
  const docs = new Map(documented.map((d) => [key(d), d]));
  const servedKeys = new Set(served.map(key));
  const problems: string[] = [];
  for (const route of served) {
    const doc = docs.get(key(route));
    if (!doc) {
      problems.push(`served but not documented: ${key(route)}`);
      continue;
    }
    const access = servedAccess(route);
    if (access !== doc.access) {
      problems.push(`${key(route)}: served as ${access} but documented as ${doc.access}`);
    }
  }
  for (const doc of documented)
    if (!servedKeys.has(key(doc))) problems.push(`documented but not served: ${key(doc)}`);
  return problems;
}
