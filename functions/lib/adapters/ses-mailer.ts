// The Mailer port over Amazon SES: a plain send for text + HTML, a raw MIME send (nodemailer's composer)
// when there are attachments. Named for its role beside events/ses.ts, which is inbound mail's schema.
import { SESClient, SendEmailCommand, SendRawEmailCommand } from '@aws-sdk/client-ses';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { Mailer, OutboundEmail } from '../ports.ts';

export const ses = new SESClient({});

/** Header values must be one line: anything user-supplied could carry CR/LF. */
export const oneLine = (value: string): string => value.replace(/[\r\n\u2028\u2029]+/g, ' ').trim();

export class SesMailer implements Mailer {
  constructor(
    private readonly from: string,
    private readonly client: SESClient = ses,
  ) {}

  async send(email: OutboundEmail): Promise<string> {
    if (email.attachments?.length) return this.sendRaw(email);
    const out = await this.client.send(
      new SendEmailCommand({
        Source: this.from,
        Destination: { ToAddresses: [oneLine(email.to)] },
        ...(email.replyTo && { ReplyToAddresses: [oneLine(email.replyTo)] }),
        Message: {
          Subject: { Data: oneLine(email.subject), Charset: 'UTF-8' },
          Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
        },
      }),
    );
    return out.MessageId ?? '';
  }

  /** With attachments: a MIME message built by nodemailer's composer, sent raw. */
  private async sendRaw(email: OutboundEmail): Promise<string> {
    const raw = await new MailComposer({
      from: this.from,
      to: oneLine(email.to),
      ...(email.replyTo && { replyTo: oneLine(email.replyTo) }),
      subject: oneLine(email.subject),
      text: email.text,
      html: email.html,
      attachments: (email.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
    })
      .compile()
      .build();
    const out = await this.client.send(new SendRawEmailCommand({ RawMessage: { Data: raw } }));
    return out.MessageId ?? '';
  }
}
