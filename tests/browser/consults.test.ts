// Issue 17 in a real browser: an agent consults a team from the case page and sees it there with its state
// and countdown, then the team's answer; the queue marks and filters internal cases; the internal reporter
// (role internal) sees only their own escalations and escalates one.
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

const internalCase = async (subject: string) => {
  const res = await request<{ caseId: string; reference: string }>('POST', '/internal/cases', {
    body: JSON.stringify({ email: `${unique('agency')}@example.com`, subject, message: 'Two of our creators did not get last week’s gift revenue.', category: 'gifts_coins', onBehalfOf: 'agency', creatorUserIds: ['creator-21', 'creator-22'] }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('internal')}` },
  });
  expect(res.status).toBe(201);
  return res.body;
};

describe('consults and internal escalations in the console', () => {
  it('asks a team from the case page; the consult shows its state and countdown, then the answer', async () => {
    const created = await postInquiry({ email: `${unique('consult-ui')}@example.com`, subject: 'Payout bounced back', message: 'My payout of 310 USD came back from the bank.', category: 'payout', amount: 310, currency: 'USD' });
    expect(created.status).toBe(201);
    const { caseId, reference } = created.body as { caseId: string; reference: string };
    await settle();
    const { page, context, problems } = await open(browser);
    await signIn(page, 'agent', `#/cases/${caseId}`);
    await page.getByRole('heading', { level: 1, name: new RegExp(reference) }).waitFor();

    const details = page.locator('details.action', { has: page.locator('form[data-action="consult"]') });
    await details.locator('summary', { hasText: 'Consult another team' }).click();
    const form = details.locator('form');
    // A team that config/teams.json does not know: the API's 400 names it next to the field.
    await form.getByLabel('Team', { exact: true }).fill('marketing');
    await form.getByLabel('Question (emailed to the team)').fill('Did the bank return PO-4410?');
    await form.getByRole('button', { name: 'Ask the team' }).click();
    await form.locator('.field[data-field="team"] .error', { hasText: 'marketing' }).waitFor();
    await form.getByLabel('Team', { exact: true }).fill('payments');
    await form.getByLabel(/blocking/).check();
    await form.getByRole('button', { name: 'Ask the team' }).click();
    await page.getByText('Question sent to the team').waitFor();

    const item = page.locator('.consult-item');
    await item.waitFor();
    expect(await item.getAttribute('data-state')).toBe('open');
    expect(await item.locator('time.countdown').textContent()).toMatch(/^answer (due in|overdue by) /);
    expect(await item.textContent()).toContain('blocking');
    expect(await item.textContent()).toContain('Did the bank return PO-4410?');
    await screenshot(page, 'console-consult');

    // The payments team answers through the API; the case page shows the answer and its turnaround.
    const view = await request<{ case: { consults: { id: string }[] } }>('GET', `/cases/${caseId}`, { headers: { authorization: `Bearer ${await token('agent')}` } });
    const answered = await request('POST', `/cases/${caseId}/consults/${view.body.case.consults[0]!.id}/answer`, {
      body: JSON.stringify({ answer: 'Returned: wrong IBAN. Ask the creator to update it.' }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('internal', 'pay')}` },
    });
    expect(answered.status).toBe(200);
    await settle();
    await page.reload();
    await page.locator('.consult-item[data-state="answered"]').waitFor();
    expect(await page.locator('.consult-answer').textContent()).toContain('wrong IBAN');
    expect(await page.locator('.consult-item .badge.consult-answered').textContent()).toMatch(/^answered in \d+ business min/);
    await page.locator('li[data-type="consult.answered"]', { hasText: 'back to the agent' }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('marks internal cases in the queue and filters them', async () => {
    const { reference } = await internalCase(`Agency gift revenue ${unique('q')}`);
    await settle();
    const { page, context, problems } = await open(browser);
    await signIn(page, 'agent', '#/queue?channel=internal');
    const row = page.locator('table.queue tr', { hasText: reference });
    await row.waitFor();
    expect(await row.locator('.badge.internal').textContent()).toBe('internal');
    expect(await page.locator('#filter-channel').inputValue()).toBe('internal');
    expect(await page.locator('table.queue tbody tr .badge.internal').count()).toBe(await page.locator('table.queue tbody tr').count());
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows the internal reporter only their own escalations, and lets them escalate one", async () => {
    const mine = await internalCase(`Creators missing revenue ${unique('mine')}`);
    // Someone else's escalation is not listed.
    const other = await request<{ reference: string }>('POST', '/internal/cases', {
      body: JSON.stringify({ email: `${unique('other')}@example.com`, subject: 'Another team’s escalation', message: 'Not theirs.', onBehalfOf: 'user' }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('internal', 'someone-else')}` },
    });
    expect(other.status).toBe(201);
    await settle();
    const { page, context, problems } = await open(browser);
    await signIn(page, 'internal', '#/mine');
    await page.getByRole('heading', { level: 1, name: 'My escalations' }).waitFor();
    const row = page.locator('table.queue tr', { hasText: mine.reference });
    await row.waitFor();
    expect(await page.locator('table.queue', { hasText: other.body.reference }).count()).toBe(0);
    // No agents' queue or dashboard for this role.
    expect(await page.getByRole('link', { name: 'Queue' }).count()).toBe(0);
    await screenshot(page, 'console-internal');

    await row.getByRole('link', { name: mine.reference }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(mine.reference) }).waitFor();
    expect(await page.locator('section[aria-labelledby="panel-request"]').textContent()).toContain('creator-21, creator-22');
    // Only the escalation is offered: no agent actions.
    expect(await page.locator('form[data-action]').evaluateAll((forms) => forms.map((f) => f.getAttribute('data-action')))).toEqual(['escalate']);
    const details = page.locator('details.action');
    await details.locator('summary', { hasText: 'Escalate this case' }).click();
    await details.getByLabel('Why it is urgent').fill('Both creators go live tonight');
    await details.getByRole('button', { name: 'Escalate' }).click();
    await page.getByText('Escalated: the case is at least the internal priority').waitFor();
    await page.locator('li[data-type="internal.escalated"]').waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
});
