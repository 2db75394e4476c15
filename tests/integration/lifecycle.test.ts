import { describe, expect, it } from 'vitest';
import { planDeadlines } from '#domain/sla/deadlines.ts';
import { escalationPolicy } from '#lib/escalation-policy-config.ts';
import { policies } from '#lib/policies.ts';
import { actAs, advanceClockTo, asAgent, clockNow, executions, mailbox, postInquiry, sendMail, settle, unique } from './support.ts';

interface CaseRecord {
  caseId: string;
  reference: string;
  status: string;
  priority: 'P1' | 'P2' | 'P3' | 'P4';
  version: number;
  openedAt: string;
  pauses: { from: string; to?: string }[];
  deadlines: { firstResponseDue: string; resolutionDue: string; firstResponseWarnAt: string };
  escalation?: { status: string; tier?: string };
}
interface CaseView {
  case: CaseRecord;
  timeline: { type: string; version: number; data: Record<string, unknown> }[];
}

const MINUTE = 60_000;

async function open(overrides: Record<string, unknown> = {}): Promise<{ email: string; view: CaseView }> {
  const email = `${unique('life')}@example.com`;
  const res = await postInquiry({ email, subject: 'Cannot log in to my account', message: 'I am locked out of my account after changing my phone.', ...overrides });
  expect(res.status).toBe(201);
  await settle();
  return { email, view: await read(res.body.caseId as string) };
}

async function read(caseId: string): Promise<CaseView> {
  const res = await asAgent<CaseView>(`/cases/${caseId}`);
  expect(res.status).toBe(200);
  return res.body;
}

const mailsAbout = async (reference: string) => (await mailbox()).filter((m) => m.subject.includes(reference));
const tierMails = async (reference: string) =>
  (await mailsAbout(reference)).filter((m) => m.subject.startsWith('[ESCALATION')).map((m) => m.destination.to[0]);

