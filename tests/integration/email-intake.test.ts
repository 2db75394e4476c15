import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { allItems, asAgent, cloud, sendMail, settle, unique } from './support.ts';

interface CaseSummary {
  caseId: string;
  reference: string;
  subject: string;
  requesterEmail: string;
  channel: string;
}
interface CaseView {
  case: { caseId: string; reference: string; channel: string; category: string; attachments: { filename: string; contentType: string; size: number; sha256: string; key: string }[]; version: number };
  timeline: { type: string; version: number; data: Record<string, unknown> }[];
}

const s3 = new S3Client({ region: 'us-east-1', endpoint: cloud.s3, forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

async function caseFrom(email: string): Promise<CaseSummary | undefined> {
  const page = await asAgent<{ items: CaseSummary[] }>('/cases?limit=100');
  return page.body.items.find((c) => c.requesterEmail === email);
}

describe('email intake over SMTP', () => {
  it('turns an email with an attachment into a case, storing the attachment with its checksum', async () => {
    const from = `${unique('mailer')}@example.com`;
    const receipt = Buffer.from('%PDF-1.4 pretend bank statement\n');
    await sendMail({
      from: `Sam Rivera <${from}>`,
      subject: 'My payout did not arrive',
      text: 'Hi, my creator payout for last week never reached my bank. Statement attached.',
      attachments: [{ filename: 'statement.pdf', content: receipt, contentType: 'application/pdf' }],
    });
    await settle();

    const summary = await caseFrom(from);
    expect(summary).toBeDefined();
    const view = await asAgent<CaseView>(`/cases/${summary!.caseId}`);
    expect(view.body.case).toMatchObject({ channel: 'email', category: 'payout' });
    expect(view.body.case.attachments).toEqual([
      expect.objectContaining({
        filename: 'statement.pdf',
        contentType: 'application/pdf',
        size: receipt.length,
        sha256: createHash('sha256').update(receipt).digest('hex'),
      }),
    ]);
    const stored = await s3.send(new GetObjectCommand({ Bucket: cloud.mailBucket, Key: view.body.case.attachments[0]!.key }));
    expect(Buffer.from(await stored.Body!.transformToByteArray())).toEqual(receipt);
  });

  it('threads a reply into the same case by the reference in the subject, and by In-Reply-To', async () => {
    const from = `${unique('thread')}@example.com`;
    const firstId = `<${unique('first')}@example.com>`;
    await sendMail({ from, subject: 'Gift not delivered', text: 'I sent a gift to a streamer and it never showed up.', messageId: firstId });
    await settle();
    const opened = await caseFrom(from);
    expect(opened).toBeDefined();

    await sendMail({ from, subject: `Re: [${opened!.reference}] We received your request`, text: 'Here is the gift id: g-778.\n\nOn Mon someone wrote:\n> old text' });
    await sendMail({ from, subject: 'one more thing', text: 'It was during the Friday stream.', inReplyTo: firstId, references: [firstId] });
    await settle();

    const view = await asAgent<CaseView>(`/cases/${opened!.caseId}`);
    expect(view.body.timeline.map((e) => e.type)).toEqual(['case.opened', 'requester.replied', 'requester.replied']);
    expect(view.body.timeline[1]!.data.message).toBe('Here is the gift id: g-778.');
    expect(view.body.case.version).toBe(3);
    const all = await asAgent<{ items: CaseSummary[] }>('/cases?limit=100');
    expect(all.body.items.filter((c) => c.requesterEmail === from)).toHaveLength(1);
  });

  it('quarantines mail whose spam or DMARC verdict fails instead of opening a case', async () => {
    const spammer = `${unique('spam')}@example.com`;
    const spoofer = `${unique('spoof')}@example.com`;
    await sendMail({ from: spammer, subject: 'You won coins', text: 'Click here', headers: { 'X-Trustdesk-Verdict-Spam': 'FAIL' } });
    await sendMail({ from: spoofer, subject: 'Reset my account', text: 'Please', headers: { 'X-Trustdesk-Verdict-Dmarc': 'FAIL' } });
    await settle();
    expect(await caseFrom(spammer)).toBeUndefined();
    expect(await caseFrom(spoofer)).toBeUndefined();
    const quarantined = (await allItems()).filter((i) => i.pk?.S?.startsWith('QUARANTINE#'));
    const reasonsOf = (sender: string) => quarantined.find((q) => q.mailFrom?.S === sender)?.reasons;
    expect(reasonsOf(spammer)).toEqual({ L: [{ S: 'spam' }] });
    expect(reasonsOf(spoofer)).toEqual({ L: [{ S: 'dmarc' }] });
  });

  it('rejects mail for addresses that are not the intake address', async () => {
    await expect(sendMail({ from: 'a@example.com', to: 'someone-else@trustdesk.local', subject: 'hi', text: 'hi' })).rejects.toThrow(/550|recipient/i);
  });
});
