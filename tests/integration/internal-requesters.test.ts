// Internal requesters on the local cloud: another team (role internal) opens a case for a creator or agency
// through POST /internal/cases; it is at least the priority floor with the one-business-hour first-response
// target; its reporter receives the reply and resolution emails; it lists and reads only its own cases, a
// colleague's or an unknown case reads the same 403 and escalates to the same 404, and it cannot act as an agent.
import { describe, expect, it } from 'vitest';
import { addBusinessTime } from '#domain/sla/calendar.ts';
import { internalPolicy } from '#lib/internal-config.ts';
import { policies } from '#lib/policies.ts';
import { actAs, mailbox, request, settle, token, unique } from './support.ts';

interface CaseView {
  case: { caseId: string; reference: string; version: number; priority: string; channel: string; openedAt: string; deadlines: { firstResponseDue: string }; internal?: Record<string, unknown> };
  timeline: { type: string; data: Record<string, unknown> }[];
}

const as = async (user: string) => ({ authorization: `Bearer ${await token('internal', user)}` });
const jsonHeaders = async (user: string) => ({ 'content-type': 'application/json', ...(await as(user)) });

async function openInternal(user: string, body: Record<string, unknown>) {
  return request<{ caseId: string; reference: string; fields?: { field: string }[] }>('POST', '/internal/cases', { body: JSON.stringify(body), headers: await jsonHeaders(user) });
}

async function readAsAgent(caseId: string): Promise<CaseView> {
  const res = await request<CaseView>('GET', `/cases/${caseId}`, { headers: { authorization: `Bearer ${await token('lead')}` } });
  expect(res.status).toBe(200);
  return res.body;
}

