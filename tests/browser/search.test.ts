// The console's search box in a real browser: an email lists its cases, a reference opens its case at once,
// and a term with markup is shown as text.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postInquiry, settle, unique } from '../integration/support.ts';
import { launchChromium } from './chromium.ts';
import { open, screenshot, signIn } from './support.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function find(page: Page, term: string): Promise<void> {
  await page.getByRole('searchbox', { name: 'Find a case' }).fill(term);
  await page.getByRole('button', { name: 'Find' }).click();
}

describe('the search box', () => {
  it('lists the cases of an email address, opens a case by its reference, and shows markup as text', async () => {
    const email = `${unique('search')}@example.com`;
    const first = await postInquiry({ email, userId: unique('user'), subject: 'Coins missing after top-up', message: 'I topped up 500 coins and my balance did not change.' });
    const second = await postInquiry({ email, subject: 'Charge I did not make', message: 'A charge of 9.99 USD for coins I never bought.', amount: 9.99, currency: 'USD' });
    const references = [first.body.reference as string, second.body.reference as string];
    await settle();
    const { page, context, problems } = await open(browser);
    await signIn(page, 'agent');

    await find(page, email.toUpperCase());
    await page.getByRole('heading', { level: 1, name: 'Search' }).waitFor();
    const rows = page.locator('table.search-results tbody tr');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    expect((await rows.allTextContents()).every((t) => t.includes('requester email'))).toBe(true);
    for (const reference of references) expect(await page.locator('table.search-results').textContent()).toContain(reference);
    await screenshot(page, 'console-search');

    await find(page, references[0]!.toLowerCase());
    await page.getByRole('heading', { level: 1, name: new RegExp(references[0]!) }).waitFor();
    expect(page.url()).toContain(`#/cases/${first.body.caseId as string}`);

    await find(page, '<img src=x onerror=alert(1)>');
    await page.getByText('No case has that key.').waitFor();
    expect(await page.locator('q.search-term').textContent()).toBe('<img src=x onerror=alert(1)>');
    expect(await page.locator('main img').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });
});
