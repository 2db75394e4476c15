import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { simpleParser } from 'mailparser';
import { beforeEach, describe, expect, it } from 'vitest';
import { SesMailer, oneLine } from '#lib/adapters/ses-mailer.ts';

const client = new SESClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const ses = mockClient(client);
const mailer = new SesMailer('trustdesk <no-reply@trustdesk.local>', { client });

beforeEach(() => {
  ses.reset();
  ses.on(SendRawEmailCommand).resolves({ MessageId: 'ses-msg-1' });
});

/** The one SendRawEmail call: its input, the raw MIME's header lines, and the message as a client reads it. */
async function sent() {
  const calls = ses.commandCalls(SendRawEmailCommand);
  expect(calls).toHaveLength(1);
  const input = calls[0]!.args[0].input;
  const raw = Buffer.from(input.RawMessage!.Data!);
  const head = raw.toString('utf8').split('\r\n\r\n')[0]!;
  return { input, head, headerLines: head.split(/\r\n(?![ \t])/), mail: await simpleParser(raw) };
}

describe('SesMailer', () => {
  it('sends text and HTML bodies in UTF-8 from the configured sender to the one recipient and returns the provider id', async () => {
    const id = await mailer.send({ to: 'alice@example.com', subject: 'Café ☕', text: 'line 1\nline 2', html: '<p>hi</p>', replyTo: 'support@trustdesk.local' });
    expect(id).toBe('ses-msg-1');
    const { input, mail } = await sent();
    expect(input).toMatchObject({ Source: 'trustdesk <no-reply@trustdesk.local>', Destinations: ['alice@example.com'] });
    expect(mail.from?.value).toEqual([{ address: 'no-reply@trustdesk.local', name: 'trustdesk' }]);
    expect((Array.isArray(mail.to) ? mail.to : [mail.to!]).flatMap((t) => t.value.map((v) => v.address))).toEqual(['alice@example.com']);
    expect(mail.replyTo?.value.map((v) => v.address)).toEqual(['support@trustdesk.local']);
    expect(mail.subject).toBe('Café ☕');
    expect(mail.text?.trim()).toBe('line 1\nline 2');
    expect(mail.html).toBe('<p>hi</p>');
  });

  it('names the configuration set on every send when given one (its bounces and complaints come back), and none otherwise', async () => {
    await new SesMailer('no-reply@trustdesk.local', { client, configurationSet: 'trustdesk-mail' }).send({ to: 'alice@example.com', subject: 's', text: 't', html: 'h' });
    expect((await sent()).input.ConfigurationSetName).toBe('trustdesk-mail');
    ses.resetHistory();
    await mailer.send({ to: 'alice@example.com', subject: 's', text: 't', html: 'h' });
    expect((await sent()).input).not.toHaveProperty('ConfigurationSetName');
  });

  it('marks every email automatic (RFC 3834): auto-generated unless it is an acknowledgement', async () => {
    await mailer.send({ to: 'alice@example.com', subject: 's', text: 't', html: 'h' });
    expect((await sent()).mail.headers.get('auto-submitted')).toBe('auto-generated');
    ses.resetHistory();
    await mailer.send({ to: 'alice@example.com', subject: 's', text: 't', html: 'h', autoSubmitted: 'auto-replied' });
    const { mail } = await sent();
    expect(mail.headers.get('auto-submitted')).toBe('auto-replied');
    expect(mail.headers.get('x-auto-response-suppress')).toBe('All');
  });

  it('strips CR/LF from subject, recipient and reply-to (no header injection) but keeps body newlines', async () => {
    await mailer.send({
      to: 'alice@example.com\r\nBcc: victim@example.com',
      subject: 'Hello\r\nBcc: victim@example.com\u2028X',
      text: 'a\r\nb',
      html: '<p>a</p>\n<p>b</p>',
      replyTo: 'support@trustdesk.local\n',
    });
    const { input, headerLines, mail } = await sent();
    expect(mail.subject).toBe('Hello Bcc: victim@example.com X');
    expect(input.Destinations).toEqual(['alice@example.com Bcc: victim@example.com']);
    expect(mail.replyTo?.value.map((v) => v.address)).toEqual(['support@trustdesk.local']);
    expect(headerLines.filter((l) => /^bcc:/i.test(l))).toEqual([]);
    expect(headerLines.filter((l) => /^to:/i.test(l))).toHaveLength(1);
    expect(mail.bcc).toBeUndefined();
    expect(mail.text).toContain('a\nb');
  });

  it('sends no Reply-To when none is given', async () => {
    await mailer.send({ to: 'alice@example.com', subject: 's', text: 't', html: 'h' });
    expect((await sent()).mail.replyTo).toBeUndefined();
  });

  it('attaches files', async () => {
    await mailer.send({ to: 'lead@example.com', subject: 'report', text: 't', html: 'h', attachments: [{ filename: 'daily.csv', contentType: 'text/csv', content: 'a,b\n1,2\n' }] });
    const { mail } = await sent();
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.content.toString()])).toEqual([['daily.csv', 'text/csv', 'a,b\n1,2\n']]);
  });

  it('propagates a send failure', async () => {
    ses.on(SendRawEmailCommand).rejects(Object.assign(new Error('Email address is not verified'), { name: 'MessageRejected' }));
    await expect(mailer.send({ to: 'alice@example.com', subject: 's', text: 't', html: 'h' })).rejects.toThrow('not verified');
  });
});

describe('oneLine', () => {
  it('joins lines with single spaces and trims', () => {
    expect(oneLine('  a\r\n\r\nb\rc\nd\u2029e  ')).toBe('a b c d e');
  });
});
