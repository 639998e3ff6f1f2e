import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpProblem } from './problem';

const CHALLENGE = 'Bearer realm="tq"';

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/**
 * Requires `Authorization: Bearer <token>` with one of `tokens` (API_TOKENS); with no tokens it lets
 * every request through (auth off). Tokens are compared as SHA-256 digests with timingSafeEqual:
 * equal-length inputs, and every configured token is compared, so timing tells nothing about how
 * much of a guess was right or which token matched. Routes add it one by one (never /healthz,
 * /readyz, /metrics), so a refusal is counted under the route it was for.
 */
export function bearerAuth(tokens: readonly string[]): RequestHandler {
  const digests = tokens.map(digest);
  return function requireBearerToken(req: Request, _res: Response, next: NextFunction) {
    if (digests.length === 0) return next();
    const match = /^Bearer +([^ ]+) *$/i.exec(req.headers.authorization ?? '');
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
    let valid = false;
    for (const d of digests) valid = timingSafeEqual(presented, d) || valid;
    if (!valid) {
      throw new HttpProblem('unauthorized', 'the bearer token is not valid', {
        headers: {
          'WWW-Authenticate': `${CHALLENGE}, error="invalid_token", error_description="the token is not valid"`,
        },
      });
    }
    next();
  };
}
