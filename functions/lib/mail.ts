// Inbound MIME → what intake needs: sender, subject, what the person wrote (and the full text), thread
// ids, attachments, and whether a machine sent it (an auto-reply, a bounce with its delivery report).
// The rules are pure and live in domain/email/; this file only reads them out of the message:
// charsets are put right first (mail-charset.ts), mailparser does the MIME, winmail.dat is unpacked.
// mailparser and the charset repair (chardet, mailsplit, libmime's tables: most of the email intake's
// bundle) are imported on the first message parsed rather than at cold start, so a cold email intake
// imports no slower than 1.5 × the web intake (issue 15 point 7) and mail quarantined on its SES verdict
// never loads them; esbuild keeps them in the one bundle and evaluates them on that first call.
import type { AddressObject, Attachment, ParsedMail as MailparserMail } from 'mailparser';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { classifyAutomatic, type AutomaticVerdict, type HeaderValues } from '#domain/email/automatic.ts';
import { parseDeliveryReport, type DeliveryReport } from '#domain/email/delivery-status.ts';
import { forwardedSender, splitQuotedHistory } from '#domain/email/quoted-history.ts';
import { chooseSender, type Mailbox } from '#domain/email/sender.ts';
import { REFERENCE_PATTERN, sha256Hex } from './ids.ts';
import { isTnef, unpackTnef } from './tnef.ts';

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
  /** What the person wrote this time: quoted history and a phone's signature cut. */
  text: string;
  /** The whole body as it came, history included. */
  fullText: string;
  messageId?: string;
  /** In-Reply-To and References, nearest first. */
  threadIds: string[];
  reference?: string;
  attachments: ParsedAttachment[];
  /** Whether a machine sent it (RFC 3834), and what kind of machine mail it is. */
  automatic: AutomaticVerdict;
  /** The delivery-status report of a bounce (multipart/report), when it could be read. */
  deliveryReport?: DeliveryReport;
  /** The original sender a forwarded message states. */
  forwardedFrom?: { email: string; name?: string };
}

export const MAIL_LIMITS = { subject: 200, text: 10_000, attachments: 10 } as const;

/** Parts of a delivery report that describe the bounce; they are read, not kept as attachments. */
const REPORT_PARTS = new Set(['message/delivery-status', 'text/rfc822-headers', 'message/rfc822', 'message/global-delivery-status', 'message/global-headers']);
const PARSE_OPTIONS = { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true, keepDeliveryStatus: true } as const;

/** Parse raw MIME; never throws for malformed mail (mailparser is lenient), only for non-mail input. */
export async function parseMail(raw: Buffer, envelope: { mailFrom?: string } = {}): Promise<ParsedMail> {
  const [{ simpleParser }, { repairCharsets }] = await Promise.all([import('mailparser'), import('./mail-charset.ts')]);
  const mail = await simpleParser(await repairCharsets(raw), PARSE_OPTIONS);
  const headers = headerValues(mail);
  const from = chooseSender({ from: fromMailboxes(mail), replyTo: mailboxes(mail.replyTo), sender: mailboxes(mail.headers.get('sender') as AddressObject | undefined) });
  const subject = oneLine(mail.subject ?? '').slice(0, MAIL_LIMITS.subject);
  const body = bodyText(mail);
  const split = splitQuotedHistory(body);
  const references = Array.isArray(mail.references) ? mail.references : mail.references ? [mail.references] : [];
  const threadIds = [...new Set([mail.inReplyTo, ...references.slice().reverse()].filter((v): v is string => !!v).map(normalizeMessageId))];
  const reference = REFERENCE_PATTERN.exec(mail.subject ?? '')?.[0];
  const isReport = isDeliveryReport(mail);
  const deliveryReport = isReport ? readDeliveryReport(mail.attachments) : undefined;
  const automatic = classifyAutomatic({ headers, ...(from && { from: from.email }), ...(envelope.mailFrom !== undefined && { envelopeFrom: envelope.mailFrom }), deliveryReport: isReport });
  const forwardedFrom = /^\s*(fwd?|fw|wg|tr|rv|enc|i)\s*:/i.test(subject) ? forwardedSender(split.fullText) : undefined;
  return {
    ...(from && { from: { email: from.email, ...(from.name && { name: from.name }) } }),
    subject,
    text: split.newText.slice(0, MAIL_LIMITS.text),
    fullText: split.fullText.slice(0, MAIL_LIMITS.text),
    ...(mail.messageId && { messageId: normalizeMessageId(mail.messageId) }),
    threadIds,
    ...(reference && { reference }),
    attachments: files(mail.attachments.filter((a) => !(isReport && REPORT_PARTS.has(a.contentType)))),
    automatic,
    ...(deliveryReport && { deliveryReport }),
    ...(forwardedFrom && { forwardedFrom }),
  };
}

export const normalizeMessageId = (id: string): string => id.trim().replace(/^<|>$/g, '').toLowerCase();

