import { MAX_PARTITIONS } from '@tq/core';
import {
  boolVar,
  intVar,
  listVar,
  logLevelVar,
  parseEnv,
  postgresUrlVar,
  redisUrlVar,
  stringVar,
} from '@tq/ops';
import { z } from 'zod';

/** An entry of QUEUE_NAMES_ALLOWED: a queue name, or one with `*` standing for any run of name characters. */
const QUEUE_PATTERN = /^[A-Za-z0-9_*-]{1,64}$/;

/** RFC 6750 b64token: what may follow "Bearer " in an Authorization header. */
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** What a token may do: a producer submits and reads; an admin also changes queues and tasks. */
export type TokenScope = 'producer' | 'admin';

/** A configured bearer token. `name` is what logs say, never the token. */
export interface ApiToken {
  name: string;
  token: string;
  scope: TokenScope;
}

const TOKEN_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * A list of bearer tokens: `token` or `name:token` per entry (a colon cannot occur in a bearer token, so
 * the two are told apart); unnamed ones are called `<scope>-<position>`. Errors name the position, never
 * echo a token.
 */
function tokenListVar(scope: TokenScope) {
  return listVar([]).transform((entries, ctx): ApiToken[] =>
    entries.map((entry, i) => {
      const colon = entry.indexOf(':');
      const name = colon < 0 ? `${scope}-${i + 1}` : entry.slice(0, colon);
      const token = entry.slice(colon + 1);
      if (!TOKEN_NAME.test(name)) {
        ctx.addIssue({
          code: 'custom',
          message: `entry #${i + 1}: the name before ":" must be 1-64 letters, digits, "_", "." or "-"`,
        });
      }
      if (!BEARER_TOKEN.test(token)) {
        ctx.addIssue({
          code: 'custom',
          message: `entry #${i + 1}: the token has characters a bearer token cannot carry (RFC 6750)`,
        });
      }
      return { name, token, scope };
    }),
  );
}

