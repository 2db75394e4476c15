// Bounces for the local cloud: the SES mailbox can be told to bounce the addresses that match a pattern
// (`*@bounce.test`, `sam@example.com`), as a real receiving server would. For each email it stores to
// such an address, the local cloud writes the delivery-status notification a mail server sends back
// (RFC 3464 multipart/report, in Postfix's shape) and hands it to the receipt rules as SMTP mail is, so it takes the same
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

export interface BounceBack {
  /** Send the bounce of one email to the intake address (in the background). */
  bounce(email: BouncedEmail): void;
  /** Resolves once every bounce sent so far was delivered. */
  whenIdle(): Promise<void>;
  /** How many bounces were delivered (the local cloud's settle counts them as progress). */
  delivered(): number;
}

/** Hands each bounce to inbound mail delivery (the receipt rules), as SMTP would, from the null sender. */
export function startBounceBack(o: {
  deliver: (raw: Buffer, envelope: { mailFrom: string; rcptTo: string[] }) => Promise<void>;
  intakeAddress: string | undefined;
  now: () => Date;
  log: (line: string) => void;
}): BounceBack {
  const inFlight = new Set<Promise<void>>();
  let delivered = 0;
  return {
    bounce(email) {
      const to = o.intakeAddress;
      if (!to) return;
      const work = o
        .deliver(bounceReport(email, { intakeAddress: to, now: o.now() }), { mailFrom: '', rcptTo: [to] })
        .then(() => void delivered++)
        .catch((error: Error) => o.log(`ses bounce: error: ${error.message}`));
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    },
    whenIdle: async () => {
      await Promise.all([...inFlight]);
    },
    delivered: () => delivered,
  };
}
