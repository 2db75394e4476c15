// The dashboard's per-agent table in a real browser: two agents with agent records (one named with markup, shown
// as text) answer and resolve cases over the API; the lead's weekly dashboard lists each by name with their
// cases handled, and their categories under them.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postInquiry, request, settle, token, unique } from '../integration/support.ts';
import { launchChromium } from './chromium.ts';
import { open, screenshot, signIn } from './support.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function act(user: string, caseId: string, action: Record<string, unknown>): Promise<void> {
  const auth = { authorization: `Bearer ${await token('agent', user)}` };
  const view = await request<{ case: { version: number } }>('GET', `/cases/${caseId}`, { headers: auth });
  const res = await request('POST', `/cases/${caseId}/actions`, {
    body: JSON.stringify({ ...action, expectedVersion: view.body.case.version }),
    headers: { 'content-type': 'application/json', ...auth },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

describe('dashboard: per agent', () => {
  it("lists each agent by their record's name with the cases they handled, per category", async () => {
    const lead = { authorization: `Bearer ${await token('lead')}` };
    const [ann, bob] = [unique('ann'), unique('bob')];
    const names = { [ann]: `Ann <b>${ann.slice(-6)}</b>`, [bob]: `Bob ${bob.slice(-6)}` };
    for (const user of [ann, bob]) {
      const put = await request('PUT', `/agents/local-agent-${user}`, {
        body: JSON.stringify({ name: names[user], role: 'agent', capacity: 0 }),
        headers: { 'content-type': 'application/json', ...lead },
      });
      expect(put.status).toBe(200);
    }
    const openCase = async (category: string) =>
      (await postInquiry({ email: `${unique('agent-dash')}@example.com`, subject: `About ${category}`, message: 'Something is wrong with my money.', category })).body.caseId as string;
    const [refund, payout, other] = [await openCase('refund'), await openCase('payout'), await openCase('refund')];
    await settle();
    for (const [user, caseId] of [
      [ann, refund],
      [ann, payout],
      [bob, other],
    ] as const) {
      await act(user, caseId, { type: 'reply', message: 'Looking into it.' });
      await act(user, caseId, { type: 'resolve', outcome: 'resolved' });
    }
    await settle();

    const { page, context, problems } = await open(browser);
    await signIn(page, 'lead', '#/dashboard?cadence=weekly');
    const panel = page.locator('section.panel', { has: page.getByRole('heading', { name: 'Per agent' }) });
    const annRow = panel.locator(`tr[data-agent="local-agent-${ann}"]:not(.agent-category)`);
    await annRow.waitFor();
    // The name is text: the markup in it is shown, never parsed.
    expect(await annRow.locator('th').textContent()).toBe(names[ann]);
    expect(await annRow.locator('b').count()).toBe(0);
    expect(await annRow.locator('td').first().textContent()).toBe('2');
    const annCategories = panel.locator(`tr.agent-category[data-agent="local-agent-${ann}"]`);
    expect((await annCategories.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-category')))).sort()).toEqual(['payout', 'refund']);
    const bobRow = panel.locator(`tr[data-agent="local-agent-${bob}"]:not(.agent-category)`);
    expect(await bobRow.locator('th').textContent()).toBe(names[bob]);
    expect(await bobRow.locator('td').first().textContent()).toBe('1');
    await panel.scrollIntoViewIfNeeded();
    await screenshot(page, 'console-agent-report', { fullPage: false });
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