describe('internal requesters on the local cloud', () => {
  it('opens an agency case at the priority floor with the one-business-hour target; the reporter hears the reply and the resolution', async () => {
    const requester = `${unique('agency')}@example.com`;
    const res = await openInternal('pat', {
      email: requester,
      name: 'Northstar Talent',
      subject: 'Two creators missing gift revenue',
      message: 'Our creators did not receive last week’s gift revenue.',
      category: 'gifts_coins',
      onBehalfOf: 'agency',
      creatorUserIds: ['creator-11', 'creator-12', 'creator-11'],
    });
    expect(res.status).toBe(201);
    await settle();
    const view = await readAsAgent(res.body.caseId);
    const expectedDue = addBusinessTime(new Date(view.case.openedAt), internalPolicy.firstResponseBusinessMinutes * 60_000, policies.sla.calendar).toISOString();
    expect(view.case).toMatchObject({
      channel: 'internal',
      priority: internalPolicy.priorityFloor,
      deadlines: { firstResponseDue: expectedDue },
      internal: { reporter: { id: 'local-internal-pat', email: 'internal-pat@trustdesk.local' }, onBehalfOf: 'agency', creatorUserIds: ['creator-11', 'creator-12'] },
    });
    // The queue marks and filters internal cases.
    const queue = await request<{ items: { caseId: string; channel: string; internalReporter?: string }[] }>('GET', '/cases?channel=internal&limit=100', { headers: { authorization: `Bearer ${await token('agent')}` } });
    expect(queue.body.items.find((c) => c.caseId === view.case.caseId)).toMatchObject({ channel: 'internal', internalReporter: 'local-internal-pat' });
    expect(queue.body.items.every((c) => c.channel === 'internal')).toBe(true);

    expect((await actAs('agent', view.case.caseId, { type: 'reply', message: 'We are re-sending the gift revenue today.', expectedVersion: view.case.version })).status).toBe(200);
    await settle();
    const replied = await readAsAgent(view.case.caseId);
    expect((await actAs('agent', view.case.caseId, { type: 'resolve', outcome: 'resolved', summary: 'Revenue re-sent to both creators.', expectedVersion: replied.case.version })).status).toBe(200);
    await settle();
    const toReporter = (await mailbox()).filter((m) => m.destination.to.includes('internal-pat@trustdesk.local') && m.subject.includes(view.case.reference));
    expect(toReporter.map((m) => m.subject.split(':')[0])).toEqual([`[${view.case.reference}] Update`, `[${view.case.reference}] Resolved`]);
    expect(toReporter[0]!.body.text).toContain('re-sending the gift revenue');
    const toRequester = (await mailbox()).filter((m) => m.destination.to.includes(requester));
    expect(toRequester.some((m) => /Resolved/.test(m.subject))).toBe(true);
  });

  it('names every bad field with 400 and writes nothing', async () => {
    const res = await openInternal('pat', { email: 'nope', subject: '', message: 'x', onBehalfOf: 'partner', creatorUserIds: ['ok'] });
    expect(res.status).toBe(400);
    expect(res.body.fields!.map((f) => f.field).sort()).toEqual(['creatorUserIds', 'email', 'onBehalfOf', 'subject']);
  });

  it('lists and reads only its own cases; others read as the same 403 and escalate as the same 404; no agent actions', async () => {
    const mine = await openInternal('pat', { email: `${unique('creator')}@example.com`, subject: 'Payout held', message: 'A creator payout is on hold since Monday.', category: 'payout', onBehalfOf: 'creator', named: ['local-internal-kim'] });
    expect(mine.status).toBe(201);
    await settle();
    const caseId = mine.body.caseId;
    const own = await request<{ items: { caseId: string }[] }>('GET', '/internal/cases', { headers: await as('pat') });
    expect(own.status).toBe(200);
    expect(own.body.items.map((c) => c.caseId)).toContain(caseId);
    expect((await request<{ items: { caseId: string }[] }>('GET', '/internal/cases', { headers: await as('sam') })).body.items.map((c) => c.caseId)).not.toContain(caseId);

    // Named on it: may read it. Neither reporter nor named: the same 403 as for a case that does not exist.
    expect((await request('GET', `/cases/${caseId}`, { headers: await as('kim') })).status).toBe(200);
    const forbidden = await request('GET', `/cases/${caseId}`, { headers: await as('sam') });
    const unknown = await request('GET', '/cases/00000000-0000-4000-8000-000000000000', { headers: await as('sam') });
    expect(forbidden.status).toBe(403);
    expect([unknown.status, unknown.body]).toEqual([forbidden.status, forbidden.body]);
    expect(JSON.stringify(forbidden.body)).not.toContain(mine.body.reference);

    const view = await readAsAgent(caseId);
    // A lead lowers it; the reporter's escalation raises it back to the floor and re-plans the deadlines.
    expect((await actAs('lead', caseId, { type: 'change-priority', priority: 'P4', expectedVersion: view.case.version })).status).toBe(200);
    await settle();
    const lowered = await readAsAgent(caseId);
    const escalate = (user: string, id: string, version: number) =>
      jsonHeaders(user).then((headers) => request('POST', `/cases/${id}/actions`, { body: JSON.stringify({ type: 'escalate', reason: 'Creator is live tonight', expectedVersion: version }), headers }));
    const byStranger = await escalate('sam', caseId, lowered.case.version);
    const ofUnknown = await escalate('sam', '00000000-0000-4000-8000-000000000000', lowered.case.version);
    expect(byStranger.status).toBe(404);
    expect([ofUnknown.status, ofUnknown.body]).toEqual([byStranger.status, byStranger.body]);
    const noted = await request('POST', `/cases/${caseId}/actions`, { body: JSON.stringify({ type: 'note', note: 'internal note', expectedVersion: lowered.case.version }), headers: await jsonHeaders('pat') });
    expect(noted.status).toBe(403);
    expect((await request('GET', '/cases', { headers: await as('pat') })).status).toBe(403);
    expect((await readAsAgent(caseId)).case.version).toBe(lowered.case.version);

    const escalated = await escalate('pat', caseId, lowered.case.version);
    expect(escalated.status).toBe(200);
    await settle();
    const after = await readAsAgent(caseId);
    expect(after.case.priority).toBe(internalPolicy.priorityFloor);
    expect(after.timeline.find((e) => e.type === 'internal.escalated')).toMatchObject({ data: { from: 'P4', to: internalPolicy.priorityFloor, by: 'local-internal-pat' } });
    expect(after.case.deadlines.firstResponseDue).toBe(addBusinessTime(new Date(after.case.openedAt), internalPolicy.firstResponseBusinessMinutes * 60_000, policies.sla.calendar).toISOString());
  });
});
