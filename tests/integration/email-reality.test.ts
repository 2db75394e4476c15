// Email as it really arrives, over SMTP on the local cloud (issue 16's "Done when"): autoresponders and
// bounces never open a case or get an answer, an out-of-office reply leaves a paused clock paused, a
// bounce of a notice shows on the case and stops the next one, an autoresponder that says nothing gets
// at most the loop breaker's cap of acknowledgements an hour, replies from the common clients show only
// what the person wrote, legacy charsets are decoded and winmail.dat is unpacked.
import { describe, expect, it } from 'vitest';
import { emailPolicy } from '#lib/email-policy.ts';
import { corpus } from '../fixtures/mail/corpus.ts';
import { actAs, advanceClockTo, allItems, asAgent, clockNow, cloud, mailbox, postInquiry, request, sendMail, settle, token, unique } from './support.ts';

interface CaseView {
  case: {
    caseId: string;
    reference: string;
    status: string;
    version: number;
    subject: string;
    message: string;
    fullMessage?: string;
    pauses: { from: string; to?: string }[];
    attachments: { filename: string; contentType: string; size: number }[];
    requesterUndeliverable?: { since: string; status: string; diagnosticCode?: string };
  };
  timeline: { type: string; version: number; data: Record<string, unknown> }[];
}

const fixture = (name: string) => {
  const found = corpus.find((m) => m.name === name);
  if (!found) throw new Error(`no fixture ${name}`);
  return found;
};

/** The fixture as `from` would send it about `reference` (bytes kept: latin1 round-trips every byte). */
function rewrite(raw: Buffer, edits: [RegExp, string][]): Buffer {
  return Buffer.from(edits.reduce((text, [pattern, value]) => text.replace(pattern, value), raw.toString('latin1')), 'latin1');
}
const asSender = (from: string): [RegExp, string] => [/^From: .*$/m, `From: Sender <${from}>`];
const aboutCase = (reference: string): [RegExp, string] => [/TD-[0-9A-Z]{6}/g, reference];

async function sendRaw(from: string, raw: Buffer) {
  await sendMail({ envelope: { from, to: [cloud.intakeAddress] }, raw });
}

async function caseIdsOf(email: string): Promise<string[]> {
  return (await allItems()).filter((i) => i.sk?.S === 'CASE' && i.requester?.M?.email?.S === email).map((i) => i.caseId!.S!);
}

async function read(caseId: string): Promise<CaseView> {
  const res = await asAgent<CaseView>(`/cases/${caseId}`);
  expect(res.status).toBe(200);
  return res.body;
}

const mailsTo = async (email: string) => (await mailbox()).filter((m) => m.destination.to.some((to) => to.toLowerCase().includes(email)));

/** A case opened by email from a fresh address, acknowledged. */
async function openByEmail(label: string): Promise<{ email: string; view: CaseView }> {
  const email = `${unique(label)}@example.com`;
  await sendMail({ from: email, subject: 'My coins are missing', text: 'I bought 500 coins yesterday and my balance did not change.' });
  await settle();
  const [caseId] = await caseIdsOf(email);
  expect(caseId).toBeDefined();
  return { email, view: await read(caseId!) };
}

