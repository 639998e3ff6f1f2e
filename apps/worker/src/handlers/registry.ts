import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from '@tq/ops';
import type { HandlerMap } from '../types';
import { handlerProblem } from '../worker-options';
import { createEmailHandler } from './email';
import { createHttpHandler } from './http';

/** What the stock worker's handlers are built from (see config.ts). */
export interface HandlerSettings {
  httpAllowedHosts: string[];
  /** HTTP_TASK_ALLOW_PRIVATE_ADDRESSES. Default false. */
  httpAllowPrivateAddresses?: boolean;
  smtpUrl?: string;
  emailFrom: string;
  emailDefaultTo?: string;
  /** HANDLER_MODULES: paths (relative to `cwd`) or package names. */
  modules: string[];
}

/**
 * The stock worker's handlers: the built-in `http` and `email`, then those of each HANDLER_MODULES module
 * in order (a later one may replace an earlier or built-in type, which is logged). Throws an Error naming
 * the module and what is wrong with it.
 */
export function loadHandlers(settings: HandlerSettings, logger: Logger, cwd = process.cwd()): HandlerMap {
  const handlers: HandlerMap = {
    http: createHttpHandler(settings.httpAllowedHosts, {
      allowPrivateAddresses: settings.httpAllowPrivateAddresses,
    }),
    email: createEmailHandler({
      smtpUrl: settings.smtpUrl,
      from: settings.emailFrom,
      defaultTo: settings.emailDefaultTo,
      logger,
    }),
  };
  for (const spec of settings.modules) {
    for (const [type, handler] of Object.entries(loadHandlerModule(spec, cwd))) {
      if (Object.hasOwn(handlers, type))
        logger.warn({ type, module: spec }, 'a handler module replaces an earlier handler of this type');
      handlers[type] = handler;
    }
    logger.info({ module: spec }, 'handler module loaded');
  }
  return handlers;
}

/**
 * Loads one handler module: it exports `handlers: Record<string, Handler>` or a default export of that
 * shape. CommonJS, or ESM without top-level await (Node >= 20.19 loads both with require).
 */
export function loadHandlerModule(spec: string, cwd = process.cwd()): HandlerMap {
  const where = `HANDLER_MODULES: module "${spec}"`;
  // A require rooted at the working directory: a path is relative to it (with or without "./", as an
  // operator would write it), anything else is a package looked up in its node_modules.
  const requireFromCwd = createRequire(join(cwd, 'handler-modules.js'));
  const asPath = resolve(cwd, spec);
  let exported: unknown;
  try {
    exported = requireFromCwd(existsSync(asPath) ? asPath : requireFromCwd.resolve(spec));
  } catch (error) {
    throw new Error(
      `${where} cannot be loaded: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      { cause: error },
    );
  }
  const mod = exported as { handlers?: unknown; default?: unknown } | null;
  const candidate =
    mod?.handlers ?? (mod?.default as { handlers?: unknown } | undefined)?.handlers ?? mod?.default;
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    throw new Error(
      `${where} must export \`handlers\`, an object of async functions by task type (or a default export of that shape)`,
    );
  }
  const entries = Object.entries(candidate);
  if (entries.length === 0) throw new Error(`${where} exports no handlers`);
  for (const [type, handler] of entries) {
    const problem = handlerProblem(type, handler);
    if (problem !== undefined) throw new Error(`${where}: ${problem}`);
  }
  return candidate as HandlerMap;
}
