// POST /cases/bulk on the local cloud (issue 13 point 4): a bulk resolve of 50 cases, 5 of them at a version
// the agent no longer holds → 45 applied, 5 × 409, 45 resolution emails in the SES mailbox; the same request
// retried with its Idempotency-Key applies nothing (no new event, no new email); bad input is a 400 naming
// each field; the same key with another body is a 422. Every assertion is scoped to the cases made here.
import { describe, expect, it } from 'vitest';
import { actAs, asAgent, mailbox, postInquiry, request, settle, token, unique } from './support.ts';

interface CaseView {
  case: { caseId: string; reference: string; status: string; version: number };
  timeline: { type: string; version: number }[];
}
interface BulkResult {
  caseId: string;
  status: string;
  httpStatus: number;
  version?: number;
  reason?: string;
}

const read = async (caseId: string) => (await asAgent<CaseView>(`/cases/${caseId}`)).body;

async function bulk(body: unknown, key?: string) {
  return request<{ results: BulkResult[]; fields?: { field: string }[] }>('POST', '/cases/bulk', {
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('agent')}`, ...(key && { 'idempotency-key': key }) },
  });
}

/** Opens n cases, two at a time (the shared machine is busy); a 5xx is retried under its Idempotency-Key, so never twice. */
async function openCases(n: number, label: string): Promise<string[]> {
  const openOne = async () => {
    const body = { email: `${unique(label)}@example.com`, subject: 'My coins did not arrive', message: 'I bought 500 coins yesterday and they are not in my wallet.' };
    const key = unique('inquiry');
    for (let attempt = 0; ; attempt++) {
      const res = await postInquiry(body, { 'idempotency-key': key });
      if (res.status >= 500 && attempt < 4) continue;
      expect(res.status).toBe(201);
      return res.body.caseId as string;
    }
  };
  const ids: string[] = [];
  for (let i = 0; i < n; i += 2) ids.push(...(await Promise.all(Array.from({ length: Math.min(2, n - i) }, openOne))));
  await settle();
  return ids;
}

describe('bulk actions on the local cloud', () => {
  it('resolves 45 of 50 cases (5 stale → 409), sends 45 resolution emails, and a retry with the same key applies nothing', async () => {
    const ids = await openCases(50, 'bulk');
    const views = await Promise.all(ids.map(read));
    const stale = new Set(ids.slice(0, 5));
    // Someone else notes the first five meanwhile: the versions the bulk carries for them are stale.
    for (const view of views.slice(0, 5)) {
      expect((await actAs('agent', view.case.caseId, { type: 'note', note: 'Looked at the wallet.', expectedVersion: view.case.version })).status).toBe(200);
    }
    const body = {
      action: { type: 'resolve', outcome: 'resolved', summary: 'Your coins are in your wallet now.' },
      cases: views.map((v) => ({ caseId: v.case.caseId, expectedVersion: v.case.version })),
    };
    const key = unique('bulk-key');

    const first = await bulk(body, key);
    expect(first.status).toBe(200);
    const results = first.body.results;
    expect(results.map((r) => r.caseId)).toEqual(ids);
    expect(results.filter((r) => r.status === 'applied')).toHaveLength(45);
    const conflicts = results.filter((r) => r.status === 'conflict');
    expect(conflicts.map((r) => r.caseId).sort()).toEqual([...stale].sort());
    expect(conflicts.every((r) => r.httpStatus === 409)).toBe(true);

    await settle();
    const references = new Map(views.map((v) => [v.case.caseId, v.case.reference]));
    const resolutionMails = async () => (await mailbox()).filter((m) => ids.some((id) => m.subject === `[${references.get(id)}] Resolved: My coins did not arrive`));
    const mails = await resolutionMails();
    expect(mails).toHaveLength(45);
    expect(new Set(mails.map((m) => m.subject)).size).toBe(45);
    expect(mails.some((m) => [...stale].some((id) => m.subject.includes(references.get(id)!)))).toBe(false);
    const after = await Promise.all(ids.map(read));
    expect(after.filter((v) => v.case.status === 'resolved')).toHaveLength(45);
    const eventsBefore = after.reduce((n, v) => n + v.timeline.length, 0);

    const retry = await bulk(body, key);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.results).toEqual(results);
    await settle();
    const again = await Promise.all(ids.map(read));
    expect(again.reduce((n, v) => n + v.timeline.length, 0)).toBe(eventsBefore);
    expect(await resolutionMails()).toHaveLength(45);

    // The same key with another body is refused, and applies nothing either.
    const other = await bulk({ ...body, action: { type: 'note', note: 'Different.' } }, key);
    expect(other.status).toBe(422);
    expect(other.body.fields).toEqual([{ field: 'Idempotency-Key', message: 'was already used with a different request body' }]);
  }, 300_000); // opens 50 cases (each with its workflow and acknowledgement) on a shared machine


  it('answers bad input with a 400 naming each bad field and writes nothing', async () => {
    const [caseId] = await openCases(1, 'bulk-bad');
    const before = await read(caseId!);
    const res = await bulk({ action: { type: 'note', note: '' }, cases: [{ caseId, expectedVersion: before.case.version }, { caseId: 'x', expectedVersion: 'one' }] });
    expect(res.status).toBe(400);
    expect(res.body.fields!.map((f) => f.field)).toEqual(['action.note', 'cases.1.expectedVersion']);
    expect((await read(caseId!)).timeline).toHaveLength(before.timeline.length);
  }, 60_000);

  it('lets no other team act in bulk', async () => {
    const res = await request('POST', '/cases/bulk', {
      body: JSON.stringify({ action: { type: 'note', note: 'x' }, cases: [{ caseId: '00000000-0000-4000-8000-000000000001', expectedVersion: 1 }] }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('internal')}` },
    });
    expect(res.status).toBe(403);
  });
});
