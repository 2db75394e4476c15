import { SESClient, SendEmailCommand, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalFaults, sendCallRecipients, startSesFaultProxy, type SesFaultProxy } from '../../local/faults.ts';
import { startSesMailbox, type SesMailbox } from '../../local/ses-mailbox.ts';

const send = (to: string) =>
  new SendEmailCommand({ Source: 'noreply@trustdesk.local', Destination: { ToAddresses: [to] }, Message: { Subject: { Data: 'hi' }, Body: { Text: { Data: 'hello' } } } });

describe('SES throttling proxy', () => {
  let mailbox: SesMailbox;
  let proxy: SesFaultProxy;
  let ses: SESClient;
  const faults = new LocalFaults();

  beforeAll(async () => {
    mailbox = await startSesMailbox({ port: 0 });
    proxy = await startSesFaultProxy({ host: '127.0.0.1', target: mailbox.url, faults, log: () => {} });
    // As the product's adapter makes it: the SDK's default (standard) retry strategy.
    ses = new SESClient({ endpoint: proxy.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });
  afterAll(async () => {
    ses.destroy();
    await proxy.stop();
    await mailbox.stop();
  });
  beforeEach(async () => {
    faults.clear();
    await mailbox.clear();
  });

  it('answers as SES does, and the SDK retries it as throttling: two throttles, then one email', async () => {
    expect(faults.configure({ ses: { throttle: 2 } })).toEqual([]);
    const out = await ses.send(send('a@example.com'));
    expect(out.$metadata.attempts).toBe(3);
    expect(await mailbox.emails()).toHaveLength(1);
    expect(faults.describe()).toMatchObject({ ses: { remaining: 0 }, injected: { ses: { throttled: 2, passed: 1 } } });
  });

  it('gives up after the SDK attempts with the Throttling error and sends nothing', async () => {
    faults.configure({ ses: { throttle: 3 } });
    const raw = Buffer.from('From: noreply@trustdesk.local\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nhello\r\n');
    const error = await ses.send(new SendRawEmailCommand({ RawMessage: { Data: raw } })).catch((e: unknown) => e as Error & { $metadata: { httpStatusCode: number; attempts: number } });
    expect(error).toMatchObject({ name: 'Throttling', message: 'Maximum sending rate exceeded.', $metadata: { httpStatusCode: 400, attempts: 3 } });
    expect(await mailbox.emails()).toHaveLength(0);
  });

  it('throttles only the recipients it is told to', async () => {
    faults.configure({ ses: { throttle: 2, recipientsContaining: 'SLOW' } });
    expect((await ses.send(send('fast@example.com'))).$metadata.attempts).toBe(1);
    expect(faults.describe()).toMatchObject({ ses: { remaining: 2 } });
    expect((await ses.send(send('slow-1@example.com'))).$metadata.attempts).toBe(3);
    expect(faults.describe()).toMatchObject({ ses: { remaining: 0 }, injected: { ses: { throttled: 2, passed: 2 } } });
    expect(await mailbox.emails()).toHaveLength(2);
  });

  it('reads the recipients of both send calls', () => {
    const raw = Buffer.from('From: x@example.com\r\nTo: a@example.com,\r\n b@example.com\r\nCc: c@example.com\r\nSubject: s\r\n\r\nTo: not-a-header@example.com\r\n').toString('base64');
    expect(sendCallRecipients(new URLSearchParams({ Action: 'SendRawEmail', 'RawMessage.Data': raw }))).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(sendCallRecipients(new URLSearchParams({ Action: 'SendEmail', 'Destination.ToAddresses.member.1': 'd@example.com', 'Destination.BccAddresses.member.1': 'e@example.com' }))).toEqual([
      'd@example.com',
      'e@example.com',
    ]);
  });
});

describe('stream redelivery faults', () => {
  it('re-deliver every n-th batch of the named consumers only', () => {
    const faults = new LocalFaults();
    expect(faults.configure({ stream: { functions: ['ReportingAggregator'], failAfterSuccessEvery: 3, duplicateEvery: 2 } })).toEqual([]);
    const seen = Array.from({ length: 6 }, () => faults.streamFaultFor('ReportingAggregator22F66830'));
    expect(seen).toEqual([undefined, 'duplicate', 'fail-after-success', 'duplicate', undefined, 'fail-after-success']);
    expect(faults.streamFaultFor('OutboxConsumer5F3A1C2B')).toBeUndefined();
    faults.configure({ stream: null });
    expect(faults.streamFaultFor('ReportingAggregator22F66830')).toBeUndefined();
  });

  it('refuse settings they cannot apply, naming the field', () => {
    const faults = new LocalFaults();
    expect(faults.configure({})).toEqual([expect.objectContaining({ field: 'stream' })]);
    expect(faults.configure({ stream: { functions: [], duplicateEvery: 0 } }).map((p) => p.field)).toEqual(['stream.functions', 'stream.duplicateEvery']);
    expect(faults.configure({ ses: { throttle: -1, recipientsContaining: '' } }).map((p) => p.field)).toEqual(['ses.throttle', 'ses.recipientsContaining']);
    expect(faults.describe()).toMatchObject({ stream: null, ses: null });
  });
});
