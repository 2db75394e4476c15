// SesMailer sends through SES v2 SendEmail with Simple content: these tests read the one call's input,
// the fields SES composes the MIME from (so what a recipient sees follows from them).
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SesMailer, oneLine } from '#lib/adapters/ses-mailer.ts';

const client = new SESv2Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const ses = mockClient(client);
const mailer = new SesMailer('trustdesk <no-reply@trustdesk.local>', { client });

beforeEach(() => {
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-msg-1' });
});

/** The one SendEmail call's input. */
function sent() {
  const calls = ses.commandCalls(SendEmailCommand);
  expect(calls).toHaveLength(1);
  const input = calls[0]!.args[0].input;
  const header = (name: string) => input.Content?.Simple?.Headers?.filter((h) => h.Name?.toLowerCase() === name).map((h) => h.Value);
  return { input, simple: input.Content!.Simple!, header };
}

describe('SesMailer', () => {
  it('sends text and HTML bodies in UTF-8 from the configured sender to the one recipient and returns the provider id', async () => {
    const id = await mailer.send({ to: 'alice@example.com', subject: 'Café ☕', text: 'line 1\nline 2', html: '<p>hi</p>', replyTo: 'support@trustdesk.local' });
    expect(id).toBe('ses-msg-1');
    const { input, simple } = sent();
    expect(input).toMatchObject({ FromEmailAddress: 'trustdesk <no-reply@trustdesk.local>', Destination: { ToAddresses: ['alice@example.com'] }, ReplyToAddresses: ['support@trustdesk.local'] });
    expect(input.Destination).not.toHaveProperty('CcAddresses');
    expect(input.Destination).not.toHaveProperty('BccAddresses');
    expect(simple.Subject).toEqual({ Data: 'Café ☕', Charset: 'UTF-8' });
    expect(simple.Body).toEqual({ Text: { Data: 'line 1\nline 2', Charset: 'UTF-8' }, Html: { Data: '<p>hi</p>', Charset: 'UTF-8' } });
    expect(input.Content).not.toHaveProperty('Raw');
  });

  it('names the configuration set on every send when given one (its bounces and complaints come back), and none otherwise', async () => {
    await new SesMailer('no-reply@trustdesk.local', { client, configurationSet: 'trustdesk-mail' }).send({ to: 'alice@example.com', subject: 's', text: 't', html: 'h' });
    expect(sent().input.ConfigurationSetName).toBe('trustdesk-mail');
    ses.resetHistory();
    await mailer.send({ to: 'alice@example.com', subject: 's', text: 't', html: 'h' });
    expect(sent().input).not.toHaveProperty('ConfigurationSetName');
  });

  it('marks every email automatic (RFC 3834): auto-generated unless it is an acknowledgement', async () => {
    await mailer.send({ to: 'alice@example.com', subject: 's', text: 't', html: 'h' });
    expect(sent().header('auto-submitted')).toEqual(['auto-generated']);
    ses.resetHistory();
    await mailer.send({ to: 'alice@example.com', subject: 's', text: 't', html: 'h', autoSubmitted: 'auto-replied' });
    const { header } = sent();
    expect(header('auto-submitted')).toEqual(['auto-replied']);
    expect(header('x-auto-response-suppress')).toEqual(['All']);
  });

  it('strips CR/LF from subject, recipient and reply-to (no header injection) but keeps body newlines', async () => {
    await mailer.send({
      to: 'alice@example.com\r\nBcc: victim@example.com',
      subject: 'Hello\r\nBcc: victim@example.com\u2028X',
      text: 'a\r\nb',
      html: '<p>a</p>\n<p>b</p>',
      replyTo: 'support@trustdesk.local\n',
    });
    const { input, simple } = sent();
    expect(simple.Subject?.Data).toBe('Hello Bcc: victim@example.com X');
    expect(input.Destination).toEqual({ ToAddresses: ['alice@example.com Bcc: victim@example.com'] });
    expect(input.ReplyToAddresses).toEqual(['support@trustdesk.local']);
    expect(simple.Headers?.map((h) => h.Name)).toEqual(['Auto-Submitted', 'X-Auto-Response-Suppress']);
    expect(simple.Body?.Text?.Data).toBe('a\r\nb');
  });

  it('sends no Reply-To when none is given', async () => {
    await mailer.send({ to: 'alice@example.com', subject: 's', text: 't', html: 'h' });
    expect(sent().input).not.toHaveProperty('ReplyToAddresses');
  });

  it('attaches files', async () => {
    await mailer.send({ to: 'lead@example.com', subject: 'report', text: 't', html: 'h', attachments: [{ filename: 'daily.csv', contentType: 'text/csv', content: 'a,b\n1,2\n' }] });
    const attachments = sent().simple.Attachments ?? [];
    expect(attachments.map((a) => [a.FileName, a.ContentType, a.ContentDisposition, Buffer.from(a.RawContent!).toString()])).toEqual([['daily.csv', 'text/csv', 'ATTACHMENT', 'a,b\n1,2\n']]);
  });

  it('propagates a send failure', async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('Email address is not verified'), { name: 'MessageRejected' }));
    await expect(mailer.send({ to: 'alice@example.com', subject: 's', text: 't', html: 'h' })).rejects.toThrow('not verified');
  });
});

describe('oneLine', () => {
  it('joins lines with single spaces and trims', () => {
    expect(oneLine('  a\r\n\r\nb\rc\nd\u2029e  ')).toBe('a b c d e');
  });
});
