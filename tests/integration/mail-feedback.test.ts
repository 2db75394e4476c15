// SES's bounces and complaints on the local cloud, the AWS way (issue 16 point 3): the notifier sends with
// the stack's configuration set, the local SES is told to bounce (or draw a complaint for) an address, its
// notification goes to the configuration set's SNS topic, and the mail-feedback function marks the case and
// stops further mail to the address. A notification about mail trustdesk never sent changes nothing, and
// one delivered twice is recorded once.
import { afterEach, describe, expect, it } from 'vitest';
import { actAs, allItems, asAgent, mailbox, postInquiry, request, settle, unique } from './support.ts';

interface CaseView {
  case: { caseId: string; reference: string; version: number; requesterUndeliverable?: { since: string; status: string; diagnosticCode?: string } };
  timeline: { type: string; version: number; data: Record<string, unknown> }[];
}

const faults = (body: unknown) => request('PUT', '/local/faults', { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const read = async (caseId: string): Promise<CaseView> => {
  const res = await asAgent<CaseView>(`/cases/${caseId}`);
  expect(res.status).toBe(200);
  return res.body;
};
const mailsTo = async (email: string) => (await mailbox()).filter((m) => m.destination.to.some((to) => to.toLowerCase().includes(email)));
const invokeFeedback = (event: unknown) => request<{ result?: { results: { outcome: string; caseId?: string }[] }; functionError?: string }>('POST', '/local/functions/MailFeedbackFunction/invoke', { body: JSON.stringify(event), headers: { 'content-type': 'application/json' } });
const snsEvent = (message: unknown, snsMessageId = unique('sns')) => ({
  Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', Sns: { Type: 'Notification', MessageId: snsMessageId, TopicArn: 'arn:aws:sns:us-east-1:000000000000:MailFeedbackTopic', Message: JSON.stringify(message), Timestamp: new Date().toISOString() } }],
});

/** A case opened on the form from `email`, settled (its acknowledgement sent, or bounced). */
async function openCase(email: string): Promise<string> {
  const opened = await postInquiry({ email, subject: 'Gift not delivered', message: 'The rose gift I sent never arrived.' });
  expect(opened.status).toBe(201);
  await settle();
  return String(opened.body.caseId);
}

/** An agent's reply on the case, settled: whether it reached the requester's address. */
async function replyReaches(caseId: string, email: string): Promise<boolean> {
  const before = (await mailsTo(email)).length;
  const { case: current } = await read(caseId);
  expect((await actAs('agent', caseId, { type: 'reply', message: 'We found the gift and are crediting it.', expectedVersion: current.version })).status).toBe(200);
  await settle();
  return (await mailsTo(email)).length > before;
}

const withheldReplies = async (caseId: string) =>
  (await allItems()).filter((i) => i.pk?.S === `CASE#${caseId}` && i.sk?.S?.startsWith('NOTICE#agent.replied') && i.status?.S === 'withheld').map((i) => i.reason?.S);

describe('SES bounce and complaint notifications on the local cloud', () => {
  afterEach(async () => {
    await faults({ bounce: null, complaint: null });
  });

  it('a bounce of the acknowledgement shows on the case, and the next notice is not sent', async () => {
    expect((await faults({ bounce: { addresses: ['*@bounce.test'] } })).status).toBe(200);
    const email = `${unique('gone')}@bounce.test`;
    const caseId = await openCase(email);
    expect(await mailsTo(email)).toHaveLength(1); // SES accepted it, then it bounced

    const view = await read(caseId);
    expect(view.timeline).toContainEqual(expect.objectContaining({ type: 'email.bounced', data: expect.objectContaining({ notice: 'case.opened-1', address: email, action: 'failed', status: '5.1.1', permanent: true, diagnosticCode: expect.stringContaining('User unknown') }) }));
    expect(view.case.requesterUndeliverable).toMatchObject({ status: '5.1.1' });
    // SES's bounces never arrive as mail: no case for a mailer-daemon, nothing quarantined.
    expect((await allItems()).filter((i) => i.pk?.S?.startsWith('QUARANTINE#') && /bounce/.test(i.mailFrom?.S ?? ''))).toEqual([]);

    expect(await replyReaches(caseId, email)).toBe(false);
    expect(await withheldReplies(caseId)).toEqual(['undeliverable address']);
  });

  it('a complaint about the acknowledgement shows on the case and suppresses further mail to the address', async () => {
    expect((await faults({ complaint: { addresses: ['*@spam.test'] } })).status).toBe(200);
    const email = `${unique('annoyed')}@spam.test`;
    const caseId = await openCase(email);

    const view = await read(caseId);
    expect(view.timeline).toContainEqual(expect.objectContaining({ type: 'email.complained', data: { notice: 'case.opened-1', address: email, feedbackType: 'abuse' } }));
    expect(view.case.requesterUndeliverable).toMatchObject({ status: 'complaint', diagnosticCode: 'abuse' });
    const queue = await asAgent<{ items: { caseId: string; requesterUndeliverable?: { status: string } }[] }>('/cases?limit=100');
    expect(queue.body.items.find((c) => c.caseId === caseId)?.requesterUndeliverable).toMatchObject({ status: 'complaint' });

    expect(await replyReaches(caseId, email)).toBe(false);
    expect(await withheldReplies(caseId)).toEqual(['undeliverable address']);
  });

  it('a notification about mail trustdesk never sent, or one it cannot read, changes nothing; one delivered twice is recorded once', async () => {
    const email = `${unique('fine')}@example.com`;
    const caseId = await openCase(email);
    const before = await read(caseId);
    const [acknowledgement] = await mailsTo(email);
    expect(acknowledgement).toBeDefined();

    const bounceOf = (messageId: string) => ({ eventType: 'Bounce', mail: { messageId, destination: [email] }, bounce: { feedbackId: unique('fb'), bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: email, status: '5.1.1' }] } });
    expect((await invokeFeedback(snsEvent(bounceOf('0100018cneversent')))).body.result).toEqual({ results: [{ outcome: 'unknown-mail' }] });
    expect((await invokeFeedback(snsEvent('not json at all'))).body.result).toEqual({ results: [{ outcome: 'malformed' }] });
    expect((await invokeFeedback(snsEvent({ eventType: 'Bounce', mail: { messageId: acknowledgement!.messageId } }))).body.result).toEqual({ results: [{ outcome: 'malformed' }] });
    await settle();
    expect(await read(caseId)).toEqual(before);

    // The same complaint twice (an SNS retry): one event on the timeline.
    const complaint = snsEvent({ eventType: 'Complaint', mail: { messageId: acknowledgement!.messageId }, complaint: { feedbackId: unique('fb'), complainedRecipients: [{ emailAddress: email }] } });
    expect((await invokeFeedback(complaint)).body.result).toEqual({ results: [{ outcome: 'complained', caseId, version: before.case.version + 1 }] });
    expect((await invokeFeedback(complaint)).body.result).toMatchObject({ results: [{ outcome: 'replayed', caseId }] });
    await settle();
    expect((await read(caseId)).timeline.filter((e) => e.type === 'email.complained')).toHaveLength(1);
  });
});
