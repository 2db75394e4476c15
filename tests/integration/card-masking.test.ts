// Issue 14, point 2 on the local cloud: a card number typed into the form, sent in an HTML email over SMTP and
// written in an agent's reply is masked before anything is stored, logged or emailed. The test scans all four
// stores — every DynamoDB table, every object of the local S3, the SES mailbox (GET /store) and the functions'
// captured logs — for it. The one copy allowed is the raw inbound MIME, which the bucket's lifecycle rule
// deletes after the privacy policy's retention: the test moves the local clock past it and looks again.
import { describe, expect, it } from 'vitest';
import privacyPolicy from '../../config/privacy-policy.json' with { type: 'json' };
import { actAs, advanceClockTo, asAgent, clockNow, cloud, everyTableItem, postInquiry, request, s3Objects, sendMail, settle, unique } from './support.ts';

const DAY = 86_400_000;

/** A Visa-shaped number that passes Luhn and appears nowhere else in the suite. */
function freshCardNumber(): string {
  const body = `4${Array.from({ length: 14 }, () => Math.floor(Math.random() * 10)).join('')}`;
  for (let check = 0; check <= 9; check++) {
    const digits = `${body}${check}`;
    let sum = 0;
    for (let k = 0; k < digits.length; k++) {
      let d = Number(digits[digits.length - 1 - k]);
      if (k % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    if (sum % 10 === 0) return digits;
  }
  throw new Error('unreachable');
}
const grouped = (card: string) => card.replace(/(\d{4})(?=\d)/g, '$1 ');

/**
 * Where the card's digits (all of them, or the twelve a mask hides) appear in `text`, however it was spaced,
 * dashed, wrapped, split by HTML tags or quoted-printable encoded.
 */
const holds = (text: string, card: string) => {
  const flat = text.replace(/=\r?\n/g, '').replace(/=2D/gi, '-').replace(/<[^>]*>|&nbsp;|=C2=A0/gi, '').replace(/[\s\u00a0-]+/g, '');
  return flat.includes(card) || flat.includes(card.slice(0, 12));
};

const dynamoDump = async (): Promise<string> => (await everyTableItem()).join('\n');

const mailboxDump = async () => JSON.stringify(await (await fetch(`${cloud.mailbox}/store`)).json());
const logsDump = async () => JSON.stringify((await request<{ lines: unknown[] }>('GET', '/local/logs?since=0')).body.lines);

interface CaseView {
  case: { caseId: string; subject: string; message: string; masked?: Record<string, number>; attachments: { filename: string; key: string; mayContainCardData?: boolean }[] };
  timeline: { type: string; data: Record<string, unknown> }[];
}

describe('card numbers never stored, logged or emailed', () => {
  it('masks a card in the form, in an HTML email and in an agent reply; only the raw MIME holds one, until its retention ends', async () => {
    const inForm = freshCardNumber();
    const inHtml = freshCardNumber();
    const inReply = freshCardNumber();
    const inAttachment = freshCardNumber();
    const cards = { inForm, inHtml, inReply };

    // The web form, with the card in the subject, the message and the name.
    const formEmail = `${unique('card-form')}@example.com`;
    const posted = await postInquiry({
      email: formEmail,
      name: `Ada ${inForm}`,
      subject: `Charge on ${grouped(inForm)}`,
      message: `My card ${inForm.replace(/(\d{4})(?=\d)/g, '$1-')} was charged twice. CVV: 123. Order 1234567890.`,
    });
    expect(posted.status).toBe(201);
    const formCaseId = (posted.body as { caseId: string }).caseId;

    // An HTML-only email over SMTP, with a CSV attachment that holds another card.
    const mailFrom = `${unique('card-mail')}@example.com`;
    await sendMail({
      from: `Ada <${mailFrom}>`,
      subject: 'Unrecognised charge',
      html: `<p>Someone used my card <b>${inHtml.slice(0, 4)}</b>&nbsp;${inHtml.slice(4, 8)} ${inHtml.slice(8, 12)} ${inHtml.slice(12)} yesterday.</p><p>Order 1234567890</p>`,
      attachments: [{ filename: 'statement.csv', content: `date,card\n2026-12-01,${inAttachment}\n`, contentType: 'text/csv' }],
    });
    await settle();

    // An agent reply that quotes a card back (emailed to the requester by the notifier).
    const formCase = await asAgent<CaseView>(`/cases/${formCaseId}`);
    const replied = await actAs('agent', formCaseId, { type: 'reply', message: `Is ${grouped(inReply)} the card you mean?`, expectedVersion: (formCase.body.case as unknown as { version: number }).version });
    expect(replied.status).toBe(200);
    await settle();

    // What the API shows: masked text, counts by kind, the flagged attachment.
    const afterReply = (await asAgent<CaseView>(`/cases/${formCaseId}`)).body;
    expect(afterReply.case.subject).toBe(`Charge on •••• •••• •••• ${inForm.slice(-4)}`);
    expect(afterReply.case.message).toBe(`My card •••• •••• •••• ${inForm.slice(-4)} was charged twice. CVV: •••. Order 1234567890.`);
    expect(afterReply.case.masked).toEqual({ cardNumbers: 4, securityCodes: 1, ssns: 0 });
    expect(afterReply.timeline.find((e) => e.type === 'agent.replied')?.data).toMatchObject({ message: `Is •••• •••• •••• ${inReply.slice(-4)} the card you mean?`, masked: { cardNumbers: 1 } });

    const list = await asAgent<{ items: { caseId: string; requesterEmail: string }[] }>('/cases?limit=100');
    const mailCaseId = list.body.items.find((c) => c.requesterEmail === mailFrom)?.caseId;
    expect(mailCaseId).toBeDefined();
    const mailCase = (await asAgent<CaseView>(`/cases/${mailCaseId}`)).body.case;
    expect(mailCase.message).toContain(`Someone used my card •••• •••• •••• ${inHtml.slice(-4)} yesterday.`);
    expect(mailCase.masked).toEqual({ cardNumbers: 1, securityCodes: 0, ssns: 0 });
    expect(mailCase.attachments).toEqual([expect.objectContaining({ filename: 'statement.csv', mayContainCardData: true })]);

    // DynamoDB, the mailbox and the logs never held any of the three; S3 only in the raw inbound message.
    const [tables, mails, logs] = await Promise.all([dynamoDump(), mailboxDump(), logsDump()]);
    expect(mails).toContain(`•••• •••• •••• ${inReply.slice(-4)}`); // the reply was emailed, masked
    for (const [where, card] of Object.entries(cards)) {
      expect(holds(tables, card), `${where} in DynamoDB`).toBe(false);
      expect(holds(mails, card), `${where} in the SES mailbox`).toBe(false);
      expect(holds(logs, card), `${where} in the logs`).toBe(false);
    }
    const holding = (objects: { bucket: string; key: string; body: string }[], card: string) => objects.filter((o) => holds(o.body, card)).map((o) => `${o.bucket}/${o.key}`);
    const before = await s3Objects();
    expect(holding(before, inForm)).toEqual([]);
    expect(holding(before, inReply)).toEqual([]);
    const rawMime = holding(before, inHtml);
    expect(rawMime).toHaveLength(1); // the raw message as received, the one unmasked copy
    expect(rawMime[0]).toMatch(new RegExp(`^${cloud.mailBucket}/inbound/`));
    expect(holding(before, inAttachment)).toEqual([`${cloud.mailBucket}/${mailCase.attachments[0]!.key}`]); // kept, flagged

    // Past the retention the raw MIME is gone; the attachment (kept as evidence) stays.
    await advanceClockTo((await clockNow()) + (privacyPolicy.rawInboundMailRetentionDays + 1) * DAY);
    const after = await s3Objects();
    expect(after.filter((o) => o.key.startsWith('inbound/') && o.bucket === cloud.mailBucket)).toEqual([]);
    expect(holding(after, inHtml)).toEqual([]);
    expect(holding(after, inAttachment)).toEqual([`${cloud.mailBucket}/${mailCase.attachments[0]!.key}`]);
  }, 90_000); // it scans every table, object, mail and log line twice, and moves the clock 16 days
});
