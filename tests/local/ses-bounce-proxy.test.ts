// The local SES proxy bounces the addresses it is told to: the mailbox accepts the email (as SES does),
// then the local cloud hears which message to which address bounced.
import { SESClient } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SesMailer } from '#lib/adapters/ses-mailer.ts';
import { LocalFaults, startSesFaultProxy, type AcceptedThenBounced, type SesFaultProxy } from '../../local/faults.ts';
import { startSesMailbox, type SesMailbox } from '../../local/ses-mailbox.ts';

describe('SES proxy bounces', () => {
  let mailbox: SesMailbox;
  let proxy: SesFaultProxy;
  let ses: SESClient;
  const faults = new LocalFaults();
  const bounced: AcceptedThenBounced[] = [];

  beforeAll(async () => {
    mailbox = await startSesMailbox({ port: 0 });
    proxy = await startSesFaultProxy({ host: '127.0.0.1', target: mailbox.url, faults, log: () => {}, onBounce: (email) => bounced.push(email) });
    ses = new SESClient({ endpoint: proxy.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
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
    const mailer = new SesMailer('trustdesk <no-reply@trustdesk.local>', ses);
    const id = await mailer.send({ to: 'Sam@Bounce.test', subject: '[TD-7K3Q9X] Re: coins', text: 't', html: 'h' });
    await mailer.send({ to: 'ana@example.com', subject: 'other', text: 't', html: 'h' });
    expect(await mailbox.emails()).toHaveLength(2);
    expect(bounced).toEqual([{ messageId: id, to: 'Sam@Bounce.test', subject: '[TD-7K3Q9X] Re: coins' }]);
    expect(faults.describe()).toMatchObject({ bounce: { addresses: ['*@bounce.test'], bounced: 1 } });
  });

  it('bounces nothing once switched off, and refuses patterns that are not addresses', async () => {
    faults.configure({ bounce: { addresses: ['*@bounce.test'] } });
    faults.configure({ bounce: null });
    await new SesMailer('no-reply@trustdesk.local', ses).send({ to: 'sam@bounce.test', subject: 's', text: 't', html: 'h' });
    expect(bounced).toEqual([]);
    expect(faults.configure({ bounce: { addresses: ['not an address'] } })).toEqual([expect.objectContaining({ field: 'bounce.addresses' })]);
  });
});