describe('automatic mail over SMTP', () => {
  it('an out-of-office message to the intake address opens no case and gets no email', async () => {
    const email = `${unique('ooo')}@example.com`;
    await sendRaw(email, rewrite(fixture('ooo-gmail').raw, [asSender(email), [/^(In-Reply-To|References): .*\r\n/gm, '']]));
    await settle();
    expect(await caseIdsOf(email)).toEqual([]);
    expect(await mailsTo(email)).toEqual([]);
    const held = (await allItems()).find((i) => i.pk?.S?.startsWith('QUARANTINE#') && i.mailFrom?.S === email);
    expect(held?.kind?.S).toBe('automatic');
    const listed = await request<{ items: { mailFrom: string; kind: string; reasons: string[] }[] }>('GET', '/quarantine?kind=automatic&limit=100', { headers: { authorization: `Bearer ${await token('lead')}` } });
    expect(listed.status).toBe(200);
    expect(listed.body.items.find((q) => q.mailFrom === email)).toMatchObject({ kind: 'automatic', reasons: expect.arrayContaining(['auto-reply']) });
    expect((await request('GET', '/quarantine', { headers: { authorization: `Bearer ${await token('agent')}` } })).status).toBe(403);
  });

  it('an out-of-office reply to an acknowledgement goes on the timeline as automatic; the paused SLA stays paused', async () => {
    const { email, view } = await openByEmail('ooo-reply');
    const asked = await actAs('agent', view.case.caseId, { type: 'request-info', message: 'Which account did you buy them on?', expectedVersion: view.case.version });
    expect(asked.status).toBe(200);
    await settle();
    const paused = await read(view.case.caseId);
    expect(paused.case.status).toBe('waiting_on_user');
    const mailsBefore = (await mailsTo(email)).length;

    await sendRaw(email, rewrite(fixture('ooo-exchange').raw, [asSender(email), aboutCase(view.case.reference)]));
    await settle();

    const after = await read(view.case.caseId);
    expect(after.timeline.at(-1)).toMatchObject({ type: 'requester.auto-replied', data: { message: expect.stringContaining('out of the office') } });
    expect(after.timeline.map((e) => e.type)).not.toContain('requester.replied');
    expect(after.case.status).toBe('waiting_on_user');
    expect(after.case.pauses).toEqual(paused.case.pauses);
    expect(after.case.pauses.at(-1)?.to).toBeUndefined();
    expect((await mailsTo(email)).length).toBe(mailsBefore);
  });

  it('a Postfix bounce of a notice shows on the case, and the next notice is not sent', async () => {
    const email = `${unique('bounced')}@example.com`;
    const opened = await postInquiry({ email, subject: 'Payout missing', message: 'My weekly payout never reached my bank account.' });
    expect(opened.status).toBe(201);
    const caseId = String(opened.body.caseId);
    await settle();
    const first = await read(caseId);
    expect((await actAs('agent', caseId, { type: 'reply', message: 'We are checking with the bank.', expectedVersion: first.case.version })).status).toBe(200);
    await settle();
    const notice = (await mailsTo(email)).find((m) => m.subject.startsWith(`[${first.case.reference}] Re:`));
    expect(notice).toBeDefined();

    const bounce = rewrite(fixture('bounce-postfix').raw, [
      [/sam@example\.com/g, email],
      [/^Message-ID: <0100018c5e1f9999[^>]*>$/m, `Message-ID: <${notice!.messageId}@email.amazonses.com>`],
    ]);
    await sendRaw('', bounce);
    await settle();

    const after = await read(caseId);
    expect(after.timeline.at(-1)).toMatchObject({ type: 'email.bounced', data: { address: email, status: '5.1.1', permanent: true, diagnosticCode: expect.stringContaining('User unknown') } });
    expect(after.case.requesterUndeliverable).toMatchObject({ status: '5.1.1' });
    const queue = await asAgent<{ items: { caseId: string; requesterUndeliverable?: { status: string } }[] }>('/cases?limit=100');
    expect(queue.body.items.find((c) => c.caseId === caseId)?.requesterUndeliverable).toMatchObject({ status: '5.1.1' });

    const mailsBefore = (await mailsTo(email)).length;
    expect((await actAs('agent', caseId, { type: 'reply', message: 'The bank confirmed the transfer.', expectedVersion: after.case.version })).status).toBe(200);
    await settle();
    expect((await mailsTo(email)).length).toBe(mailsBefore);
    expect((await allItems()).find((i) => i.pk?.S === `CASE#${caseId}` && i.sk?.S?.startsWith('NOTICE#agent.replied') && i.status?.S === 'withheld')?.reason?.S).toBe('undeliverable address');
  });

  it('the local SES mailbox bounces the addresses it is told to, and the bounce reaches the case', async () => {
    const faults = (body: unknown) => request('PUT', '/local/faults', { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect((await faults({ bounce: { addresses: ['*@bounce.test'] } })).status).toBe(200);
    try {
      const email = `${unique('gone')}@bounce.test`;
      const opened = await postInquiry({ email, subject: 'Gift not delivered', message: 'The rose gift I sent never arrived.' });
      expect(opened.status).toBe(201);
      await settle();
      const view = await read(String(opened.body.caseId));
      expect(view.timeline).toContainEqual(expect.objectContaining({ type: 'email.bounced', data: expect.objectContaining({ notice: 'case.opened-1', address: email, status: '5.1.1', permanent: true }) }));
      expect(view.case.requesterUndeliverable).toMatchObject({ status: '5.1.1' });
    } finally {
      await faults({ bounce: null });
    }
  });

  it('an autoresponder answering every message gets at most the cap of acknowledgements an hour', async () => {
    const now = await clockNow();
    await advanceClockTo(Math.ceil(now / 3_600_000) * 3_600_000 + 60_000); // the start of an hour: all sends fall in it
    const email = `${unique('loop')}@example.com`;
    const messages = emailPolicy.acknowledgementsPerSenderPerHour + 2;
    for (let i = 0; i < messages; i++) {
      await sendMail({ from: email, subject: `Thank you for your message #${i}`, text: `We have received your message and will answer it soon. (${i})` });
    }
    await settle();
    expect(await caseIdsOf(email)).toHaveLength(messages);
    const acks = (await mailsTo(email)).filter((m) => m.subject.includes('We received your request'));
    expect(acks).toHaveLength(emailPolicy.acknowledgementsPerSenderPerHour);
  });
});

describe('what people wrote, from every common client', () => {
  it.each(['gmail-reply', 'outlook-desktop-reply', 'apple-mail-reply-de'])('a %s shows only the new text on the timeline, the full text kept', async (name) => {
    const { email, view } = await openByEmail(name);
    await sendRaw(email, rewrite(fixture(name).raw, [asSender(email), aboutCase(view.case.reference)]));
    await settle();
    const after = await read(view.case.caseId);
    const replied = after.timeline.find((e) => e.type === 'requester.replied');
    expect(replied?.data.message).toBe(fixture(name).expected.text);
    expect(String(replied?.data.fullMessage)).toContain(view.case.reference);
    expect(after.case.status).toBe('new');
  });

  it.each(['windows-1252-unlabelled', 'iso-2022-jp'])('decodes a %s message', async (name) => {
    const email = `${unique(name)}@example.com`;
    await sendRaw(email, rewrite(fixture(name).raw, [asSender(email)]));
    await settle();
    const [caseId] = await caseIdsOf(email);
    const view = await read(caseId!);
    expect(view.case.subject).toBe(fixture(name).expected.subject);
    expect(view.case.message).toBe(fixture(name).expected.text);
  });

  it('unpacks a winmail.dat into its files as attachments', async () => {
    const email = `${unique('tnef')}@example.com`;
    await sendRaw(email, rewrite(fixture('outlook-winmail-dat').raw, [asSender(email)]));
    await settle();
    const [caseId] = await caseIdsOf(email);
    const view = await read(caseId!);
    expect(view.case.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size }))).toEqual(fixture('outlook-winmail-dat').expected.attachments);
  });
});
