import fc from 'fast-check';
import { batchSubmissionSchema, fieldErrors, parseTaskSubmission, taskSubmissionSchema } from './schema';

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

describe('parseTaskSubmission', () => {
  const DAY = 24 * 3600_000;
  const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const valid = fc.record(
    {
      type: fc.constantFrom('email', 'a'.repeat(100), 'x.y:z-1_2'),
      payload: fc.anything(),
      queue: fc.constantFrom('q', 'q'.repeat(64), 'a_b-C9', undefined),
      priority: fc.constantFrom(0, 9, -0, 4),
      delayMs: fc.constantFrom(0, 1, 365 * DAY),
      runAt: fc.constantFrom(
        0,
        1_767_225_600_000,
        8.64e15,
        '2026-01-01T12:00:00Z',
        '2026-01-01T12:00:00+02:00',
      ),
      maxAttempts: fc.constantFrom(1, 1000),
      timeoutMs: fc.constantFrom(1, 12 * 3600_000),
      idempotencyKey: fc.constantFrom('k', '~'.repeat(255)),
      idempotencyTtlMs: fc.constantFrom(1000, 30 * DAY),
      group: fc.constantFrom('tenant-1', '~'.repeat(128)),
      partitionKey: fc.constantFrom('customer-7', '~'.repeat(255)),
      traceparent: fc.constantFrom(TRACEPARENT),
    },
    { requiredKeys: ['type'] },
  );
  // One field changed to a value the schema refuses (or an unknown field added).
  const wrong: [string, unknown][] = [
    ['type', 'a'.repeat(101)],
    ['type', '9lives'],
    ['type', ''],
    ['type', 7],
    ['type', undefined],
    ['queue', 'q'.repeat(65)],
    ['queue', 'a:b'],
    ['queue', ''],
    ['queue', 5],
    ['queue', null],
    ['priority', 10],
    ['priority', -1],
    ['priority', 1.5],
    ['priority', '5'],
    ['priority', NaN],
    ['priority', Infinity],
    ['delayMs', 365 * DAY + 1],
    ['delayMs', -1],
    ['delayMs', 2 ** 53],
    ['runAt', 8.64e15 + 1],
    ['runAt', -1],
    ['runAt', 0.5],
    ['runAt', 'tomorrow'],
    ['runAt', '2026-01-01'],
    ['maxAttempts', 0],
    ['maxAttempts', 1001],
    ['maxAttempts', '5'],
    ['timeoutMs', 0],
    ['timeoutMs', 12 * 3600_000 + 1],
    ['idempotencyKey', '~'.repeat(256)],
    ['idempotencyKey', 'a b'],
    ['idempotencyKey', ''],
    ['idempotencyKey', 'é'],
    ['idempotencyTtlMs', 999],
    ['idempotencyTtlMs', 30 * DAY + 1],
    ['group', ''],
    ['group', 'a b'],
    ['group', false],
    ['partitionKey', '~'.repeat(256)],
    ['traceparent', TRACEPARENT.toUpperCase()],
    ['traceparent', 'x'],
    ['extra', 1],
    ['extra', undefined],
    ['__proto__', 1],
    ['toString', 'x'],
    ['constructor', 1],
  ];
  const body = fc.oneof(
    { weight: 4, arbitrary: valid },
    {
      weight: 4,
      arbitrary: fc.tuple(valid, fc.constantFrom(...wrong)).map(([b, [k, v]]) => ({ ...b, [k]: v })),
    },
    { weight: 1, arbitrary: fc.anything() },
  );

  it('answers what the schema answers: the same data, or the same errors word for word', () => {
    let accepted = 0;
    fc.assert(
      fc.property(body, (b) => {
        const fast = parseTaskSubmission(b);
        const schema = taskSubmissionSchema.safeParse(b);
        expect(fast.success).toBe(schema.success);
        if (fast.success && schema.success) {
          expect(fast.data).toEqual(schema.data);
          accepted++;
        }
        if (!fast.success && !schema.success)
          expect(fieldErrors(fast.error)).toEqual(fieldErrors(schema.error));
      }),
      { numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(200);
  });

  it('checks plainly valid submissions without zod (a copy of the body), and leaves the rest to zod', () => {
    const spy = jest.spyOn(taskSubmissionSchema, 'safeParse');
    try {
      const b = {
        type: 'email',
        payload: { to: 'a@b.c' },
        queue: 'mail',
        priority: 3,
        runAt: 1_767_225_600_000,
      };
      const parsed = parseTaskSubmission(b);
      expect(parsed).toEqual({ success: true, data: b });
      expect(parsed.data).not.toBe(b);
      expect(spy).not.toHaveBeenCalled();
      for (const other of [{ ...b, runAt: '2026-01-01T12:00:00Z' }, { ...b, priority: 10 }, [b]]) {
        parseTaskSubmission(other);
      }
      expect(spy).toHaveBeenCalledTimes(3);
    } finally {
      spy.mockRestore();
    }
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
