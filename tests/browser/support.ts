// Pages, sign-in and screenshots for the browser tests.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { cloud } from '../integration/support.ts';

export { cloud };
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `npm run screenshots` keeps them in docs/screenshots (shown in the README); test runs in .local/. */
const screenshotDir = path.resolve(root, process.env.TRUSTDESK_SCREENSHOTS_DIR ?? '.local/screenshots');

export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: opts.fullPage ?? true, animations: 'disabled', caret: 'hide' });
}

export const url = (p: string) => `${cloud.api}${p}`;

/** The id of the element that has focus. */
export const focusedId = (page: Page): Promise<string | null> => page.locator(':focus').getAttribute('id');

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Browser dialogs (alert, confirm…) that fired: none should. */
  dialogs: string[];
  /** Every request the page made, as "METHOD path". */
  requests: string[];
  /** Uncaught page errors and CSP violations reported in the console. */
  problems: string[];
}

export async function open(browser: Browser, opts: { javaScript?: boolean; viewport?: { width: number; height: number } } = {}): Promise<Session> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1280, height: 900 },
    javaScriptEnabled: opts.javaScript ?? true,
    locale: 'en-US',
    timezoneId: 'America/Los_Angeles',
  });
  const page = await context.newPage();
  const session: Session = { context, page, dialogs: [], requests: [], problems: [] };
  page.on('dialog', (dialog) => {
    session.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('request', (request) => session.requests.push(`${request.method()} ${new URL(request.url()).pathname}`));
  page.on('pageerror', (error) => session.problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Trusted Type/i.test(message.text())) session.problems.push(`csp: ${message.text()}`);
  });
  return session;
}

/** Sign in to the console with a local dev role; lands on the queue. */
export async function signIn(page: Page, role: 'agent' | 'lead' | 'risk' | 'internal', hash = '#/queue'): Promise<void> {
  await page.goto(url(`/console${hash}`));
  await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
  await page.getByLabel(new RegExp(`^${role[0]!.toUpperCase()}${role.slice(1)}`)).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export interface InquiryFields {
  email: string;
  name?: string;
  subject: string;
  message: string;
  category?: string;
  amount?: string;
  currency?: string;
  transactionId?: string;
}

/** Fill the public form by its labels, as a person would. */
export async function fillForm(page: Page, f: InquiryFields): Promise<void> {
  await page.getByLabel('Email address').fill(f.email);
  if (f.name !== undefined) await page.getByLabel('Your name').fill(f.name);
  if (f.category !== undefined) await page.getByLabel('What is it about?').selectOption(f.category);
  await page.getByLabel('Subject').fill(f.subject);
  await page.getByLabel('What happened?').fill(f.message);
  if (f.amount !== undefined) await page.getByLabel('Amount').fill(f.amount);
  if (f.currency !== undefined) await page.getByLabel('Currency').fill(f.currency);
  if (f.transactionId !== undefined) await page.getByLabel('Transaction or order ID').fill(f.transactionId);
}
