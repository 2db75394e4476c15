import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SesMailer, oneLine } from '#lib/adapters/ses-mailer.ts';

const client = new SESClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const ses = mockClient(client);
const mailer = new SesMailer('trustdesk <no-reply@trustdesk.local>', client);

beforeEach(() => {
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-msg-1' });
});

describe('SesMailer', () => {
  it('sends text and HTML bodies in UTF-8 from the configured sender and returns the provider id', async () => {
    const id = await mailer.send({ to: 'alice@example.com', subject: 'Café ☕', text: 'line 1\nline 2', html: '<p>hi</p>', replyTo: 'support@trustdesk.local' });
    expect(id).toBe('ses-msg-1');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input).toEqual({
      Source: 'trustdesk <no-reply@trustdesk.local>',
      Destination: { ToAddresses: ['alice@example.com'] },
      ReplyToAddresses: ['support@trustdesk.local'],
      Message: {
        Subject: { Data: 'Café ☕', Charset: 'UTF-8' },
        Body: { Text: { Data: 'line 1\nline 2', Charset: 'UTF-8' }, Html: { Data: '<p>hi</p>', Charset: 'UTF-8' } },
      },
    });
  });

  it('strips CR/LF from subject, recipient and reply-to (no header injection) but keeps body newlines', async () => {
    await mailer.send({
      to: 'alice@example.com\r\nBcc: victim@example.com',
      subject: 'Hello\r\nBcc: victim@example.com\u2028X',
      text: 'a\r\nb',
      html: '<p>a</p>\n<p>b</p>',
      replyTo: 'support@trustdesk.local\n',
    });
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input.Message!.Subject!.Data).toBe('Hello Bcc: victim@example.com X');
    expect(input.Destination!.ToAddresses).toEqual(['alice@example.com Bcc: victim@example.com']);
    expect(input.ReplyToAddresses).toEqual(['support@trustdesk.local']);
    for (const header of [input.Message!.Subject!.Data!, ...input.Destination!.ToAddresses!, ...input.ReplyToAddresses!]) {
      expect(header).not.toMatch(/[\r\n\u2028\u2029]/);
    }
    expect(input.Message!.Body!.Text!.Data).toBe('a\r\nb');
  });

  it('sends no Reply-To when none is given', async () => {
    await mailer.send({ to: 'alice@example.com', subject: 's', text: 't', html: 'h' });
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input).not.toHaveProperty('ReplyToAddresses');
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
