import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from '@tq/ops';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiToken, TokenScope } from './config';
import { routeLabel } from './observe-requests';
import { HttpProblem } from './problem';

const CHALLENGE = 'Bearer realm="tq"';

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/** Who made a request: the name of its token (never the token) and its scope. */
export interface Caller {
  name: string;
  scope: TokenScope;
}

/** The caller when no token is configured: authentication is off and everyone may do everything. */
const ANONYMOUS: Caller = { name: 'anonymous', scope: 'admin' };

/** The two guards routes put in front of their handlers, one per scope. */
export interface Auth {
  /** Any configured token (producer or admin): submitting and reading. */
  any: RequestHandler;
  /** An admin token: everything that changes queues or tasks but submitting; each use is logged. */
  admin: RequestHandler;
  /** Whether any token is configured (authentication on). */
  enabled: boolean;
  /**
   * The same check for another protocol (gRPC metadata): the caller of an `authorization` value, needing
   * `scope`; throws the same unauthorized or forbidden problem, and logs a refused admin action as the admin
   * guard does, under `route`.
   */
  check(authorization: string | undefined, scope: TokenScope, route: string): Caller;
}

/**
 * Bearer-token guards (docs/api.md#authentication). With no token configured both let every request
 * through (authentication off). Tokens are compared as SHA-256 digests with timingSafeEqual: equal-length
 * inputs, and every configured token is compared, so timing tells nothing about how much of a guess was
 * right or which token matched. Routes add a guard one by one (never /healthz, /readyz, /metrics), so a
 * refusal is counted under the route it was for. The admin guard logs every admin request once it is
 * answered, with the token's name, the route, its path parameters and the status (`audit` adds what the
 * route did), under the `audit` component.
 */
export function bearerAuth(tokens: readonly ApiToken[], logger: Logger): Auth {
  const known = tokens.map((t) => ({ digest: digest(t.token), caller: { name: t.name, scope: t.scope } }));
  const audit = logger.child({ component: 'audit' });

  const identify = (req: Request): Caller => identifyHeader(req.headers.authorization);
  const identifyHeader = (authorization: string | undefined): Caller => {
    if (known.length === 0) return ANONYMOUS;
    const match = /^Bearer +([^ ]+) *$/i.exec(authorization ?? '');
    if (!match) {
      throw new HttpProblem(
        'unauthorized',
        'this route needs a bearer token: send Authorization: Bearer <token>',
        {
          headers: { 'WWW-Authenticate': CHALLENGE },
        },
      );
    }
    const presented = digest(match[1]!);
    let caller: Caller | undefined;
    for (const k of known) if (timingSafeEqual(presented, k.digest)) caller = k.caller;
    if (!caller) {
      throw new HttpProblem('unauthorized', 'the bearer token is not valid', {
        headers: {
          'WWW-Authenticate': `${CHALLENGE}, error="invalid_token", error_description="the token is not valid"`,
        },
      });
    }
    return caller;
  };

  const refuseProducer = (caller: Caller, method: string, route: string, params: unknown): never => {
    audit.warn({ token: caller.name, method, route, params }, 'admin action refused: producer token');
    throw new HttpProblem(
      'forbidden',
      `this route needs an admin token (API_TOKENS); "${caller.name}" is a producer token, which may submit and read only`,
    );
  };

  return {
    enabled: known.length > 0,
    check: (authorization, scope, route) => {
      const caller = identifyHeader(authorization);
      if (scope === 'admin' && caller.scope !== 'admin') refuseProducer(caller, 'grpc', route, {});
      return caller;
    },
    any: function requireBearerToken(req: Request, res: Response, next: NextFunction) {
      res.locals.caller = identify(req);
      next();
    },
    admin: function requireAdminToken(req: Request, res: Response, next: NextFunction) {
      const caller = identify(req);
      res.locals.caller = caller;
      if (caller.scope !== 'admin') refuseProducer(caller, req.method, routeLabel(req), req.params);
      res.once('close', () => {
        audit.info(
          {
            token: caller.name,
            method: req.method,
            route: routeLabel(req),
            params: req.params,
            // 499: the client went away before the answer (the action may still have happened).
            status: res.writableFinished ? res.statusCode : 499,
            ...(res.locals.audit as object | undefined),
          },
          'admin action',
        );
      });
      next();
    },
  };
}

/** Adds what an admin route did (counts, not payloads) to its audit log line. */
export function audit(res: Response, detail: Record<string, unknown>): void {
  res.locals.audit = { ...(res.locals.audit as object | undefined), ...detail };
}
