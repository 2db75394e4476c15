// Bounces for the local cloud: the SES mailbox can be told to bounce the addresses that match a pattern
// (`*@bounce.test`, `sam@example.com`), as a real receiving server would. For each email it stores to
// such an address, the local cloud writes the delivery-status notification a mail server sends back
// (RFC 3464 multipart/report, in Postfix's shape) and hands it to the SMTP intake, so it takes the same
// path as a bounce that reaches the intake address on AWS.

/** `*` matches any run of characters; case does not matter. */
export function bouncePattern(pattern: string): RegExp {
  const escaped = pattern.trim().toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

export const bounces = (patterns: RegExp[], address: string): boolean => patterns.some((p) => p.test(address.trim().toLowerCase()));

export interface BouncedEmail {
  /** The SES message id the mailbox gave the email (SES writes it into the Message-ID). */
  messageId: string;
  to: string;
  subject: string;
}

/** The Postfix-shaped bounce of one stored email, addressed to the intake address. */
export function bounceReport(email: BouncedEmail, opts: { intakeAddress: string; now: Date; mta?: string }): Buffer {
  const mta = opts.mta ?? 'mx.bounce.local';
  const boundary = `bounce-${email.messageId}`;
  const date = opts.now.toUTCString();
  const diagnostic = `smtp; 550 5.1.1 <${email.to}>: Recipient address rejected: User unknown in virtual mailbox table`;
  const lines = [
    'Return-Path: <>',
    `Date: ${date}`,
    `From: MAILER-DAEMON@${mta} (Mail Delivery System)`,
    `To: ${opts.intakeAddress}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Auto-Submitted: auto-replied',
    `Message-ID: <${email.messageId}.bounce@${mta}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `This is the mail system at host ${mta}.`,
    '',
    'Your message could not be delivered to one or more recipients.',
    '',
    `<${email.to}>: ${diagnostic.slice('smtp; '.length)}`,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${mta}`,
    '',
    `Final-Recipient: rfc822; ${email.to}`,
    'Action: failed',
    'Status: 5.1.1',
    `Diagnostic-Code: ${diagnostic}`,
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    `To: ${email.to}`,
    `Subject: ${email.subject.replace(/[\r\n]+/g, ' ')}`,
    `Message-ID: <${email.messageId}@email.amazonses.com>`,
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}
