// The Mailer port over Amazon SES, named for its role beside events/ses.ts (inbound mail's schema).
// Every message goes out through SES v2 `SendEmail` with Simple content: SES composes the MIME itself, so no
// MIME composer ships in any bundle (issue 15 point 7: bundle size and cold start). Simple content carries
// custom headers and attachments, which is all trustdesk needs: the header RFC 3834 asks of automatic mail
// — `Auto-Submitted: auto-replied` on acknowledgements and `auto-generated` on every other notice and
// report — so autoresponders and mailing lists do not answer trustdesk and start a loop, plus Outlook's own
// `X-Auto-Response-Suppress`. The one recipient is given as Destination.ToAddresses and SES writes the To
// header from it; subject and addresses go through `oneLine`, so nothing user-supplied becomes a header.
// Every send names the stack's configuration set, whose event destination tells trustdesk (SNS → the
// mail-feedback function) when SES's message bounced or drew a complaint.
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Mailer, OutboundEmail } from '../ports.ts';

export const ses = new SESv2Client({});

/** Header values must be one line: anything user-supplied could carry CR/LF. */
export const oneLine = (value: string): string => value.replace(/[\r\n\u2028\u2029]+/g, ' ').trim();

const utf8 = (data: string) => ({ Data: data, Charset: 'UTF-8' });

export class SesMailer implements Mailer {
  private readonly configurationSet: string | undefined;
  private readonly client: SESv2Client;

  /** `configurationSet`: named on every send, so its bounce and complaint events come back to trustdesk. */
  constructor(
    private readonly from: string,
    options: { configurationSet?: string; client?: SESv2Client } = {},
  ) {
    this.configurationSet = options.configurationSet;
    this.client = options.client ?? ses;
  }

  async send(email: OutboundEmail): Promise<string> {
    const out = await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [oneLine(email.to)] },
        ...(email.replyTo && { ReplyToAddresses: [oneLine(email.replyTo)] }),
        Content: {
          Simple: {
            Subject: utf8(oneLine(email.subject)),
            Body: { Text: utf8(email.text), Html: utf8(email.html) },
            Headers: [
              { Name: 'Auto-Submitted', Value: email.autoSubmitted ?? 'auto-generated' },
              { Name: 'X-Auto-Response-Suppress', Value: 'All' },
            ],
            ...(email.attachments?.length && {
              Attachments: email.attachments.map((a) => ({
                FileName: oneLine(a.filename),
                ContentType: a.contentType,
                ContentDisposition: 'ATTACHMENT' as const,
                RawContent: Buffer.from(a.content, 'utf8'),
              })),
            }),
          },
        },
        ...(this.configurationSet && { ConfigurationSetName: this.configurationSet }),
      }),
    );
    return out.MessageId ?? '';
  }
}
