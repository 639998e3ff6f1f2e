import { parseRedisUrl, redactUrl, redactUrls } from '@tq/core';
import { z } from 'zod';

/** A configuration that failed validation; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Names of variables whose value may be a secret as a whole (API_TOKENS, SMTP_PASSWORD, …): never shown. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE|AUTH|(^|_)KEYS?($|_)/i;

/**
 * A bad variable's value as a ConfigError may show it: hidden for a secret-looking name; otherwise with
 * the user and password of any URL in it replaced by `***` (REDIS_URL, SMTP_URL).
 */
export function describeEnvValue(name: string, value: string | undefined): string {
  if (value === undefined) return '(unset)';
  if (SECRET_NAME.test(name)) return '(value hidden: it may hold a secret)';
  return JSON.stringify(value.includes('://') ? redactUrls(value) : redactUrl(value));
}

/**
 * Parses environment variables with a zod object schema whose keys are the variable names.
 * Throws a ConfigError naming each bad variable, its value (see {@link describeEnvValue}: never a secret)
 * and what is allowed.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = issue.path.map(String).join('.');
      // A message may quote the value (a parser's error): URLs in it lose their userinfo too.
      return `${name}=${describeEnvValue(name, env[name])}: ${redactUrls(issue.message)}`;
    }),
  );
}

/** An integer variable in [min, max] with a default; the error says the range. */
export function intVar(defaultValue: number, min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return defaultValue;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min || value > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return value;
    });
}

/** A comma-separated list variable (blank entries dropped). */
export function listVar(defaultValue: string[] = []) {
  return z
    .string()
    .optional()
    .transform((raw) =>
      raw === undefined
        ? defaultValue
        : raw
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0),
    );
}

/** A yes/no variable: 1, true, yes, on or 0, false, no, off (any case); unset or blank is the default. */
export function boolVar(defaultValue: boolean) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = raw?.trim().toLowerCase();
      if (value === undefined || value === '') return defaultValue;
      if (['1', 'true', 'yes', 'on'].includes(value)) return true;
      if (['0', 'false', 'no', 'off'].includes(value)) return false;
      ctx.addIssue({ code: 'custom', message: 'must be 1 or 0 (also true/false, yes/no, on/off)' });
      return z.NEVER;
    });
}

/** A string variable with a default. */
export function stringVar(defaultValue: string) {
  return z
    .string()
    .optional()
    .transform((raw) => (raw === undefined || raw.trim() === '' ? defaultValue : raw.trim()));
}

/** REDIS_URL: a URL every tq service can connect with (parseRedisUrl); the error says what is wrong with it. */
export function redisUrlVar(defaultValue: string) {
  return stringVar(defaultValue).superRefine((url, ctx) => {
    try {
      parseRedisUrl(url);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });
}

/**
 * DATABASE_URL: a postgres:// or postgresql:// URL that parses (node-postgres reads it with `new URL`, so a bad
 * port or a stray `%` would otherwise pass here and fail every connection as an outage). Required unless
 * `optional`, where unset or blank is '' (no database).
 */
export function postgresUrlVar({ optional }: { optional: boolean }) {
  // (An example with user:password@ would read postgres://***@… in the error: parseEnv redacts messages.)
  const example = 'postgres://host:5432/database, a user and password as user:password@host';
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const url = raw?.trim() ?? '';
      if (url === '') {
        if (optional) return '';
        ctx.addIssue({ code: 'custom', message: `is required: the PostgreSQL to use (${example})` });
        return z.NEVER;
      }
      if (!/^postgres(ql)?:\/\//.test(url)) {
        ctx.addIssue({ code: 'custom', message: `must be a postgres:// or postgresql:// URL (${example})` });
        return z.NEVER;
      }
      if (!URL.canParse(url) || !decodes(new URL(url).username) || !decodes(new URL(url).password)) {
        ctx.addIssue({
          code: 'custom',
          message: `is not a valid URL: write it as ${example}, the port a number, and a "%", "@", ":" or "/" in the user or password percent-encoded (%25, %40, %3A, %2F)`,
        });
        return z.NEVER;
      }
      return url;
    });
}

/** Whether `part` of a URL is valid percent-encoding (decodeURIComponent, as node-postgres decodes it). */
function decodes(part: string): boolean {
  try {
    decodeURIComponent(part);
    return true;
  } catch {
    return false;
  }
}

/** LOG_LEVEL: one of pino's levels. */
export const logLevelVar = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    error: 'must be one of fatal, error, warn, info, debug, trace, silent',
  })
  .default('info');
