// Who looked, on the local cloud over HTTP: every opening of a confidential case through GET /cases/{caseId}
// is a view record the risk team lists with GET /cases/{caseId}/views; other cases cost no write.
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { allItems, postInquiry, request, settle, token, unique } from './support.ts';

interface Views {
  caseId: string;
  views: { caseId: string; viewer: { id: string; email?: string; roles: string[] }; at: string; route: string }[];
}

async function openAs(role: 'agent' | 'lead' | 'risk', caseId: string) {
  const res = await request('GET', `/cases/${caseId}`, { headers: { authorization: `Bearer ${await token(role)}` } });
  expect(res.status).toBe(200);
}

const views = async (role: 'agent' | 'lead' | 'risk', caseId: string) => request<Views>('GET', `/cases/${caseId}/views`, { headers: { authorization: `Bearer ${await token(role)}` } });

async function newCase(body: Record<string, unknown>): Promise<string> {
  const res = await postInquiry({ email: `${unique('views')}@example.com`, ...body });
  expect(res.status).toBe(201);
  await settle();
  return res.body.caseId as string;
}

describe('who looked, on the local cloud', () => {
  it('shows two views after a safety case is opened twice, to the risk team only', async () => {
    const caseId = await newCase({ category: 'safety', subject: 'Someone threatened me on stream', message: 'A viewer keeps sending threats in my chat.' });
    await openAs('agent', caseId);
    await openAs('lead', caseId);
    const listed = await views('risk', caseId);
    expect(listed.status).toBe(200);
    expect(listed.body.caseId).toBe(caseId);
    expect(listed.body.views.map((v) => [v.viewer.id, v.viewer.roles, v.route])).toEqual([
      ['local-agent', ['agent'], 'GET /cases/{caseId}'],
      ['local-lead', ['lead'], 'GET /cases/{caseId}'],
    ]);
    expect(Date.parse(listed.body.views[0]!.at)).toBeLessThanOrEqual(Date.parse(listed.body.views[1]!.at));
    // Listing the views is not a view.
    expect((await views('risk', caseId)).body.views).toHaveLength(2);
    for (const role of ['agent', 'lead'] as const) expect((await views(role, caseId)).status).toBe(403);
    expect((await views('risk', '00000000-0000-4000-8000-0000000000ff')).status).toBe(404);
  });

  it('keeps no view record for a case of another category', async () => {
    const caseId = await newCase({ category: 'gifts_coins', subject: 'Coins missing', message: 'My coins did not arrive after the top-up.' });
    await openAs('agent', caseId);
    expect((await views('risk', caseId)).body.views).toEqual([]);
    const stored = (await allItems()).map((item) => unmarshall(item)).filter((item) => item.itemType === 'view' && item.caseId === caseId);
    expect(stored).toEqual([]);
  });
});
