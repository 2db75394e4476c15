// The public rating page in a real browser, followed from the resolution email's link: "Rate N — confirm",
// the score still changeable, an optional comment, the thanks once recorded, and the "already rated" page on
// reuse. No sign-in, no script; the comment is shown to agents as text. Screenshot: rating.png.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actAs, asAgent, mailbox, postInquiry, settle, unique } from '../integration/support.ts';
import { launchChromium } from './chromium.ts';
import { open, screenshot, url } from './support.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function resolvedCaseLink(score: number): Promise<{ caseId: string; path: string }> {
  const email = `${unique('rating')}@example.com`;
  const opened = await postInquiry({ email, name: 'Noor Haddad', subject: 'Payout arrived late', message: 'My weekly payout came three days late.' });
  const caseId = String(opened.body.caseId);
  await settle();
  const view = await asAgent<{ case: { version: number } }>(`/cases/${caseId}`);
  await actAs('agent', caseId, { type: 'resolve', outcome: 'resolved', summary: 'The payout bank holiday delay is fixed.', expectedVersion: view.body.case.version });
  await settle();
  const mail = (await mailbox()).find((m) => m.destination.to.includes(email) && m.subject.includes('Resolved:'));
  const match = new RegExp(`/ratings\\?token=([^\\s&]+)&score=${score}`).exec(mail?.body.text ?? '');
  if (!match) throw new Error('no rating link in the resolution email');
  return { caseId, path: match[0] };
}

describe('the rating page', () => {
  it('confirms a one-click rating with a comment, then answers a reused link with "already rated"', async () => {
    const { caseId, path } = await resolvedCaseLink(4);
    const { page, context, problems } = await open(browser, { javaScript: false });
    await page.goto(url(path));
    await expect(page.locator('h1').textContent()).resolves.toBe('Rate 4 out of 5 — please confirm');
    await expect(page.locator('input[name="score"][value="4"]').isChecked()).resolves.toBe(true);
    await page.getByLabel('Comment (optional, at most 1000 characters)').fill('Fast and clear <b>thanks</b>');
    await screenshot(page, 'rating');

    // The score can still be changed before confirming.
    await page.getByLabel('5 · Very satisfied').check();
    await page.getByRole('button', { name: 'Confirm my rating' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Thank you for your rating');
    await expect(page.locator('#outcome').textContent()).resolves.toContain('5 out of 5');

    // The same link again: a clear page, and the rating as it was.
    await page.goto(url(path));
    await expect(page.locator('h1').textContent()).resolves.toBe('Already rated');
    const rated = await asAgent<{ case: { satisfaction?: { rating: number; comment?: string } } }>(`/cases/${caseId}`);
    expect(rated.body.case.satisfaction).toMatchObject({ rating: 5, comment: 'Fast and clear <b>thanks</b>' });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a forged link a clear page', async () => {
    const { page, context } = await open(browser, { javaScript: false });
    const response = await page.goto(url('/ratings?token=forged.token.here&score=3'));
    expect(response?.status()).toBe(400);
    await expect(page.locator('h1').textContent()).resolves.toBe('This rating link is not valid');
    await context.close();
  });
});
