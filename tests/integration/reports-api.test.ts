// GET /reports/current: the dashboard's numbers, for leads and the risk team.
import { describe, expect, it } from 'vitest';
import { postInquiry, request, settle, token, unique } from './support.ts';

interface CurrentReport {
  cadence: string;
  period: string;
  headline: { opened: { current: number | null } };
  byCategory: { id: string; opened: { current: number | null } }[];
  backlog: { total: number };
}

const get = async (path: string, role: 'agent' | 'lead' | 'risk') => request<CurrentReport>('GET', path, { headers: { authorization: `Bearer ${await token(role)}` } });

describe('GET /reports/current', () => {
  it("counts today's cases for a lead, by category, from the aggregates", async () => {
    // What earlier files of the shared cloud left in flight is counted before the baseline is read.
    await settle();
    const before = await get('/reports/current?cadence=daily', 'lead');
    expect(before.status).toBe(200);
    const payoutsBefore = before.body.byCategory.find((c) => c.id === 'payout')?.opened.current ?? 0;
    expect((await postInquiry({ email: `${unique('dash')}@example.com`, subject: 'Payout missing', message: 'My creator payout did not arrive.', category: 'payout' })).status).toBe(201);
    await settle();

    const after = await get('/reports/current', 'lead');
    expect(after.status).toBe(200);
    expect(after.body.cadence).toBe('daily');
    expect(after.body.period).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(after.body.headline.opened.current).toBe((before.body.headline.opened.current ?? 0) + 1);
    expect(after.body.byCategory.find((c) => c.id === 'payout')?.opened.current).toBe(payoutsBefore + 1);
    expect(after.body.backlog.total).toBeGreaterThan(0);

    const weekly = await get('/reports/current?cadence=weekly', 'risk');
    expect(weekly.status).toBe(200);
    expect(weekly.body.period).toMatch(/^\d{4}-W\d{2}$/);
    expect(weekly.body.headline.opened.current).toBeGreaterThanOrEqual(after.body.headline.opened.current ?? 0);
  });

  it('is for leads and the risk team only, and names bad parameters', async () => {
    expect((await request('GET', '/reports/current')).status).toBe(401);
    expect((await get('/reports/current', 'agent')).status).toBe(403);
    const bad = await get('/reports/current?cadence=hourly&x=1', 'lead');
    expect(bad.status).toBe(400);
    expect((bad.body as unknown as { fields: { field: string }[] }).fields.map((f) => f.field).sort()).toEqual(['cadence', 'x']);
  });
});
