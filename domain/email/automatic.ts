// Is this message from a machine? RFC 3834 (and the headers real autoresponders use instead of it),
// so trustdesk never answers an autoresponder, a mailing list or a bounce, and mail loops never start.
// Pure: it reads header values the parser already has; the kind decides where the message goes
// (an auto-reply to a case goes on its timeline, a bounce is matched to the email it is about).

/** Header values by lower-case name (the first occurrence), as written, unfolded. */
export type HeaderValues = Readonly<Record<string, string | undefined>>;

export type AutomaticKind = 'auto-reply' | 'bounce' | 'other';

export type AutomaticVerdict = { automatic: false } | { automatic: true; kind: AutomaticKind; reasons: string[] };

export interface AutomaticFacts {
  headers: HeaderValues;
  /** The sender's address (From, or the envelope), lower case. */
  from?: string;
  /** The envelope sender (SMTP MAIL FROM / SES `mail.source`); '' or '<>' is the null return path. */
  envelopeFrom?: string;
  /** The message is a multipart/report with a machine-readable delivery-status part. */
  deliveryReport: boolean;
}

const PRECEDENCE = /^(bulk|junk|list|auto_reply)$/;
/** Mailbox names RFC 5321 and RFC 2142 reserve for the mail system itself. */
const MAIL_SYSTEM = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)(\+[^@]*)?@/;
/** Subjects autoresponders put on what they send, in the languages the platform's users write. */
const AUTO_REPLY_SUBJECT =
  /^\s*(automatic reply|auto(matic)?[- ]?(reply|response)|out of (the )?office|ooo\b|abwesenheitsnotiz|automatische antwort|respuesta autom[aá]tica|fuera de la oficina|resposta autom[aá]tica|ausente do escrit[oó]rio|r[ée]ponse automatique|absence du bureau|absent du bureau)/i;
const DELIVERY_FAILURE_SUBJECT = /^\s*(undeliver|undelivered mail|delivery status notification|mail delivery (failed|subsystem)|returned mail|failure notice|delivery (has )?failed|non[- ]?delivery)/i;

const value = (headers: HeaderValues, name: string) => headers[name]?.trim().toLowerCase().replace(/\s*\(.*\)\s*$/, '');

/** Whether the message was sent by a machine, and what kind of machine mail it is. */
export function classifyAutomatic(facts: AutomaticFacts): AutomaticVerdict {
  const h = facts.headers;
  const reasons: string[] = [];
  const autoSubmitted = value(h, 'auto-submitted')?.split(';')[0]?.trim();
  if (autoSubmitted && autoSubmitted !== 'no') reasons.push(`Auto-Submitted: ${autoSubmitted}`);
  const precedence = value(h, 'precedence');
  if (precedence && PRECEDENCE.test(precedence)) reasons.push(`Precedence: ${precedence}`);
  if (h['x-autoreply'] !== undefined) reasons.push('X-Autoreply');
  if (h['x-autorespond'] !== undefined) reasons.push('X-Autorespond');
  const returnPath = value(h, 'return-path');
  const envelope = facts.envelopeFrom?.trim();
  if (returnPath === '<>' || envelope === '' || envelope === '<>') reasons.push('null return path');
  if (facts.from && MAIL_SYSTEM.test(facts.from)) reasons.push('sent by the mail system');
  if (facts.deliveryReport) reasons.push('delivery-status report');
  if (reasons.length === 0) return { automatic: false };
  return { automatic: true, kind: kindOf(facts, autoSubmitted, precedence), reasons };
}

function kindOf(facts: AutomaticFacts, autoSubmitted: string | undefined, precedence: string | undefined): AutomaticKind {
  const subject = facts.headers.subject ?? '';
  if (facts.deliveryReport) return 'bounce';
  if (facts.from && MAIL_SYSTEM.test(facts.from) && DELIVERY_FAILURE_SUBJECT.test(subject)) return 'bounce';
  if (autoSubmitted === 'auto-replied' || precedence === 'auto_reply') return 'auto-reply';
  if (facts.headers['x-autoreply'] !== undefined || facts.headers['x-autorespond'] !== undefined) return 'auto-reply';
  if (AUTO_REPLY_SUBJECT.test(subject)) return 'auto-reply';
  return 'other';
}
