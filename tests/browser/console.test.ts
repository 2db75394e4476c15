// The agent console in a real browser: a case from the form to resolved, user text shown as text, the
// 409 conflict, and the lead's dashboard.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actAs, asAgent, postInquiry, request, settle, token, unique } from '../integration/support.ts';
import { launchChromium } from './chromium.ts';
import { fillForm, open, screenshot, signIn, url } from './support.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
  // A queue worth looking at: a few cases of different kinds besides the ones the tests make.
  const seeds = [
    { subject: 'Payout for October never arrived', message: 'My creator payout of 1,240 USD has not reached my bank.', category: 'payout', amount: 1240, currency: 'USD' },
    { subject: 'Someone logged into my account', message: 'I got a login alert from another country and my password was changed.', category: 'account_access' },
    { subject: 'Gifts I sent are missing', message: 'I sent 3 gifts during a live stream and the coins were taken but the gifts never showed.', category: 'gifts_coins', amount: 19.99, currency: 'USD' },
    { subject: 'Refund for a double charge', message: 'I was charged twice for the same coin pack.', category: 'refund', amount: 4.99, currency: 'EUR' },
  ];
  for (const s of seeds) expect((await postInquiry({ email: `${unique('seed')}@example.com`, ...s })).status).toBe(201);
  await settle();
});
afterAll(async () => {
  await browser?.close();
});

interface CaseView {
  case: { status: string; version: number };
  timeline: { type: string; data: Record<string, unknown> }[];
}

async function openCase(page: Page, reference: string): Promise<void> {
  const row = page.locator('table.queue tr', { hasText: reference });
  await row.waitFor();
  await row.getByRole('link', { name: reference }).click();
  await page.getByRole('heading', { level: 1, name: new RegExp(reference) }).waitFor();
}

async function act(page: Page, action: string, summary: string, fill: (form: ReturnType<Page['locator']>) => Promise<void>, button: string): Promise<void> {
  const details = page.locator('details.action', { has: page.locator(`form[data-action="${action}"]`) });
  if ((await details.getAttribute('open')) === null) await details.locator('summary', { hasText: summary }).click();
  const form = details.locator('form');
  await fill(form);
  await form.getByRole('button', { name: button }).click();
}

