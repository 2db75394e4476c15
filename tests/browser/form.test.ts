// The public form in a real browser: the same schema as the API, accessible errors, no request when
// fields are bad, the reference on screen, and a plain form post when JavaScript is off.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allItems, unique } from '../integration/support.ts';
import { launchChromium } from './chromium.ts';
import { fillForm, focusedId, open, screenshot, url } from './support.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('the public form', () => {
  it('sends an inquiry and shows the case reference, with the CSP on the page', async () => {
    const { page, context, problems } = await open(browser);
    const response = await page.goto(url('/'));
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("require-trusted-types-for 'script'");
    await expect(page.title()).resolves.toContain('trustdesk');
    await fillForm(page, {
      email: `${unique('mia')}@example.com`,
      name: 'Mia Chen',
      category: 'unauthorized_charge',
      subject: 'Charge I did not make',
      message: 'There is a charge of 89.99 USD on my card for coins I never bought.',
      amount: '89.99',
      currency: 'usd',
      transactionId: 'txn_4242',
    });
    await screenshot(page, 'form');
    await page.getByRole('button', { name: 'Send' }).click();

    const reference = page.locator('#reference');
    await reference.waitFor();
    expect(await reference.textContent()).toMatch(/^TD-[0-9A-Z]{6}$/);
    expect(new URL(page.url()).searchParams.get('reference')).toBe(await reference.textContent());
    // Focus moves to the confirmation, for screen readers and keyboards.
    expect(await focusedId(page)).toBe('confirmation-title');
    await screenshot(page, 'confirmation');
    // A reload keeps the confirmation.
    await page.reload();
    expect(await page.locator('#reference').textContent()).toMatch(/^TD-/);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows every bad field inline and in a focused summary, and posts nothing', async () => {
    const { page, context, requests, problems } = await open(browser);
    await page.goto(url('/'));
    const marker = unique('never-sent');
    await fillForm(page, { email: 'not-an-email', subject: marker, message: '   ', amount: '12.345' });
    const before = requests.length;
    await page.getByRole('button', { name: 'Send' }).click();

    const summary = page.locator('#error-summary');
    await summary.waitFor();
    expect(await focusedId(page)).toBe('error-summary');
    const listed = await summary.locator('li').allTextContents();
    expect(listed).toEqual([
      'Email address must be a valid email address',
      'What happened? is required',
      'Amount must have at most 2 decimals',
      'Currency is required when amount is given',
    ]);
    const email = page.getByLabel('Email address');
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await email.getAttribute('aria-describedby')).toBe('email-hint email-error');
    expect(await page.locator('#email-error').textContent()).toBe('Email address must be a valid email address');
    expect(await page.getByLabel('Subject').getAttribute('aria-invalid')).toBeNull();
    await screenshot(page, 'form-errors');

    // Keyboard: the summary's first link takes focus to its field.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    expect(await focusedId(page)).toBe('email');
    // Fixing a field clears its error as you type.
    await email.fill('mia@example.com');
    await page.locator('#email-error').waitFor({ state: 'hidden' });
    expect(await email.getAttribute('aria-invalid')).toBeNull();

    // Nothing left the page, and no case exists.
    expect(requests.slice(before).filter((r) => r.startsWith('POST'))).toEqual([]);
    expect((await allItems()).filter((i) => i.subject?.S === marker)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('is usable with the keyboard alone', async () => {
    const { page, context } = await open(browser);
    await page.goto(url('/'));
    await page.keyboard.press('Tab'); // the skip link
    expect(await page.locator(':focus').textContent()).toBe('Skip to the form');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('email');
    await page.keyboard.type(`${unique('keys')}@example.com`);
    for (const [id, text] of [
      ['name', 'Kai'],
      ['userId', 'u_77'],
    ] as const) {
      await page.keyboard.press('Tab');
      expect(await focusedId(page)).toBe(id);
      await page.keyboard.type(text);
    }
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('category');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Coins missing');
    await page.keyboard.press('Tab');
    await page.keyboard.type('I bought 500 coins and they never arrived.');
    await page.getByLabel('Subject').press('Enter'); // Enter in a field submits the form
    await page.locator('#reference').waitFor();
    await context.close();
  });

  it('fits a phone screen', async () => {
    const { page, context } = await open(browser, { viewport: { width: 375, height: 740 } });
    await page.goto(url('/'));
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    const input = await page.getByLabel('Email address').boundingBox();
    expect(input?.width).toBeGreaterThan(300);
    await screenshot(page, 'form-phone');
    await context.close();
  });

  it('works without JavaScript, as a plain form post', async () => {
    const { page, context } = await open(browser, { javaScript: false });
    await page.goto(url('/'));
    await fillForm(page, { email: `${unique('nojs')}@example.com`, subject: 'Payout missing', message: 'My weekly creator payout never arrived.', category: 'payout' });
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(url('/inquiries'));
    expect(await page.locator('#reference').textContent()).toMatch(/^TD-[0-9A-Z]{6}$/);

    // Bad fields: the browser's own checks stop an empty required field; the server names the rest.
    await page.goto(url('/'));
    await fillForm(page, { email: `${unique('nojs')}@example.com`, subject: 'Refund', message: 'Please refund me.', amount: '5.555', currency: 'EUR' });
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(url('/inquiries'));
    expect(await page.locator('#error-summary-list li').allTextContents()).toEqual(['Amount must have at most 2 decimals']);
    await context.close();
  });
});
