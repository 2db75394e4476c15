import { describe, expect, it } from 'vitest';
import { allItems, asAgent, mailbox, postInquiry, request, settle, unique } from './support.ts';

interface Created {
  caseId: string;
  reference: string;
}
interface CaseView {
  case: Record<string, unknown> & { deadlines: { firstResponseDue: string; resolutionDue: string }; riskFactors: unknown[] };
  timeline: { type: string; version: number }[];
}

const inquiry = (overrides: Record<string, unknown> = {}) => ({
  email: `${unique('viewer')}@example.com`,
  name: 'Mia Chen',
  subject: 'Charge I did not make',
  message: 'There is a charge of 89.99 on my card for coins that I never bought. I did not authorize this.',
  amount: 89.99,
  currency: 'USD',
  transactionId: 'txn_4242',
  ...overrides,
});

describe('POST /inquiries', () => {
  it('creates a triaged case that an agent can read with its deadlines and timeline', async () => {
    const res = await postInquiry(inquiry({ userId: 'u_123' }));
    expect(res.status).toBe(201);
    const { caseId, reference } = res.body as unknown as Created;
    expect(caseId).toMatch(/^[0-9a-f-]{36}$/);
    expect(reference).toMatch(/^TD-[0-9A-Z]{6}$/);

    const view = await asAgent<CaseView>(`/cases/${caseId}`);
    expect(view.status).toBe(200);
    expect(view.body.case).toMatchObject({ caseId, reference, status: 'new', channel: 'web', category: 'unauthorized_charge', amount: 89.99, currency: 'USD' });
    expect(['P1', 'P2']).toContain(view.body.case.priority);
    expect(view.body.case.riskScore).toBeGreaterThan(0);
    expect(view.body.case.riskFactors.length).toBeGreaterThan(0);
    expect(Date.parse(view.body.case.deadlines.firstResponseDue)).toBeGreaterThan(Date.now());
    expect(Date.parse(view.body.case.deadlines.resolutionDue)).toBeGreaterThan(Date.parse(view.body.case.deadlines.firstResponseDue));
    expect(view.body.timeline).toEqual([expect.objectContaining({ type: 'case.opened', version: 1 })]);
  });

  it('accepts a plain HTML form post (application/x-www-form-urlencoded)', async () => {
    const form = new URLSearchParams({ email: `${unique('creator')}@example.com`, subject: 'Payout missing', message: 'My weekly payout never arrived in my bank account.', name: '', category: '' });
    const res = await request('POST', '/inquiries', { body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(201);
    const view = await asAgent<CaseView>(`/cases/${(res.body as unknown as Created).caseId}`);
    expect(view.body.case.category).toBe('payout');
  });

  it('returns the same case for a replay with the same Idempotency-Key, and refuses the key with another body', async () => {
    const body = inquiry();
    const key = unique('key');
    const first = await postInquiry(body, { 'idempotency-key': key });
    const again = await postInquiry(body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.caseId).toBe(first.body.caseId);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const other = await postInquiry({ ...body, subject: 'Something else' }, { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect(JSON.stringify(other.body)).toContain('Idempotency-Key');
  });

  it('treats an identical inquiry without a key as a replay (content fingerprint)', async () => {
    const body = inquiry();
    const [a, b] = await Promise.all([postInquiry(body), postInquiry(body)]);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.caseId).toBe(a.body.caseId);
  });

  it('links repeat complaints by the same person and flags safety reports about minors as P1', async () => {
    const email = `${unique('repeat')}@example.com`;
    const first = await postInquiry(inquiry({ email, subject: 'Coins missing', message: 'I bought 500 coins and never got them.' }));
    const second = await postInquiry(inquiry({ email, subject: 'Coins still missing', message: 'Still no coins after my purchase.' }));
    const view = await asAgent<CaseView>(`/cases/${second.body.caseId as string}`);
    expect(view.body.case.repeatCount).toBe(1);
    expect(view.body.case.repeatOf).toEqual([first.body.caseId]);

    const safety = await postInquiry({ email: `${unique('safety')}@example.com`, subject: 'Worried about a stream', message: 'A streamer is talking to an underage child and asking for photos.', category: 'other' });
    const safetyView = await asAgent<CaseView>(`/cases/${safety.body.caseId as string}`);
    expect(safetyView.body.case).toMatchObject({ priority: 'P1', safetyCritical: true });
  });

  it('emails the requester an acknowledgement with the case reference, once', async () => {
    const body = inquiry();
    const res = await postInquiry(body);
    await postInquiry(body); // a replay must not send a second email
    await settle();
    const mails = (await mailbox()).filter((m) => m.destination.to.includes(body.email));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toContain(res.body.reference as string);
  });
});

describe('POST /inquiries with bad input', () => {
  it('lists every bad field in a 400 and writes nothing', async () => {
    const before = (await allItems()).length;
    const res = await postInquiry({ email: 'not-an-email', subject: 'line one\r\nBcc: victim@example.com', message: '', amount: -5, currency: 'dollars', category: 'nope' });
    expect(res.status).toBe(400);
    const fields = (res.body.fields as { field: string }[]).map((f) => f.field).sort();
    expect(fields).toEqual(['amount', 'category', 'currency', 'email', 'message', 'subject']);
    expect((await allItems()).length).toBe(before);
  });

  it('answers malformed bodies, wrong types and oversize payloads with a 4xx naming the problem', async () => {
    const malformed = await request('POST', '/inquiries', { body: '{"email":', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.fields).toEqual([{ field: 'body', message: 'must be valid JSON' }]);

    const wrongType = await request('POST', '/inquiries', { body: '<xml/>', headers: { 'content-type': 'text/xml' } });
    expect(wrongType.status).toBe(415);

    const array = await request('POST', '/inquiries', { body: '[1,2]', headers: { 'content-type': 'application/json' } });
    expect(array.status).toBe(400);

    const huge = await postInquiry(inquiry({ message: 'x'.repeat(40_000) }));
    expect(huge.status).toBe(413);

    const longMessage = await postInquiry(inquiry({ message: 'y'.repeat(10_001) }));
    expect(longMessage.status).toBe(400);
    expect(longMessage.body.fields).toEqual([{ field: 'message', message: 'must be at most 10000 characters' }]);

    const badKey = await postInquiry(inquiry(), { 'idempotency-key': 'k'.repeat(129) });
    expect(badKey.status).toBe(400);
    expect(badKey.body.fields).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
  });
});

describe('GET /cases', () => {
  it('needs a valid token', async () => {
    expect((await request('GET', '/cases')).status).toBe(401);
    expect((await request('GET', '/cases', { headers: { authorization: 'Bearer not.a.jwt' } })).status).toBe(401);
  });

  it('lists cases newest first, page by page', async () => {
    const created: string[] = [];
    for (let i = 0; i < 3; i++) {
      created.push((await postInquiry(inquiry({ subject: `Refund request ${i}` }))).body.caseId as string);
      await new Promise((r) => setTimeout(r, 5)); // distinct opening instants
    }
    const page1 = await asAgent<{ items: { caseId: string }[]; cursor?: string }>('/cases?limit=2');
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((i) => i.caseId)).toEqual([created[2], created[1]]);
    expect(page1.body.cursor).toBeTruthy();
    const page2 = await asAgent<{ items: { caseId: string }[] }>(`/cases?limit=2&cursor=${page1.body.cursor!}`);
    expect(page2.body.items[0]!.caseId).toBe(created[0]);

    const badCursor = await asAgent('/cases?cursor=abc');
    expect(badCursor.status).toBe(400);
    expect(await asAgent('/cases/00000000-0000-4000-8000-000000000000').then((r) => r.status)).toBe(404);
  });
});

describe('GET /cases filters', () => {
  it('narrows the queue by status, priority, category and breach, and names bad filters', async () => {
    const payout = await postInquiry(inquiry({ subject: 'Payout missing', message: 'My creator payout did not arrive.', amount: undefined, currency: undefined }));
    const id = payout.body.caseId as string;
    const byCategory = await asAgent<{ items: { caseId: string; category: string }[] }>('/cases?category=payout&limit=100');
    expect(byCategory.body.items.map((c) => c.caseId)).toContain(id);
    expect(byCategory.body.items.every((c) => c.category === 'payout')).toBe(true);

    const resolvedOnly = await asAgent<{ items: { status: string }[] }>('/cases?status=resolved&limit=100');
    expect(resolvedOnly.body.items.every((c) => c.status === 'resolved')).toBe(true);
    const notBreached = await asAgent<{ items: { caseId: string }[] }>('/cases?breached=false&assignee=none&limit=100');
    expect(notBreached.body.items.map((c) => c.caseId)).toContain(id);

    const bad = await asAgent('/cases?status=lost&priority=P9&colour=red');
    expect(bad.status).toBe(400);
    expect((bad.body.fields as { field: string }[]).map((f) => f.field).sort()).toEqual(['colour', 'priority', 'status']);
  });
});
