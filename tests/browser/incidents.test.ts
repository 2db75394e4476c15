// Incidents in a real browser: a lead opens an incident from the queue; an agent links a case to it from the case page ("Link to
// incident…"); the lead sees the incident's linked cases and resolves them all with one form, told how
// many were resolved, and each linked case then shows its incident-wide resolution.
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

async function newCase(label: string): Promise<{ caseId: string; reference: string }> {
  const res = await postInquiry({ email: `${unique(label)}@example.com`, subject: 'My gift never arrived', message: 'I sent a gift to a creator and it never showed up.', category: 'gifts_coins' });
  expect(res.status).toBe(201);
  return res.body as { caseId: string; reference: string };
}

describe('incidents in the console', () => {
  it('links a case from its page, then resolves every linked case from the incident', async () => {
    // The lead opens the incident from the queue; the API's schema names an empty title first.
    const title = `Gift delivery outage ${unique('ui')}`;
    const opener = await open(browser);
    await signIn(opener.page, 'lead', '#/queue');
    const openForm = opener.page.locator('details.open-incident');
    await openForm.locator('summary', { hasText: 'Open an incident' }).click();
    await openForm.getByRole('button', { name: 'Open incident' }).click();
    await openForm.locator('.field[data-field="title"] .error', { hasText: 'is required' }).waitFor();
    await openForm.getByLabel('Title').fill(title);
    await openForm.getByLabel('What is going on').fill('Gifts sent since 14:00 are not credited.');
    await openForm.getByLabel('Category (optional)').selectOption('gifts_coins');
    await openForm.getByRole('button', { name: 'Open incident' }).click();
    await opener.page.getByRole('heading', { level: 1, name: new RegExp(title) }).waitFor();
    const incidentId = decodeURIComponent(new URL(opener.page.url()).hash.replace('#/cases/', ''));
    const read = await request<{ case: { caseId: string; reference: string; incident?: { openedBy: string } } }>('GET', `/cases/${incidentId}`, { headers: { authorization: `Bearer ${await token('lead')}` } });
    expect(read.body.case.incident?.openedBy).toBe('local-lead');
    const incident = read.body.case;
    expect(opener.problems).toEqual([]);
    await opener.context.close();
    const first = await newCase('incident-ui-1');
    const second = await newCase('incident-ui-2');
    await settle();
    // The second is linked through the API, the first from its page.
    const secondView = await request<{ case: { version: number } }>('GET', `/cases/${second.caseId}`, { headers: { authorization: `Bearer ${await token('agent')}` } });
    const linked = await request('POST', `/cases/${second.caseId}/actions`, {
      body: JSON.stringify({ type: 'link-incident', incidentCaseId: incident.caseId, expectedVersion: secondView.body.case.version }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('agent')}` },
    });
    expect(linked.status).toBe(200);

    const { page, context, problems } = await open(browser);
    await signIn(page, 'agent', `#/cases/${first.caseId}`);
    await page.getByRole('heading', { level: 1, name: new RegExp(first.reference) }).waitFor();
    const link = page.locator('details.action', { has: page.locator('form[data-action="link-incident"]') });
    await link.locator('summary', { hasText: 'Link to incident…' }).click();
    await link.getByLabel('Incident').selectOption(incident.caseId);
    await link.getByRole('button', { name: 'Link' }).click();
    await page.getByText('Linked to the incident.').waitFor();
    expect(await page.locator('a.incident-link').getAttribute('href')).toBe(`#/cases/${incident.caseId}`);
    await page.locator(`li[data-type="incident.linked"]`, { hasText: incident.reference }).waitFor();
    // A linked case offers no second link.
    expect(await page.locator('form[data-action="link-incident"]').count()).toBe(0);
    await context.close();

    await settle();
    const lead = await open(browser);
    await signIn(lead.page, 'lead', `#/cases/${incident.caseId}`);
    await lead.page.getByRole('heading', { level: 1, name: new RegExp(incident.reference) }).waitFor();
    expect(await lead.page.locator('.facts').first().textContent()).toContain('Incident opened by hand');
    const list = lead.page.locator('ul.linked-cases a');
    expect(await list.allTextContents()).toEqual([second.reference, first.reference]);
    const resolve = lead.page.locator('details.action', { has: lead.page.locator('form[data-action="resolve-linked"]') });
    await resolve.locator('summary', { hasText: 'Resolve all linked' }).click();
    // The API's own schema first: an empty message is named next to the field, nothing is sent.
    await resolve.getByRole('button', { name: 'Resolve all linked' }).click();
    await resolve.locator('.field[data-field="message"] .error', { hasText: 'is required' }).waitFor();
    await resolve.getByLabel(/^Message/).fill('The outage is fixed: every gift sent during it has been credited.');
    await resolve.getByRole('button', { name: 'Resolve all linked' }).click();
    await lead.page.getByText('Resolved 2 linked cases; 0 proposed for approval; 0 skipped').waitFor();
    await lead.page.locator('li[data-type="incident.resolved-linked"]').waitFor();
    expect(await lead.page.locator('.linked-last-run').textContent()).toContain('2 resolved');
    await screenshot(lead.page, 'console-incident');

    await lead.page.locator('ul.linked-cases a', { hasText: first.reference }).click();
    await lead.page.getByRole('heading', { level: 1, name: new RegExp(first.reference) }).waitFor();
    await lead.page.locator('li[data-type="case.resolved"]', { hasText: 'incident-wide' }).waitFor();
    expect(problems).toEqual([]);
    expect(lead.problems).toEqual([]);
    await lead.context.close();
  });
});
