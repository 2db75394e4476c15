import { describe, expect, it } from 'vitest';
import { parseMail } from '#lib/mail.ts';
import { bouncePattern, bounceReport, bounces } from '../../local/ses-bounces.ts';

describe('local SES bounces', () => {
  it('matches addresses by pattern, ignoring case', () => {
    const patterns = [bouncePattern('*@bounce.test'), bouncePattern('Sam@Example.com')];
    expect(bounces(patterns, 'anyone@BOUNCE.test')).toBe(true);
    expect(bounces(patterns, 'sam@example.com')).toBe(true);
    expect(bounces(patterns, 'sam@example.org')).toBe(false);
    expect(bounces([bouncePattern('a.b@x.test')], 'aXb@x.test')).toBe(false);
  });

  it('writes a bounce that intake reads as a delivery report about the email SES sent', async () => {
    const raw = bounceReport({ messageId: 'ses-abc123', to: 'sam@bounce.test', subject: '[TD-7K3Q9X] Re: coins' }, { intakeAddress: 'support@trustdesk.local', now: new Date('2026-12-03T10:00:00Z') });
    const mail = await parseMail(raw);
    expect(mail.automatic).toMatchObject({ automatic: true, kind: 'bounce' });
    expect(mail.deliveryReport).toEqual({
      reportingMta: 'dns; mx.bounce.local',
      originalMessageId: 'ses-abc123@email.amazonses.com',
      recipients: [{ address: 'sam@bounce.test', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 <sam@bounce.test>: Recipient address rejected: User unknown in virtual mailbox table' }],
    });
  });
});
