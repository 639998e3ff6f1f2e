import { batchSubmissionSchema, fieldErrors, taskSubmissionSchema } from './schema';

const errorsOf = (body: unknown) => {
  const result = taskSubmissionSchema.safeParse(body);
  return result.success ? [] : fieldErrors(result.error);
};

describe('taskSubmissionSchema', () => {
  it("accepts the seed's task as is", () => {
    expect(taskSubmissionSchema.parse({ type: 'email', payload: 'hello world' })).toEqual({
      type: 'email',
      payload: 'hello world',
    });
  });

  it('accepts every field at its limits', () => {
    const body = {
      type: 'a'.repeat(100),
      payload: { nested: [1, 2, { x: null }] },
      queue: 'q'.repeat(64),
      priority: 9,
      delayMs: 365 * 24 * 3600_000,
      maxAttempts: 1000,
      timeoutMs: 12 * 3600_000,
      idempotencyKey: '~'.repeat(255),
    };
    expect(taskSubmissionSchema.safeParse(body).success).toBe(true);
  });

  it.each([
    [{}, 'type', 'type is required and must be a string, e.g. "email"'],
    [{ type: 7 }, 'type', 'type is required and must be a string, e.g. "email"'],
    [
      { type: '9lives' },
      'type',
      'type must start with a letter and use only letters, digits, "_", ".", ":" or "-" (at most 100)',
    ],
    [
      { type: 'a'.repeat(101) },
      'type',
      'type must start with a letter and use only letters, digits, "_", ".", ":" or "-" (at most 100)',
    ],
    [{ type: 'x', queue: 'a:b' }, 'queue', 'queue must be 1-64 letters, digits, "_" or "-"'],
    [{ type: 'x', queue: '{q}' }, 'queue', 'queue must be 1-64 letters, digits, "_" or "-"'],
    [{ type: 'x', queue: '' }, 'queue', 'queue must be 1-64 letters, digits, "_" or "-"'],
    [{ type: 'x', priority: 10 }, 'priority', 'priority must be at most 9'],
    [{ type: 'x', priority: -1 }, 'priority', 'priority must be at least 0'],
    [{ type: 'x', priority: 1.5 }, 'priority', 'priority must be a whole number'],
    [{ type: 'x', priority: '5' }, 'priority', 'priority must be a number'],
    [{ type: 'x', delayMs: 365 * 24 * 3600_000 + 1 }, 'delayMs', 'delayMs must be at most 31536000000'],
    [{ type: 'x', maxAttempts: 0 }, 'maxAttempts', 'maxAttempts must be at least 1'],
    [{ type: 'x', maxAttempts: 1001 }, 'maxAttempts', 'maxAttempts must be at most 1000'],
    [{ type: 'x', timeoutMs: 0 }, 'timeoutMs', 'timeoutMs must be at least 1'],
    [{ type: 'x', timeoutMs: 12 * 3600_000 + 1 }, 'timeoutMs', 'timeoutMs must be at most 43200000'],
    [
      { type: 'x', runAt: 'tomorrow' },
      'runAt',
      'runAt must be an ISO 8601 date-time (e.g. "2026-01-01T12:00:00Z") or epoch milliseconds',
    ],
    [{ type: 'x', runAt: 1, delayMs: 1 }, 'runAt', 'give delayMs or runAt, not both'],
    [
      { type: 'x', idempotencyKey: '' },
      'idempotencyKey',
      'idempotencyKey must be 1-255 printable ASCII characters',
    ],
    [
      { type: 'x', idempotencyKey: 'with space' },
      'idempotencyKey',
      'idempotencyKey must be 1-255 printable ASCII characters',
    ],
    [{ type: 'x', extra: 1 }, '', 'unknown field extra'],
    [[], '', 'the task must be a JSON object'],
    ['email', '', 'the task must be a JSON object'],
  ])('refuses %j: %s -> %s', (body, field, message) => {
    expect(errorsOf(body)).toContainEqual({ field, message });
  });
});

describe('batchSubmissionSchema', () => {
  it.each([
    [{ tasks: [] }, 'tasks must hold at least 1 task'],
    [{ tasks: Array(1001).fill({ type: 'x' }) }, 'tasks must hold at most 1000 tasks'],
    [{ tasks: 'x' }, 'tasks must be an array of task objects'],
    [[{ type: 'x' }], 'the body must be a JSON object {"tasks": [...]}'],
  ])('refuses %j with %s', (body, message) => {
    const result = batchSubmissionSchema.safeParse(body);
    expect(result.success ? [] : fieldErrors(result.error).map((e) => e.message)).toContain(message);
  });
});
