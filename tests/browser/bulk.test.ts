// Bulk actions in a real browser: an agent ticks queue rows (one by one, or all shown from the header), the bulk bar appears with the count, a bad field is
// named before anything is sent, and Apply answers each row — applied, or changed by someone else meanwhile
// (a case noted through the API after the queue was loaded keeps its old version in the page: a 409 for it alone).
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actAs, asAgent, postInquiry, settle, unique } from '../integration/support.ts';
import { launchChromium } from './chromium.ts';
import { open, screenshot, signIn } from './support.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

interface CaseView {
  case: { caseId: string; reference: string; version: number };
  timeline: { type: string; data: Record<string, unknown> }[];
}

describe('bulk actions in the queue', () => {
  it('ticks rows, notes them at once, and shows each row its own result', async () => {
    const opened: { caseId: string; reference: string }[] = [];
    for (const n of [1, 2, 3]) {
      const res = await postInquiry({ email: `${unique('bulk-ui')}@example.com`, subject: `Payout missing ${n}`, message: 'My weekly payout did not arrive.' });
      expect(res.status).toBe(201);
      opened.push({ caseId: res.body.caseId as string, reference: res.body.reference as string });
    }
    await settle();
    const [a, b, c] = opened as [(typeof opened)[0], (typeof opened)[0], (typeof opened)[0]];

    const agent = await open(browser);
    await signIn(agent.page, 'agent', '#/queue');
    const row = (id: string) => agent.page.locator(`tr[data-case-id="${id}"]`);
    for (const o of opened) await row(o.caseId).waitFor();
    const bar = agent.page.locator('form.bulk-bar');
    expect(await bar.isVisible()).toBe(false);

    // The header's box ticks every row shown, and unticks them all again (the bar goes away).
    await agent.page.getByLabel('Select every case shown').check();
    const shown = await agent.page.locator('table.queue tbody tr').count();
    expect(await bar.locator('.bulk-count').textContent()).toBe(`${shown} selected`);
    expect(await agent.page.locator('input.row-select:checked').count()).toBe(shown);
    await agent.page.getByLabel('Select every case shown').uncheck();
    expect(await bar.isVisible()).toBe(false);

    for (const o of opened) await agent.page.getByLabel(`Select ${o.reference}`).check();
    await bar.waitFor();
    expect(await bar.locator('.bulk-count').textContent()).toBe('3 selected');

    // Someone else notes case c now: the queue still holds its earlier version.
    const seen = (await asAgent<CaseView>(`/cases/${c.caseId}`)).body;
    expect((await actAs('agent', c.caseId, { type: 'note', note: 'Checked elsewhere.', expectedVersion: seen.case.version })).status).toBe(200);

    await bar.getByLabel('Action').selectOption('note');
    await bar.getByRole('button', { name: 'Apply to selected' }).click();
    await bar.getByText('note is required').waitFor();

    await bar.getByLabel('Note').fill('Payout batch re-run on Friday.');
    await bar.getByRole('button', { name: 'Apply to selected' }).click();
    await bar.getByText('2 of 3 applied; each other row says why.').waitFor();
    await row(a.caseId).locator('[data-bulk-status="applied"]').waitFor();
    await row(b.caseId).locator('[data-bulk-status="applied"]').waitFor();
    await row(c.caseId).locator('[data-bulk-status="conflict"]').waitFor();
    expect(await row(c.caseId).locator('.bulk-result').textContent()).toBe('changed by someone else meanwhile — check it, then apply again');
    // The applied rows are unticked; the one that conflicted stays ticked for another go.
    expect(await agent.page.getByLabel(`Select ${a.reference}`).isChecked()).toBe(false);
    expect(await agent.page.getByLabel(`Select ${c.reference}`).isChecked()).toBe(true);
    expect(await bar.locator('.bulk-count').textContent()).toBe('1 selected');
    await screenshot(agent.page, 'console-bulk');

    const notes = async (id: string) => (await asAgent<CaseView>(`/cases/${id}`)).body.timeline.filter((e) => e.type === 'agent.noted').map((e) => e.data.note);
    expect(await notes(a.caseId)).toEqual(['Payout batch re-run on Friday.']);
    expect(await notes(b.caseId)).toEqual(['Payout batch re-run on Friday.']);
    expect(await notes(c.caseId)).toEqual(['Checked elsewhere.']);
    expect(agent.problems).toEqual([]);
    await agent.context.close();
  }, 90_000);
});
