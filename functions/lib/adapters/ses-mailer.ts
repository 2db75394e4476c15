// The Mailer port over Amazon SES, named for its role beside events/ses.ts (inbound mail's schema).
// Every message is built here as MIME (nodemailer's composer) and sent with SendRawEmail, because SES's
// simple SendEmail cannot carry the header RFC 3834 asks of automatic mail: `Auto-Submitted: auto-replied`
// on acknowledgements and `auto-generated` on every other notice and report, so autoresponders and mailing
// lists do not answer trustdesk and start a loop. Outlook honours its own `X-Auto-Response-Suppress`
// instead, so that goes along. The recipient SES delivers to is the one address given (Destinations),
// never what a header might be made to say. Every send names the stack's configuration set, whose event
// destination tells trustdesk (SNS → the mail-feedback function) when SES's message bounced or drew a complaint.
import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { Mailer, OutboundEmail } from '../ports.ts';

export const ses = new SESClient({});

/** Header values must be one line: anything user-supplied could carry CR/LF. */
export const oneLine = (value: string): string => value.replace(/[\r\n\u2028\u2029]+/g, ' ').trim();

export class SesMailer implements Mailer {
  private readonly configurationSet: string | undefined;
  private readonly client: SESClient;

  /** `configurationSet`: named on every send, so its bounce and complaint events come back to trustdesk. */
  constructor(
    private readonly from: string,
    options: { configurationSet?: string; client?: SESClient } = {},
  ) {
    this.configurationSet = options.configurationSet;
    this.client = options.client ?? ses;
  }

  async send(email: OutboundEmail): Promise<string> {
    const to = oneLine(email.to);
    const raw = await new MailComposer({
      from: this.from,
      // An address object: its text is never parsed for more recipients (a "Bcc:" smuggled into it stays text).
      to: { name: '', address: to },
      ...(email.replyTo && { replyTo: { name: '', address: oneLine(email.replyTo) } }),
      subject: oneLine(email.subject),
      text: email.text,
      html: email.html,
      headers: { 'Auto-Submitted': email.autoSubmitted ?? 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
      ...(email.attachments?.length && {
        attachments: email.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
      }),
    })
      .compile()
      .build();
    const out = await this.client.send(new SendRawEmailCommand({ Source: this.from, Destinations: [to], RawMessage: { Data: raw }, ...(this.configurationSet && { ConfigurationSetName: this.configurationSet }) }));
    return out.MessageId ?? '';
  }
}
