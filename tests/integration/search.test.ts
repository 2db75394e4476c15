// Search on the local cloud over HTTP: GET /cases?q= finds a case by each exact key (reference, case id,
// requester email in any case, user id, transaction id) and only that case; other teams' people are refused.
import { describe, expect, it } from 'vitest';
import { asAgent, postInquiry, request, settle, token, unique } from './support.ts';

interface Hits {
  q: string;
  items: { caseId: string; reference: string; requesterEmail: string; matchedBy: string[] }[];
}

const search = (q: string) => asAgent<Hits>(`/cases?q=${encodeURIComponent(q)}`);

async function newCase(body: Record<string, unknown>): Promise<{ caseId: string; reference: string }> {
  const res = await postInquiry({ subject: 'Coins missing', message: 'My coins did not arrive after the top-up.', ...body });
  expect(res.status).toBe(201);
  return { caseId: res.body.caseId as string, reference: res.body.reference as string };
}

describe('search by an exact key, on the local cloud', () => {
  it('finds each case by each of its keys, and only it', async () => {
    const a = { email: `${unique('search-a')}@example.com`, userId: unique('user'), transactionId: unique('txn') };
    const b = { email: `${unique('search-b')}@example.com`, userId: unique('user'), transactionId: unique('txn') };
    const first = await newCase(a);
    const other = await newCase(b);
    await settle();
    const { reference } = first;
    for (const [q, by] of [
      [reference, 'reference'],
      [first.caseId, 'caseId'],
      [a.email.toUpperCase(), 'email'],
      [a.userId, 'userId'],
      [a.transactionId, 'transactionId'],
    ] as const) {
      const res = await search(q);
      expect(res.status).toBe(200);
      expect(res.body.items.map((i) => [i.caseId, i.matchedBy])).toEqual([[first.caseId, [by]]]);
    }
    expect((await search(b.userId)).body.items.map((i) => i.caseId)).toEqual([other.caseId]);
    expect((await search(unique('nobody'))).body.items).toEqual([]);
  });

  it('names a bad term or a mix with filters (400), and serves agent roles only', async () => {
    const mixed = await asAgent<{ fields: { field: string; message: string }[] }>('/cases?q=x&status=new');
    expect(mixed.status).toBe(400);
    expect(mixed.body.fields.map((f) => f.field)).toEqual(['q']);
    expect((await asAgent('/cases?q=%20%20')).status).toBe(400);
    const internal = await request('GET', '/cases?q=x', { headers: { authorization: `Bearer ${await token('internal')}` } });
    expect(internal.status).toBe(403);
  });
});
