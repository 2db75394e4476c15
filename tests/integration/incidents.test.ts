// Incidents on the local cloud, over HTTP: a lead opens one by hand (POST /incidents, Idempotency-Key
// honoured), agents link cases to it, and one resolve-linked reaches each open linked requester with
// exactly one resolution email (read from the local SES mailbox); the case resolved before is skipped, and
// a retry of the same request answers the same counts and sends nothing more.
import { describe, expect, it } from 'vitest';
import { actAs, mailbox, postInquiry, request, settle, token, unique } from './support.ts';

interface CaseView {
  case: { caseId: string; reference: string; version: number; status: string; incidentCaseId?: string; incident?: { key: string; linkedCaseIds: string[]; resolvedLinked?: Record<string, unknown> } };
  timeline: { type: string; data: Record<string, unknown> }[];
}

async function read(caseId: string): Promise<CaseView> {
  const res = await request<CaseView>('GET', `/cases/${caseId}`, { headers: { authorization: `Bearer ${await token('lead')}` } });
  expect(res.status).toBe(200);
  return res.body;
}

async function openIncident(body: Record<string, unknown>, key: string, role: 'agent' | 'lead' | 'risk' = 'lead') {
  return request<{ caseId: string; reference: string; fields?: { field: string }[] }>('POST', '/incidents', {
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'idempotency-key': key, authorization: `Bearer ${await token(role)}` },
  });
}

const MESSAGE = 'The gift delivery outage is fixed: every gift sent during it has now been credited.';
const resolutionMails = async (email: string) => (await mailbox()).filter((m) => m.destination.to.includes(email) && /Resolved:/.test(m.subject));

describe('incidents on the local cloud', () => {
  it('refuses bad fields (400 naming each) and agents (403)', async () => {
    const bad = await openIncident({ title: '', message: 'x', category: 'nope', extra: 1 }, unique('bad'));
    expect(bad.status).toBe(400);
    expect(bad.body.fields?.map((f) => f.field).sort()).toEqual(['category', 'extra', 'title']);
    expect((await openIncident({ title: 'Outage', message: 'Gifts missing.' }, unique('agent'), 'agent')).status).toBe(403);
  });

  it('resolves every open linked case with one email each, exactly once even when the request is retried', async () => {
    const key = unique('incident');
    const opened = await openIncident({ title: 'Gift delivery outage', message: 'Gifts sent since 14:00 are not credited.', category: 'gifts_coins' }, key);
    expect(opened.status).toBe(201);
    const replayed = await openIncident({ title: 'Gift delivery outage', message: 'Gifts sent since 14:00 are not credited.', category: 'gifts_coins' }, key);
    expect(replayed.status).toBe(201);
    expect(replayed.body.caseId).toBe(opened.body.caseId);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    const incidentId = opened.body.caseId;

    const emails = [1, 2, 3, 4].map((n) => `${unique(`incident-${n}`)}@example.com`);
    const caseIds: string[] = [];
    for (const email of emails) {
      const res = await postInquiry({ email, subject: 'My gift never arrived', message: 'I sent a gift to a creator and it never showed up.', category: 'gifts_coins' });
      expect(res.status).toBe(201);
      caseIds.push(res.body.caseId as string);
    }
    await settle();
    // The fourth is resolved on its own before the incident-wide reply: it is skipped.
    const fourth = await read(caseIds[3]!);
    expect((await actAs('agent', caseIds[3]!, { type: 'resolve', outcome: 'resolved', summary: 'Credited by hand.', expectedVersion: fourth.case.version })).status).toBe(200);
    await settle();

    for (const caseId of caseIds) {
      const current = await read(caseId);
      const linked = await actAs<{ case: { incidentCaseId: string }; incident: { caseId: string; linked: number } }>('agent', caseId, { type: 'link-incident', incidentCaseId: incidentId, expectedVersion: current.case.version });
      expect(linked.status).toBe(200);
      expect(linked.body.case.incidentCaseId).toBe(incidentId);
    }
    // Linking twice says why, and links nothing more.
    const twice = await actAs('agent', caseIds[0]!, { type: 'link-incident', incidentCaseId: incidentId, expectedVersion: (await read(caseIds[0]!)).case.version });
    expect(twice.status).toBe(409);
    expect(String(twice.body.message)).toContain('already linked to this incident');
    await settle();
    const incident = await read(incidentId);
    expect(incident.case.incident?.linkedCaseIds).toEqual(caseIds);
    expect(incident.timeline.filter((e) => e.type === 'incident.case-linked')).toHaveLength(4);
    expect(await resolutionMails(emails[3]!)).toHaveLength(1);

    // An agent may not; a lead may.
    const action = { type: 'resolve-linked', message: MESSAGE, outcome: 'resolved', expectedVersion: incident.case.version };
    expect((await actAs('agent', incidentId, action)).status).toBe(403);
    const done = await actAs<{ result: Record<string, unknown>; event: { type: string } }>('lead', incidentId, action);
    expect(done.status).toBe(200);
    expect(done.body.result).toMatchObject({ complete: true, replayed: false, resolved: 3, proposed: 0, skipped: 1, remaining: 0, skippedCases: [{ caseId: caseIds[3], reason: 'already resolved' }] });
    expect(done.body.event.type).toBe('incident.resolved-linked');
    await settle();

    for (const [i, email] of emails.slice(0, 3).entries()) {
      const mails = await resolutionMails(email);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.body.text).toContain(MESSAGE);
      const view = await read(caseIds[i]!);
      expect(view.case.status).toBe('resolved');
      expect(view.timeline.filter((e) => e.type === 'case.resolved')).toEqual([expect.objectContaining({ data: expect.objectContaining({ summary: MESSAGE, incidentCaseId: incidentId }) })]);
    }
    expect(await resolutionMails(emails[3]!)).toHaveLength(1);

    // The same request again: the same counts, nothing written, nothing sent.
    const retry = await actAs<{ result: Record<string, unknown> }>('lead', incidentId, action);
    expect(retry.status).toBe(200);
    expect(retry.body.result).toMatchObject({ complete: true, replayed: true, resolved: 3, skipped: 1 });
    await settle();
    for (const email of emails) expect(await resolutionMails(email)).toHaveLength(1);
    const after = await read(incidentId);
    expect(after.timeline.filter((e) => e.type === 'incident.resolved-linked')).toHaveLength(1);
    expect(after.case.incident?.resolvedLinked).toMatchObject({ resolved: 3, skipped: 1, outcome: 'resolved' });
  });
});
