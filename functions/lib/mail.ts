// Inbound MIME → what intake needs: sender, subject, readable text, thread ids, attachments.
import { simpleParser, type AddressObject } from 'mailparser';
import { REFERENCE_PATTERN, sha256Hex } from './ids.ts';

export interface ParsedAttachment {
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  content: Buffer;
}

export interface ParsedMail {
  from?: { email: string; name?: string };
  subject: string;
  text: string;
  messageId?: string;
  /** In-Reply-To and References, nearest first. */
  threadIds: string[];
  reference?: string;
  attachments: ParsedAttachment[];
}

export const MAIL_LIMITS = { subject: 200, text: 10_000, attachments: 10 } as const;

const firstAddress = (value: AddressObject | AddressObject[] | undefined) => (Array.isArray(value) ? value[0] : value)?.value[0];
/** RFC 5321's limit; a longer "address" is not one (and would not fit in a key). */
const MAX_ADDRESS_LENGTH = 254;
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

/** Parse raw MIME; never throws for malformed mail (mailparser is lenient), only for non-mail input. */
export async function parseMail(raw: Buffer): Promise<ParsedMail> {
  const mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  const sender = firstAddress(mail.from);
  const address = sender?.address?.trim().toLowerCase();
  const subject = oneLine(mail.subject ?? '').slice(0, MAIL_LIMITS.subject);
  const body = mail.text ?? (typeof mail.html === 'string' ? htmlToText(mail.html) : '');
  const references = Array.isArray(mail.references) ? mail.references : mail.references ? [mail.references] : [];
  const threadIds = [...new Set([mail.inReplyTo, ...references.slice().reverse()].filter((v): v is string => !!v).map(normalizeMessageId))];
  const reference = REFERENCE_PATTERN.exec(mail.subject ?? '')?.[0];
  return {
    ...(address && address.length <= MAX_ADDRESS_LENGTH && EMAIL.test(address) && { from: { email: address, ...(sender?.name && { name: oneLine(sender.name).slice(0, 120) }) } }),
    subject,
    text: stripQuoted(body).slice(0, MAIL_LIMITS.text),
    ...(mail.messageId && { messageId: normalizeMessageId(mail.messageId) }),
    threadIds,
    ...(reference && { reference }),
    attachments: mail.attachments
      .filter((a) => a.contentDisposition !== 'inline' || a.filename)
      .slice(0, MAIL_LIMITS.attachments)
      .map((a, i) => ({
        filename: safeFilename(a.filename ?? `attachment-${i + 1}`),
        contentType: a.contentType || 'application/octet-stream',
        size: a.size ?? a.content.length,
        sha256: sha256Hex(a.content),
        content: a.content,
      })),
  };
}

export const normalizeMessageId = (id: string): string => id.trim().replace(/^<|>$/g, '').toLowerCase();

const oneLine = (s: string) => s.replace(/[\r\n\u2028\u2029\t]+/g, ' ').replace(/\p{Cc}/gu, '').trim();

/** Keep what the person wrote, drop the quoted history below it. */
export function stripQuoted(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const cut = lines.findIndex((l) => /^On .+ wrote:\s*$/.test(l) || /^-{2,}\s*Original Message\s*-{2,}/i.test(l));
  const kept = (cut >= 0 ? lines.slice(0, cut) : lines).filter((l) => !l.startsWith('>'));
  return kept.join('\n').replace(/[^\S\n]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

/**
 * Enough HTML → text for mail that has no text part. mailparser fills `text` from the HTML only for a
 * single-part text/html message; HTML with an attachment, with an inline image, or as the only part of a
 * multipart/alternative reaches here (tests/functions/mail.test.ts sends each).
 */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/(p|div|li|tr|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

export const safeFilename = (name: string): string =>
  name.replace(/[\\/\p{Cc}"<>|:*?]+/gu, '_').replace(/^\.+/, '_').slice(0, 120) || 'attachment';
