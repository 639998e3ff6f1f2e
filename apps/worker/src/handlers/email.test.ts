import { PermanentError } from '@tq/core';
import type { Logger } from '@tq/ops';
import type { HandlerContext } from '../types';
import { createEmailHandler } from './email';

/** A logger that keeps what it is given, to check what the development transport logs. */
function recordingLogger(): {
  logger: Logger;
  lines: { fields: Record<string, unknown>; message: string }[];
} {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  const logger = {
    info: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }),
  } as unknown as Logger;
  return { logger, lines };
}

const ctx = (payload: unknown, logger: Logger) => ({ payload, logger }) as HandlerContext;

describe('email handler (development transport)', () => {
  it("accepts the seed's plain-string payload and logs recipient, subject and size, not the body", async () => {
    const { logger, lines } = recordingLogger();
    const handler = createEmailHandler({ from: 'tq@localhost', logger });
    const result = await handler(ctx('hello world', logger));
    expect(result).toMatchObject({ transport: 'development', messageId: expect.any(String) });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.fields).toMatchObject({
      to: 'nobody@localhost',
      subject: 'Message from tq',
      bytes: expect.any(Number),
    });
    expect(JSON.stringify(lines[0])).not.toContain('hello world');
  });

  it('sends {to, subject, text, from?} messages', async () => {
    const { logger, lines } = recordingLogger();
    const handler = createEmailHandler({ from: 'tq@localhost', defaultTo: 'ops@example.com', logger });
    await handler(
      ctx(
        { to: ['a@example.com', 'b@example.com'], subject: 'Hi', text: 'body', from: 'me@example.com' },
        logger,
      ),
    );
    expect(lines[0]!.fields).toMatchObject({ to: ['a@example.com', 'b@example.com'], subject: 'Hi' });
  });

  it('fails permanently on an invalid payload', async () => {
    const { logger } = recordingLogger();
    const handler = createEmailHandler({ from: 'tq@localhost', logger });
    await expect(handler(ctx({ to: 'a@example.com' }, logger))).rejects.toThrow(
      new PermanentError(
        'invalid email payload: subject: subject must be a string; text: text must be a string',
      ),
    );
  });

  it('needs EMAIL_DEFAULT_TO for a plain-string payload when sending through SMTP', async () => {
    const { logger } = recordingLogger();
    const handler = createEmailHandler({ smtpUrl: 'smtp://127.0.0.1:1', from: 'tq@localhost', logger });
    await expect(handler(ctx('hello', logger))).rejects.toThrow(
      /names no recipient: send \{to, subject, text\} or set EMAIL_DEFAULT_TO/,
    );
  });
});