const schema = z.object({
  PORT: intVar(8080, 0, 65535),
  /** The gRPC API (tq.v1.TaskService, docs/grpc.md) listens here; 0 turns it off. */
  GRPC_PORT: intVar(9090, 0, 65535),
  /**
   * Serve /metrics (with /healthz and /readyz) on this port instead of PORT, so a NetworkPolicy can open
   * it to Prometheus alone. Unset (default): /metrics is a route of PORT.
   */
  METRICS_PORT: z
    .string()
    .optional()
    .transform((raw) => (raw === undefined || raw.trim() === '' ? undefined : raw.trim()))
    .pipe(intVar(0, 0, 65535).optional()),
  REDIS_URL: redisUrlVar('redis://localhost:6379'),
  /**
   * Admin bearer tokens, comma-separated, each `token` or `name:token` (the name goes in the audit log):
   * everything, including pause/resume, redrive, purge, cancel and the other task actions.
   */
  API_TOKENS: tokenListVar('admin'),
  /** Producer bearer tokens, the same way: submit tasks and read everything, change nothing else. */
  API_PRODUCER_TOKENS: tokenListVar('producer'),
  /** Largest serialized task payload, bytes (1 MiB like SQS). Request bodies may be 64 KiB larger. */
  MAX_PAYLOAD_BYTES: intVar(1024 * 1024, 1, 64 * 1024 * 1024),
  /** Waiting tasks per queue above which POST /tasks answers 429. 0 = no limit. */
  QUEUE_MAX_DEPTH: intVar(0, 0),
  /** Queue names or `*` patterns tasks may be submitted to; empty = any valid name. */
  QUEUE_NAMES_ALLOWED: listVar([]).refine((entries) => entries.every((e) => QUEUE_PATTERN.test(e)), {
    error: 'must be a comma-separated list of queue names or patterns (letters, digits, "_", "-" and "*")',
  }),
  /**
   * The stored format of new tasks (ADR 0045): 2 = compact, 1 = the format releases before it write and
   * read. Set 1 on every API while processes of such a release still run (docs/operations.md).
   */
  TASK_FORMAT: intVar(2, 1, 2),
  /** Partitions a queue gets when a submission creates it (ADR 0040); 1 = unpartitioned. */
  QUEUE_DEFAULT_PARTITIONS: intVar(1, 1, MAX_PARTITIONS),
  /** Most queues tq may hold (tq:queues); a submission creating one more gets 403. 0 = no limit. */
  QUEUE_MAX_COUNT: intVar(1000, 0, 10_000_000),
  /** Most cron schedules tq may hold (tq:schedules); POST /schedules past it gets 403. 0 = no limit. */
  SCHEDULE_MAX_COUNT: intVar(10_000, 0, 1_000_000),
  /** Most queues with their own series in /metrics; the rest share queue="~other". */
  METRICS_MAX_QUEUES: intVar(100, 0, 100_000),
  /** How long an idempotency key is remembered, ms (default 24 h). */
  IDEMPOTENCY_TTL_MS: intVar(24 * 3600_000, 1000, 30 * 24 * 3600_000),
  /** 1: refuse to start unless every Redis master has AOF on with appendfsync always and noeviction. */
  REDIS_REQUIRE_DURABLE: boolVar(false),
  /** Longest wait for a Redis reply, ms, reconnects included; past it a request gets 503. */
  REDIS_COMMAND_TIMEOUT_MS: intVar(2000, 10, 60_000),
  /**
   * Replicas that must confirm an enqueue (WAIT, ADR 0044) before POST /tasks answers 2xx; fewer within
   * REDIS_ENQUEUE_WAIT_TIMEOUT_MS: 503. 0 (default): no wait, replication stays asynchronous.
   */
  REDIS_ENQUEUE_WAIT_REPLICAS: intVar(0, 0, 16),
  /** How long an enqueue waits for REDIS_ENQUEUE_WAIT_REPLICAS replicas, ms. */
  REDIS_ENQUEUE_WAIT_TIMEOUT_MS: intVar(500, 1, 60_000),
  /** How long a shutdown waits for in-flight requests before closing their connections, ms. */
  SHUTDOWN_TIMEOUT_MS: intVar(10_000, 0, 600_000),
  /**
   * Folder of the dashboard's static bundle, served at /ui/ without a token (it holds no data). Default:
   * apps/dashboard/dist of this checkout; the container image sets its own. Without an index.html there,
   * /ui/ answers 404 saying how to build it.
   */
  DASHBOARD_DIR: stringVar(''),
  /**
   * Browser origins (scheme://host[:port], comma-separated) allowed to call the API across origins: a
   * dashboard served by another static server. Empty: no CORS headers, same-origin pages only.
   */
  CORS_ORIGINS: listVar([]).superRefine((origins, ctx) => {
    for (const origin of origins) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(origin);
      } catch {
        // reported below
      }
      if (!parsed || parsed.origin !== origin || !/^https?:$/.test(parsed.protocol)) {
        ctx.addIssue({
          code: 'custom',
          message: `"${origin}" is not an origin: write scheme://host[:port], e.g. https://ops.example.com, without a path or a trailing slash`,
        });
      }
    }
  }),
  /** Open event streams (SSE) this process serves at once; past it GET …/events answers 503. */
  SSE_MAX_CLIENTS: intVar(2000, 0, 100_000),
  /** How often an idle event stream gets a keep-alive comment, ms (proxies close silent connections). */
  SSE_HEARTBEAT_MS: intVar(15_000, 100, 600_000),
  /** Bytes an event stream may have unsent; a client that reads slower than that is disconnected (it
   * resumes with Last-Event-ID). */
  SSE_MAX_BUFFER_BYTES: intVar(1024 * 1024, 1024, 64 * 1024 * 1024),
  /**
   * The task history (PostgreSQL, docs/history.md): GET /tasks/:id falls back to it, GET /tasks searches it,
   * deleting a finished task deletes its row. Unset (default): no history, and @tq/history is never loaded.
   */
  DATABASE_URL: postgresUrlVar({ optional: true }),
  /** Most PostgreSQL connections of this process. */
  DATABASE_POOL_MAX: intVar(4, 1, 100),
  /** Longest a history query may run before PostgreSQL cancels it (the request then gets 503), ms. */
  DATABASE_STATEMENT_TIMEOUT_MS: intVar(10_000, 100, 600_000),
  LOG_LEVEL: logLevelVar,
});

/** The API's configuration, parsed from the environment once at start. */
export type ApiConfig = z.infer<typeof checked>;

// One token, one scope and one name: a token in both lists, or a name used twice, is a mistake to report.
const checked = schema.superRefine((config, ctx) => {
  const tokens = [...config.API_TOKENS, ...config.API_PRODUCER_TOKENS];
  const seen = new Map<string, ApiToken>();
  const names = new Set<string>();
  for (const t of tokens) {
    const variable = t.scope === 'admin' ? 'API_TOKENS' : 'API_PRODUCER_TOKENS';
    const earlier = seen.get(t.token);
    if (earlier) {
      ctx.addIssue({
        code: 'custom',
        path: [variable],
        message: `token "${t.name}" is the same token as "${earlier.name}": give each token one name and one scope`,
      });
    }
    seen.set(t.token, t);
    if (names.has(t.name)) {
      ctx.addIssue({ code: 'custom', path: [variable], message: `the name "${t.name}" is used twice` });
    }
    names.add(t.name);
  }
  // WAIT blocks the connection until it answers: a timeout past the command timeout turns every
  // unconfirmed enqueue into a command timeout instead of the error that says what happened.
  if (
    config.REDIS_ENQUEUE_WAIT_REPLICAS > 0 &&
    config.REDIS_ENQUEUE_WAIT_TIMEOUT_MS >= config.REDIS_COMMAND_TIMEOUT_MS
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['REDIS_ENQUEUE_WAIT_TIMEOUT_MS'],
      message: `must be below REDIS_COMMAND_TIMEOUT_MS (${config.REDIS_COMMAND_TIMEOUT_MS}), so an enqueue its replicas did not confirm gets its own error`,
    });
  }
});

/** Parses and validates the API's environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return parseEnv(checked, env);
}
