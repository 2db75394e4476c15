// The local SES proxy bounces (or draws complaints for) the addresses it is told to: the mailbox accepts the
// email (as SES does), then the local cloud hears which message to which address bounced, and under which
// configuration set it was sent (where SES would publish the notification).
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SesMailer } from '#lib/adapters/ses-mailer.ts';
import { LocalFaults, startSesFaultProxy, type SesFaultProxy } from '../../local/faults.ts';
import type { SesFeedbackFault } from '../../local/ses-bounces.ts';
import { startSesMailbox, type SesMailbox } from '../../local/ses-mailbox.ts';

describe('SES proxy bounces', () => {
  let mailbox: SesMailbox;
  let proxy: SesFaultProxy;
  let ses: SESv2Client;
  const faults = new LocalFaults();
  const bounced: SesFeedbackFault[] = [];

  beforeAll(async () => {
    mailbox = await startSesMailbox({ port: 0 });
    proxy = await startSesFaultProxy({ host: '127.0.0.1', target: mailbox.url, faults, log: () => {}, onFeedback: (fault) => bounced.push(fault) });
    ses = new SESv2Client({ endpoint: proxy.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });
  afterAll(async () => {
    ses.destroy();
    await proxy.stop();
    await mailbox.stop();
  });
  beforeEach(async () => {
    faults.clear();
    bounced.length = 0;
    await mailbox.clear();
  });

  it('accepts mail to a bouncing address, then names the message and the address', async () => {
    expect(faults.configure({ bounce: { addresses: ['*@bounce.test'] } })).toEqual([]);
    const mailer = new SesMailer('trustdesk <no-reply@trustdesk.local>', { client: ses });
    const id = await mailer.send({ to: 'Sam@Bounce.test', subject: '[TD-7K3Q9X] Re: coins', text: 't', html: 'h' });
    await mailer.send({ to: 'ana@example.com', subject: 'other', text: 't', html: 'h' });
    expect(await mailbox.emails()).toHaveLength(2);
    expect(bounced).toEqual([{ kind: 'bounce', messageId: id, to: 'Sam@Bounce.test', from: 'trustdesk <no-reply@trustdesk.local>', subject: '[TD-7K3Q9X] Re: coins' }]);
    expect(faults.describe()).toMatchObject({ bounce: { addresses: ['*@bounce.test'], bounced: 1 } });
  });

  it('names the configuration set the send named, and tells complaints from bounces (a bounce wins)', async () => {
    expect(faults.configure({ complaint: { addresses: ['*@spam.test', 'both@bounce.test'] }, bounce: { addresses: ['*@bounce.test'] } })).toEqual([]);
    const mailer = new SesMailer('no-reply@trustdesk.local', { client: ses, configurationSet: 'TrustdeskMail' });
    const complained = await mailer.send({ to: 'ana@spam.test', subject: 'Your case', text: 't', html: 'h' });
    const both = await mailer.send({ to: 'both@bounce.test', subject: 'Your case', text: 't', html: 'h' });
    expect(bounced).toEqual([
      { kind: 'complaint', messageId: complained, to: 'ana@spam.test', from: 'no-reply@trustdesk.local', subject: 'Your case', configurationSet: 'TrustdeskMail' },
      { kind: 'bounce', messageId: both, to: 'both@bounce.test', from: 'no-reply@trustdesk.local', subject: 'Your case', configurationSet: 'TrustdeskMail' },
    ]);
    expect(faults.describe()).toMatchObject({ bounce: { bounced: 1 }, complaint: { addresses: ['*@spam.test', 'both@bounce.test'], complained: 1 } });
    expect(faults.configure({ complaint: { addresses: [] } })).toEqual([expect.objectContaining({ field: 'complaint.addresses' })]);
  });

  it('bounces nothing once switched off, and refuses patterns that are not addresses', async () => {
    faults.configure({ bounce: { addresses: ['*@bounce.test'] } });
    faults.configure({ bounce: null });
    await new SesMailer('no-reply@trustdesk.local', { client: ses }).send({ to: 'sam@bounce.test', subject: 's', text: 't', html: 'h' });
    expect(bounced).toEqual([]);
    expect(faults.configure({ bounce: { addresses: ['not an address'] } })).toEqual([expect.objectContaining({ field: 'bounce.addresses' })]);
  });
});
