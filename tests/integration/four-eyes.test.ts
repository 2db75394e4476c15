// Four-eyes on the local cloud, over HTTP: a confirmed_risk resolution waits in pending_approval for a
// second lead, the proposer (and an agent) cannot decide it, and the requester's resolution email goes only
// once it is approved; a rejection returns the case to investigating; nobody deciding brings the reminder,
// then the L1 escalation, on the virtual clock.
import { describe, expect, it } from 'vitest';
import { fourEyes } from '#lib/governance-config.ts';
import { advanceClockTo, clockNow, executions, mailbox, postInquiry, request, sendMail, settle, token, unique } from './support.ts';

interface CaseView {
  case: { caseId: string; reference: string; status: string; version: number; outcome?: string; approval?: { proposedBy: string; rules: string[] } };
  timeline: { type: string; actor: { id?: string }; data: Record<string, unknown> }[];
}

const MINUTE = 60_000;
type Person = { role: 'agent' | 'lead' | 'risk'; user?: string };
const firstLead: Person = { role: 'lead', user: 'ana' };
const secondLead: Person = { role: 'lead', user: 'ben' };

async function act(who: Person, caseId: string, action: Record<string, unknown>) {
  return request<Record<string, unknown>>('POST', `/cases/${caseId}/actions`, {
    body: JSON.stringify(action),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(who.role, who.user)}` },
  });
}

async function read(caseId: string): Promise<CaseView> {
  const res = await request<CaseView>('GET', `/cases/${caseId}`, { headers: { authorization: `Bearer ${await token('agent')}` } });
  expect(res.status).toBe(200);
  return res.body;
}

/** A coins case (no rule of its own) with a first reply, so the only four-eyes rule is the outcome. */
async function openAnswered(): Promise<{ email: string; view: CaseView }> {
  const email = `${unique('four-eyes')}@example.com`;
  const res = await postInquiry({ email, subject: 'Coins never arrived', message: 'I bought 500 coins yesterday and my balance was not updated.' });
  expect(res.status).toBe(201);
  await settle();
  const caseId = res.body.caseId as string;
  expect((await act({ role: 'agent' }, caseId, { type: 'reply', message: 'We are checking the purchase.', expectedVersion: 1 })).status).toBe(200);
  await settle();
  return { email, view: await read(caseId) };
}

const resolutionMails = async (email: string, reference: string) =>
  (await mailbox()).filter((m) => m.destination.to.includes(email) && m.subject.includes(reference) && /resolved/i.test(m.subject));

describe('four-eyes resolution on the local cloud', () => {
  it('waits for a second lead: the proposer and an agent get 403, the requester hears only after approval', async () => {
    const { email, view } = await openAnswered();
    const { caseId, reference } = view.case;
    const proposal = await act(firstLead, caseId, { type: 'resolve', outcome: 'confirmed_risk', summary: 'Stolen card; account banned.', expectedVersion: view.case.version });
    expect(proposal.status).toBe(200);
    await settle();
    const pending = await read(caseId);
    expect(pending.case).toMatchObject({ status: 'pending_approval', approval: { proposedBy: 'local-lead-ana', rules: ['outcome confirmed_risk'] } });
    expect(pending.timeline.at(-1)).toMatchObject({ type: 'approval.requested', data: { outcome: 'confirmed_risk' } });
    // The console's pending-approvals queue is the list filtered by the status.
    const queue = await request<{ items: { caseId: string; status: string }[] }>('GET', '/cases?status=pending_approval&limit=100', { headers: { authorization: `Bearer ${await token('lead')}` } });
    expect(queue.status).toBe(200);
    expect(queue.body.items.map((c) => c.caseId)).toContain(caseId);
    expect(queue.body.items.every((c) => c.status === 'pending_approval')).toBe(true);
    expect(await resolutionMails(email, reference)).toEqual([]);
    // The lifecycle waits on the approval (it did not end, nor wait for silence).
    expect((await executions()).find((e) => e.name === caseId)?.status).toBe('RUNNING');

    const byProposer = await act(firstLead, caseId, { type: 'approve', expectedVersion: pending.case.version });
    expect(byProposer.status).toBe(403);
    expect(String(byProposer.body.message)).toContain('Four-eyes rule (outcome confirmed_risk)');
    expect((await act({ role: 'agent' }, caseId, { type: 'approve', expectedVersion: pending.case.version })).status).toBe(403);
    await settle();
    expect((await read(caseId)).case.version).toBe(pending.case.version);
    expect(await resolutionMails(email, reference)).toEqual([]);

    const approved = await act(secondLead, caseId, { type: 'approve', expectedVersion: pending.case.version });
    expect(approved.status).toBe(200);
    await settle();
    const resolved = await read(caseId);
    expect(resolved.case).toMatchObject({ status: 'resolved', outcome: 'confirmed_risk' });
    expect(resolved.timeline.at(-1)).toMatchObject({ type: 'case.resolved', actor: { id: 'local-lead-ben' }, data: { approval: { proposedBy: 'local-lead-ana', approvedBy: 'local-lead-ben' } } });
    expect(await resolutionMails(email, reference)).toHaveLength(1);

    // Twice, or on the version before: 409 and nothing written.
    expect((await act({ role: 'risk' }, caseId, { type: 'approve', expectedVersion: resolved.case.version })).status).toBe(409);
    expect((await act({ role: 'risk' }, caseId, { type: 'approve', expectedVersion: pending.case.version })).status).toBe(409);
    await settle();
    expect((await read(caseId)).case.version).toBe(resolved.case.version);
    expect(await resolutionMails(email, reference)).toHaveLength(1);
  });

  it('returns a rejected resolution to investigating with the note, and emails nobody', async () => {
    const { email, view } = await openAnswered();
    const { caseId, reference } = view.case;
    expect((await act(firstLead, caseId, { type: 'resolve', outcome: 'confirmed_risk', expectedVersion: view.case.version })).status).toBe(200);
    await settle();
    const pending = await read(caseId);
    const rejected = await act({ role: 'risk' }, caseId, { type: 'reject', note: 'The card holder made the purchase.', expectedVersion: pending.case.version });
    expect(rejected.status).toBe(200);
    await settle();
    const after = await read(caseId);
    expect(after.case.status).toBe('investigating');
    expect(after.case.approval).toBeUndefined();
    expect(after.timeline.at(-1)).toMatchObject({ type: 'approval.rejected', data: { note: 'The card holder made the purchase.' } });
    expect(await resolutionMails(email, reference)).toEqual([]);
  });

  it('makes reopening a confirmed risk a proposal too: reopened only once a second person approves', async () => {
    const { view } = await openAnswered();
    const { caseId } = view.case;
    expect((await act(firstLead, caseId, { type: 'resolve', outcome: 'confirmed_risk', expectedVersion: view.case.version })).status).toBe(200);
    await settle();
    expect((await act(secondLead, caseId, { type: 'approve', expectedVersion: (await read(caseId)).case.version })).status).toBe(200);
    await settle();
    const resolved = await read(caseId);
    expect((await act({ role: 'agent' }, caseId, { type: 'reopen', reason: 'Charged again', expectedVersion: resolved.case.version })).status).toBe(200);
    await settle();
    const pending = await read(caseId);
    expect(pending.case).toMatchObject({ status: 'pending_approval', outcome: 'confirmed_risk', approval: { proposedBy: 'local-agent', rules: ['reopening a case resolved as confirmed_risk'] } });
    expect((await act(firstLead, caseId, { type: 'approve', expectedVersion: pending.case.version })).status).toBe(200);
    await settle();
    const reopened = await read(caseId);
    expect(reopened.case.status).toBe('investigating');
    expect(reopened.timeline.at(-1)).toMatchObject({ type: 'case.reopened', data: { from: 'resolved', approval: { proposedBy: 'local-agent', approvedBy: 'local-lead-ana' } } });
  });

  it("makes the requester's own email on a confirmed risk a reopening proposal: the reply is kept, the case waits for a lead", async () => {
    const { email, view } = await openAnswered();
    const { caseId, reference } = view.case;
    expect((await act(firstLead, caseId, { type: 'resolve', outcome: 'confirmed_risk', expectedVersion: view.case.version })).status).toBe(200);
    await settle();
    expect((await act(secondLead, caseId, { type: 'approve', expectedVersion: (await read(caseId)).case.version })).status).toBe(200);
    await settle();
    await sendMail({ from: email, subject: `Re: [${reference}] your case`, text: 'It happened again today.' });
    await settle();
    const pending = await read(caseId);
    expect(pending.case).toMatchObject({ status: 'pending_approval', outcome: 'confirmed_risk', approval: { kind: 'reopen', proposedBy: 'requester', from: 'resolved' } });
    expect(pending.timeline.at(-1)).toMatchObject({ type: 'requester.replied', data: { message: 'It happened again today.', reopenProposed: true } });
    expect((await act(firstLead, caseId, { type: 'approve', expectedVersion: pending.case.version })).status).toBe(200);
    await settle();
    expect((await read(caseId)).case.status).toBe('investigating');
  });

  it('reminds the approvers, then escalates to the L1 lead tier when nobody decides', async () => {
    const { view } = await openAnswered();
    const { caseId, reference } = view.case;
    expect((await act(firstLead, caseId, { type: 'resolve', outcome: 'confirmed_risk', expectedVersion: view.case.version })).status).toBe(200);
    await settle();
    const proposedAt = await clockNow();
    await advanceClockTo(proposedAt + fourEyes.policy.remindAfterMinutes * MINUTE + 1000);
    const reminded = await read(caseId);
    expect(reminded.timeline.map((e) => e.type)).toContain('approval.reminded');
    const mails = (await mailbox()).filter((m) => m.subject.includes(reference));
    expect(mails.filter((m) => m.subject.startsWith('[APPROVAL PENDING]')).map((m) => m.destination.to[0])).toEqual([fourEyes.policy.approversAddress]);

    await advanceClockTo(proposedAt + fourEyes.policy.escalateAfterMinutes * MINUTE + 1000);
    const escalated = await read(caseId);
    expect(escalated.timeline.map((e) => e.type)).toContain('approval.escalated');
    expect(escalated.case.status).toBe('pending_approval');
    const escalationMails = (await mailbox()).filter((m) => m.subject.includes(reference) && m.subject.startsWith('[ESCALATION'));
    expect(escalationMails.length).toBeGreaterThanOrEqual(1);
    expect(escalationMails[0]!.destination.to[0]).toBe('l1-leads@trustdesk.local');
  });
});