describe('case lifecycle on the local cloud', () => {
  it('escalates an untouched P3 case L1 → L2 → risk team, one email per tier', async () => {
    const { view } = await open();
    expect(view.case.priority).toBe('P3');
    const { reference, caseId } = view.case;

    await advanceClockTo(Date.parse(view.case.deadlines.firstResponseDue) + 1000);
    const breached = await read(caseId);
    expect(breached.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['sla.warning', 'sla.breached', 'escalation.notified']));
    expect(await tierMails(reference)).toEqual([escalationPolicy.tiers.L1.address]);

    await advanceClockTo((await clockNow()) + escalationPolicy.tiers.L1.ackMinutes * MINUTE + 1000);
    expect(await tierMails(reference)).toEqual([escalationPolicy.tiers.L1.address, escalationPolicy.tiers.L2.address]);

    await advanceClockTo((await clockNow()) + escalationPolicy.tiers.L2.ackMinutes * MINUTE + 1000);
    expect(await tierMails(reference)).toEqual([escalationPolicy.tiers.L1.address, escalationPolicy.tiers.L2.address, escalationPolicy.tiers.risk.address]);

    await advanceClockTo((await clockNow()) + escalationPolicy.tiers.risk.ackMinutes * MINUTE + 1000);
    const done = await read(caseId);
    expect(done.case.escalation?.status).toBe('unacknowledged');
    expect(await tierMails(reference)).toHaveLength(3);
  });

  it('stops an escalation when it is acknowledged', async () => {
    const { view } = await open();
    const { caseId, reference } = view.case;
    expect((await actAs('agent', caseId, { type: 'escalate', reason: 'VIP creator', expectedVersion: view.case.version })).status).toBe(200);
    await settle();
    expect(await tierMails(reference)).toEqual([escalationPolicy.tiers.L1.address]);

    const current = await read(caseId);
    expect((await actAs('agent', caseId, { type: 'acknowledge', expectedVersion: current.case.version })).status).toBe(403);
    expect((await actAs('lead', caseId, { type: 'acknowledge', expectedVersion: current.case.version })).status).toBe(200);
    await settle();
    await advanceClockTo((await clockNow()) + (escalationPolicy.tiers.L1.ackMinutes + escalationPolicy.tiers.L2.ackMinutes) * MINUTE + 1000);
    expect(await tierMails(reference)).toEqual([escalationPolicy.tiers.L1.address]);
    expect((await read(caseId)).case.escalation?.status).toBe('acknowledged');
  });

  it('pages the risk team at once for a P1 safety report (no timer involved)', async () => {
    const before = await clockNow();
    const { view } = await open({ subject: 'Please help', message: 'A streamer keeps asking an underage girl for photos in private messages.' });
    expect(view.case.priority).toBe('P1');
    expect(await tierMails(view.case.reference)).toEqual([escalationPolicy.tiers.risk.address]);
    expect(await clockNow()).toBeLessThan(before + MINUTE); // the clock did not need to move
  });

  it('pages the risk team once for a P1: its later first-response breach is recorded on that escalation, not a second chain from L1', async () => {
    const { view } = await open({ subject: 'Please help', message: 'A streamer keeps asking an underage girl for photos in private messages.' });
    const { caseId, reference } = view.case;
    expect(await tierMails(reference)).toEqual([escalationPolicy.tiers.risk.address]);
    const paged = await read(caseId);
    expect((await actAs('risk', caseId, { type: 'acknowledge', expectedVersion: paged.case.version })).status).toBe(200);
    await settle();

    await advanceClockTo(Date.parse(paged.case.deadlines.firstResponseDue) + 1000);
    await advanceClockTo((await clockNow()) + (escalationPolicy.tiers.L1.ackMinutes + escalationPolicy.tiers.L2.ackMinutes) * MINUTE + 1000);
    const breached = await read(caseId);
    const breach = breached.timeline.find((e) => e.type === 'sla.breached');
    expect(breach?.data).toMatchObject({ deadline: 'firstResponse', recordedOnEscalation: true });
    expect(breach?.data).not.toHaveProperty('startTier'); // no second escalation started with the breach
    expect(breached.case.escalation?.status).toBe('acknowledged');
    expect(await tierMails(reference)).toEqual([escalationPolicy.tiers.risk.address]);
  });

  it('pauses the SLA while waiting on the requester and resumes when they reply by email', async () => {
    const { email, view } = await open();
    const { caseId, reference } = view.case;
    const asked = await actAs('agent', caseId, { type: 'request-info', message: 'Which phone number did you use before?', expectedVersion: view.case.version });
    expect(asked.status).toBe(200);
    await settle();
    expect((await mailsAbout(reference)).some((m) => m.destination.to.includes(email) && m.body.text?.includes('Which phone number'))).toBe(true);

    await advanceClockTo((await clockNow()) + 3 * 60 * MINUTE);
    await sendMail({ from: email, subject: `Re: [${reference}] We need more information`, text: 'It was +1 555 0100.' });
    await settle();

    const resumed = await read(caseId);
    expect(resumed.case.status).toBe('investigating');
    expect(resumed.case.pauses).toHaveLength(1);
    const pause = resumed.case.pauses[0]!;
    expect(pause.to).toBeDefined();
    const expected = planDeadlines(
      { openedAt: new Date(resumed.case.openedAt), priority: resumed.case.priority, pauses: [{ from: new Date(pause.from), to: new Date(pause.to!) }] },
      policies.sla,
    );
    expect(resumed.case.deadlines.resolutionDue).toBe((expected as { resolutionDue: string }).resolutionDue);
    expect(Date.parse(resumed.case.deadlines.resolutionDue)).toBeGreaterThanOrEqual(Date.parse(view.case.deadlines.resolutionDue));
  });

  it('closes a resolved case after the silence with a notice, and reopens it when the requester writes again', async () => {
    const { email, view } = await open();
    const { caseId, reference } = view.case;
    expect((await actAs('agent', caseId, { type: 'reply', message: 'We reset your login; try again.', expectedVersion: 1 })).status).toBe(200);
    const afterReply = await read(caseId);
    expect((await actAs('agent', caseId, { type: 'resolve', outcome: 'resolved', expectedVersion: afterReply.case.version })).status).toBe(200);
    await settle();

    await advanceClockTo((await clockNow()) + policies.sla.autoCloseAfterMinutes * MINUTE + 1000);
    const closed = await read(caseId);
    expect(closed.case.status).toBe('closed');
    expect((await mailsAbout(reference)).some((m) => m.destination.to.includes(email) && m.subject.includes('closed'))).toBe(true);

    const lifecycle = (await executions()).find((e) => e.name === caseId);
    expect(lifecycle?.status).toBe('SUCCEEDED');
    // open → reply → resolve → auto-close, counted from the execution's own event log
    expect(lifecycle!.transitions).toBeLessThanOrEqual(12);

    await sendMail({ from: email, subject: `Re: [${reference}] Your case is closed`, text: 'It happened again today.' });
    await settle();
    const reopened = await read(caseId);
    expect(reopened.case.status).toBe('investigating');
    // (Deadlines long past may already have been recorded after the reply: look for the reply itself.)
    expect(reopened.timeline).toContainEqual(expect.objectContaining({ type: 'requester.replied', data: expect.objectContaining({ reopened: true }) }));
    expect((await executions()).some((e) => e.name.startsWith(`${caseId}-v`) && e.status === 'RUNNING')).toBe(true);
  });

  it('lets one of two agents acting on the same version win; the other gets 409 and changes nothing', async () => {
    const { view } = await open();
    const { caseId } = view.case;
    const [a, b] = await Promise.all([
      actAs('agent', caseId, { type: 'note', note: 'first', expectedVersion: 1 }),
      actAs('agent', caseId, { type: 'note', note: 'second', expectedVersion: 1 }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const after = await read(caseId);
    expect(after.case.version).toBe(2);
    expect(after.timeline.filter((e) => e.type === 'agent.noted')).toHaveLength(1);
  });

  it('refuses bad actions with a 4xx naming the problem', async () => {
    const { view } = await open();
    const bad = await actAs('agent', view.case.caseId, { type: 'resolve', outcome: 'maybe', expectedVersion: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual([expect.objectContaining({ field: 'outcome' })]);
    expect((await actAs('agent', view.case.caseId, { type: 'change-priority', priority: 'P1', expectedVersion: 1 })).status).toBe(403);
    expect((await actAs('agent', view.case.caseId, { type: 'reopen', expectedVersion: 1 })).status).toBe(409);
  });
});