describe('the agent console', () => {
  it('takes a case from the form to resolved: reference, queue, reply, resolve, timeline', async () => {
    const { page, context, problems } = await open(browser);
    await page.goto(url('/'));
    const email = `${unique('journey')}@example.com`;
    // The same person complained last week (well, a minute ago): the case page lists it.
    const earlier = await postInquiry({ email, subject: 'Coins missing after top-up', message: 'I topped up 500 coins and my balance did not change.' });
    const earlierReference = (earlier.body as { reference: string }).reference;
    await fillForm(page, { email, name: 'Mia Chen', subject: 'Charge I did not make', message: 'A charge of 89.99 USD for coins I never bought. I did not authorize this.', amount: '89.99', currency: 'USD' });
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#reference').waitFor();
    const reference = (await page.locator('#reference').textContent())!;
    await settle();

    await signIn(page, 'agent');
    const row = page.locator('table.queue tr', { hasText: reference });
    await row.waitFor();
    expect(await row.locator('time.countdown').first().textContent()).toMatch(/^first response (due in|overdue by) /);
    // Most urgent first: the countdowns of open cases never go down the list.
    const dues = (await Promise.all((await page.locator('table.queue tbody tr time.countdown').all()).map((t) => t.getAttribute('data-due')))).map(Number);
    expect(dues).toEqual([...dues].sort((a, b) => a - b));
    await screenshot(page, 'console-queue');

    await openCase(page, reference);
    expect(await page.locator('section[aria-labelledby="panel-risk"] .factors li').count()).toBeGreaterThan(0);
    await page.locator('.earlier-list li', { hasText: earlierReference }).waitFor();
    expect(await page.locator('.earlier-list li').first().textContent()).toContain('Coins missing after top-up');
    await act(page, 'reply', 'Reply to the requester', (f) => f.getByLabel('Message (emailed to the requester)').fill('We are looking into the charge and will refund it if it was not you.'), 'Send reply');
    await page.getByText('Reply sent.').waitFor();
    await act(
      page,
      'resolve',
      'Resolve',
      async (f) => {
        await f.getByLabel('Outcome').selectOption('resolved');
        await f.getByLabel('Summary (optional)').fill('Refunded 89.99 USD; card blocked for coin purchases.');
      },
      'Resolve',
    );
    await page.getByText('Case resolved.').waitFor();

    const timeline = page.locator('ol.timeline > li');
    const titles = await timeline.locator('.event-title').allTextContents();
    expect(titles[0]).toMatch(/^Case opened by web form/);
    expect(titles).toContain('Replied to the requester (first response)');
    expect(titles).toContain('Resolved: Resolved');
    expect(await page.locator('li[data-type="agent.replied"] .event-detail').textContent()).toBe('We are looking into the charge and will refund it if it was not you.');
    expect(await page.locator('li[data-type="case.resolved"] .event-detail').textContent()).toBe('Refunded 89.99 USD; card blocked for coin purchases.');
    await expect(page.locator('.case-meta .status-resolved').textContent()).resolves.toBe('Resolved');
    await screenshot(page, 'console-case');

    // The API agrees.
    const caseId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
    const view = await asAgent<CaseView>(`/cases/${caseId}`);
    expect(view.body.case.status).toBe('resolved');
    expect(view.body.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['case.opened', 'agent.replied', 'case.resolved']));
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a <script> in a subject as text, and no dialog fires', async () => {
    const { page, context, dialogs, problems } = await open(browser);
    const subject = `<script>alert("subject")</script><img src=x onerror="alert('img')"> ${unique('xss')}`;
    const message = '<b>bold?</b> <iframe src="javascript:alert(1)"></iframe>\n<svg onload=alert(2)>';
    await page.goto(url('/'));
    await fillForm(page, { email: `${unique('xss')}@example.com`, subject, message });
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#reference').waitFor();
    const reference = (await page.locator('#reference').textContent())!;

    await signIn(page, 'agent');
    const row = page.locator('table.queue tr', { hasText: reference });
    await row.waitFor();
    expect(await row.locator('.case-subject').textContent()).toBe(subject);
    await openCase(page, reference);
    expect(await page.locator('h1 .case-subject').textContent()).toBe(subject);
    expect(await page.locator('p.message').textContent()).toBe(message);
    // Nothing the requester wrote became an element.
    expect(await page.locator('main script, main img, main iframe, main svg, main b').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('answers a stale version with "someone else changed this case — reload"', async () => {
    const created = await postInquiry({ email: `${unique('stale')}@example.com`, subject: 'Coins vanished', message: 'My coin balance dropped by 2,000 overnight.' });
    const { reference, caseId } = created.body as { reference: string; caseId: string };
    await settle();
    const { page, context } = await open(browser);
    await signIn(page, 'agent', `#/cases/${caseId}`);
    await page.getByRole('heading', { level: 1, name: new RegExp(reference) }).waitFor();
    const shown = Number((await page.locator('.case-meta .muted').textContent())?.match(/version (\d+)/)?.[1]);

    // Meanwhile another agent adds a note.
    expect((await actAs('lead', caseId, { type: 'note', note: 'Checking the wallet ledger.', expectedVersion: shown })).status).toBe(200);

    await act(page, 'note', 'Internal note', (f) => f.getByLabel('Note (agents only)').fill('Looks like a ledger sync issue.'), 'Add note');
    const alert = page.getByRole('alert').filter({ hasText: 'Someone else changed this case — reload' });
    await alert.waitFor();
    await alert.getByRole('button', { name: 'Reload' }).click();
    await page.locator('li[data-type="agent.noted"]', { hasText: 'Checking the wallet ledger.' }).waitFor();
    expect(await page.locator('.case-meta .muted').textContent()).toContain(`version ${shown + 1}`);
    await context.close();
  });

  it("shows a lead today's numbers as bar charts", async () => {
    const { page, context, problems } = await open(browser);
    await signIn(page, 'lead', '#/dashboard');
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    const opened = page.locator('.metric', { hasText: 'Cases opened' }).locator('.metric-value');
    await opened.waitFor();
    expect(Number(await opened.textContent())).toBeGreaterThanOrEqual(4);
    const chart = page.locator('section.chart', { has: page.getByRole('heading', { name: 'Opened by category' }) });
    const bars = chart.locator('.bar-row');
    expect(await bars.count()).toBeGreaterThanOrEqual(4);
    const styles = await Promise.all((await bars.locator('.bar-fill').all()).map((bar) => bar.getAttribute('style')));
    expect(styles).toContain('width: 100%;');
    await screenshot(page, 'console-dashboard');
    // Agents do not see it.
    expect(problems).toEqual([]);
    await context.close();
    const agent = await open(browser);
    await signIn(agent.page, 'agent', '#/dashboard');
    await agent.page.getByText('The dashboard is for leads and the risk team.').waitFor();
    expect(await agent.page.getByRole('link', { name: 'Dashboard' }).count()).toBe(0);
    await agent.context.close();
  });

  it('shows pending approvals as their own queue, and a second lead approves from the case page', async () => {
    const opened = await postInquiry({ email: `${unique('approval')}@example.com`, subject: 'Card used by someone else', message: 'Coins were bought with my card, not by me.' });
    const { caseId, reference } = opened.body as { caseId: string; reference: string };
    await settle();
    // Another lead proposes the resolution over the API; the lead in the browser is a second person.
    const proposal = await request('POST', `/cases/${caseId}/actions`, {
      body: JSON.stringify({ type: 'resolve', outcome: 'confirmed_risk', summary: 'Stolen card; purchases reversed.', expectedVersion: 1 }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('lead', 'ana')}` },
    });
    expect(proposal.status).toBe(200);
    await settle();

    const { page, context, problems } = await open(browser);
    await signIn(page, 'lead');
    await page.getByRole('link', { name: 'Pending approvals' }).click();
    await page.getByRole('heading', { level: 1, name: 'Pending approvals' }).waitFor();
    expect(await page.getByRole('link', { name: 'Pending approvals' }).getAttribute('aria-current')).toBe('page');
    const row = page.locator('table.queue tbody tr', { hasText: reference });
    await row.waitFor();
    expect(await row.textContent()).toContain('Pending approval');
    // Only pending approvals are listed there.
    for (const status of await page.locator('table.queue tbody tr .badge[class*="status-"]').allTextContents()) expect(status).toBe('Pending approval');

    await openCase(page, reference);
    expect(await page.locator('li[data-type="approval.requested"] .event-title').textContent()).toContain('waits for approval');
    await act(page, 'approve', 'Approve (four-eyes)', async () => {}, 'Approve');
    await page.getByText('Approved.').waitFor();
    expect(await page.locator('li[data-type="case.resolved"] .event-title').textContent()).toBe('Resolved: Confirmed risk · proposed by local-lead-ana, approved by local-lead');
    const view = await asAgent<CaseView>(`/cases/${caseId}`);
    expect(view.body.case.status).toBe('resolved');
    expect(problems).toEqual([]);
    await context.close();
  });
});
