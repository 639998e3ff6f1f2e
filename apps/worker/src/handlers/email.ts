import { PermanentError } from '@tq/core';
import type { Logger } from '@tq/ops';
import { createTransport } from 'nodemailer';
import { z } from 'zod';
import type { Handler } from '../types';
import { describeIssues } from './describe-issues';

export interface EmailHandlerOptions {
  /** smtp:// or smtps:// URL of the relay; unset = the development transport (logs, sends nothing). */
  smtpUrl?: string;
  /** Sender when the payload has no `from`. */
  from: string;
  /** Recipient of a plain-string payload (the seed's `"hello world"`), which names none. */
  defaultTo?: string;
  logger: Logger;
}

const messageSchema = z.strictObject(
  {
    to: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
      error: 'to must be an address or a list of addresses',
    }),
    subject: z.string({ error: 'subject must be a string' }),
    text: z.string({ error: 'text must be a string' }),
    from: z.string().min(1).optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field ${issue.keys.join(', ')}`
        : 'the payload must be a string or {to, subject, text, from?}',
  },
);

/** Subject of a plain-string payload. */
const DEFAULT_SUBJECT = 'Message from tq';

/**
 * The built-in `email` handler. The payload is a string (the text; sent to `defaultTo`) or
 * `{to, subject, text, from?}`. With `smtpUrl` it sends through SMTP (a 5xx SMTP reply fails permanently,
 * anything else is retried); without it a development transport builds the message, logs its recipient,
 * subject and size (never the body) and succeeds, so the seed's task ends in done.
 */
export function createEmailHandler(options: EmailHandlerOptions): Handler {
  const smtp = options.smtpUrl ? createTransport(options.smtpUrl) : undefined;
  const development = createTransport({ streamTransport: true, buffer: true });
  return async ({ payload, logger }) => {
    const message = toMessage(payload, options, !smtp);
    try {
      if (!smtp) {
        const info = await development.sendMail(message);
        const bytes = Buffer.isBuffer(info.message) ? info.message.length : undefined;
        logger.info(
          { to: message.to, subject: message.subject, bytes, messageId: info.messageId },
          'email (development transport: not sent; set SMTP_URL to send)',
        );
        return { messageId: info.messageId, transport: 'development' };
      }
      const info = await smtp.sendMail(message);
      return { messageId: info.messageId, accepted: info.accepted, rejected: info.rejected };
    } catch (error) {
      const code = (error as { responseCode?: unknown }).responseCode;
      // SMTP 5xx is a definite refusal (bad address, policy); 4xx and connection errors are worth retrying.
      if (typeof code === 'number' && code >= 500 && code < 600)
        throw new PermanentError(`SMTP refused the message: ${(error as Error).message}`);
      throw error;
    }
  };
}

interface Message {
  from: string;
  to: string | string[];
  subject: string;
  text: string;
}

function toMessage(payload: unknown, options: EmailHandlerOptions, development: boolean): Message {
  if (typeof payload === 'string') {
    const to = options.defaultTo ?? (development ? 'nobody@localhost' : undefined);
    if (!to)
      throw new PermanentError(
        'a plain-string email payload names no recipient: send {to, subject, text} or set EMAIL_DEFAULT_TO',
      );
    return { from: options.from, to, subject: DEFAULT_SUBJECT, text: payload };
  }
  const parsed = messageSchema.safeParse(payload);
  if (!parsed.success) {
    throw new PermanentError(`invalid email payload: ${describeIssues(parsed.error)}`);
  }
  return { ...parsed.data, from: parsed.data.from ?? options.from };
}