const oneLine = (s: string) => s.replace(/[\r\n\u2028\u2029\t]+/g, ' ').replace(/\p{Cc}/gu, '').trim();

/** The text part; when there is none, or it is empty while the HTML part has the message, the HTML's text. */
function bodyText(mail: MailparserMail): string {
  const text = mail.text ?? '';
  if (text.trim() !== '' || typeof mail.html !== 'string') return text;
  return htmlToText(mail.html);
}

/**
 * Enough HTML → text for mail that has no text part. mailparser fills `text` from the HTML only for a
 * single-part text/html message; HTML with an attachment, with an inline image, or as the only part of a
 * multipart/alternative reaches here (tests/functions/mail.test.ts sends each), and so does a text part
 * that is empty beside the HTML that has the message.
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

/** Header values by lower-case name, as written (first occurrence), unfolded. */
function headerValues(mail: MailparserMail): HeaderValues {
  const values: Record<string, string> = {};
  for (const { key, line } of mail.headerLines) {
    if (key in values) continue;
    values[key] = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
  }
  values.subject = mail.subject ?? values.subject ?? '';
  return values;
}

const mailboxes = (value: AddressObject | AddressObject[] | undefined): Mailbox[] =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((v) => v.value).flatMap((m) => (m.group ? m.group : [m])).map((m) => ({ address: m.address, name: m.name }));

/** Every mailbox of every From header: mailparser keeps the first header, the rest are read here. */
function fromMailboxes(mail: MailparserMail): Mailbox[] {
  const later = mail.headerLines
    .filter((h) => h.key === 'from')
    .slice(1)
    .flatMap((h) => addressparser(h.line.slice(h.line.indexOf(':') + 1), { flatten: true }))
    .map((a) => ({ address: a.address, ...(!a.name.includes('=?') && { name: a.name }) }));
  return [...mailboxes(mail.from), ...later];
}

function isDeliveryReport(mail: MailparserMail): boolean {
  const type = mail.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  return type?.value?.toLowerCase() === 'multipart/report' && /delivery-status/i.test(type.params?.['report-type'] ?? '');
}

function readDeliveryReport(attachments: Attachment[]): DeliveryReport | undefined {
  const status = attachments.find((a) => /^message\/(global-)?delivery-status$/.test(a.contentType));
  if (!status) return undefined;
  const original = attachments.find((a) => /^(text\/rfc822-headers|message\/(rfc822|global-headers))$/.test(a.contentType));
  const originalText = original?.content.toString('utf8') ?? '';
  const originalHeaders = originalText.split(/\r?\n\r?\n/)[0] ?? '';
  return parseDeliveryReport(status.content.toString('utf8'), originalHeaders);
}

/** The files to keep: inline cid: images too (named by type when they have no name), winmail.dat unpacked. */
function files(attachments: Attachment[]): ParsedAttachment[] {
  const unpacked = attachments.flatMap((a, i): { filename: string; contentType: string; content: Buffer }[] => {
    if (a.contentType === 'application/ms-tnef' || (/^winmail\.dat$/i.test(a.filename ?? '') && isTnef(a.content))) {
      const inside = unpackTnef(a.content);
      if (inside.length > 0) return inside.map((f) => ({ filename: f.filename, contentType: contentTypeOf(f.filename), content: f.content }));
    }
    const filename = a.filename ?? unnamed(a, i + 1);
    return [{ filename, contentType: a.contentType || 'application/octet-stream', content: a.content }];
  });
  return unpacked.slice(0, MAIL_LIMITS.attachments).map((a) => ({
    filename: safeFilename(a.filename),
    contentType: a.contentType,
    size: a.content.length,
    sha256: sha256Hex(a.content),
    content: a.content,
  }));
}

/** A name for a part that has none: inline images and calendar invites by their type, the rest by position. */
function unnamed(a: Attachment, position: number): string {
  if (a.contentType === 'text/calendar') return `calendar-${position}.ics`;
  return a.contentDisposition === 'inline' ? `inline-${position}${extensionOf(a.contentType)}` : `attachment-${position}`;
}

const EXTENSIONS: Record<string, string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'text/calendar': '.ics',
  'application/pdf': '.pdf',
  'text/plain': '.txt',
  'text/csv': '.csv',
  'application/zip': '.zip',
};
const extensionOf = (contentType: string) => EXTENSIONS[contentType.toLowerCase()] ?? '';
const contentTypeOf = (filename: string) =>
  Object.entries(EXTENSIONS).find(([, ext]) => filename.toLowerCase().endsWith(ext))?.[0] ?? (/\.jpeg$/i.test(filename) ? 'image/jpeg' : 'application/octet-stream');

export const safeFilename = (name: string): string =>
  name.replace(/[\\/\p{Cc}"<>|:*?]+/gu, '_').replace(/^\.+/, '_').slice(0, 120) || 'attachment';
