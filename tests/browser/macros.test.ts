// Macros in a real browser: a lead creates one on the macros page (an unknown placeholder named first), an
// agent picks it on a case (fitting first), sees the preview as text and applies it on the version shown.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailbox, postInquiry, settle, unique } from '../integration/support.ts';
import { launchChromium } from './chromium.ts';
import { open, screenshot, signIn } from './support.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('macros', () => {
  it('a lead saves a macro; an agent previews it on a case and applies it', async () => {
    const name = unique('Coins back');
    const email = `${unique('picker')}@example.com`;
    const opened = await postInquiry({ email, name: 'Ana <img src=x>', subject: 'Coins missing', message: 'My coins did not arrive.', category: 'gifts_coins' });
    await settle();

    const lead = await open(browser);
    await signIn(lead.page, 'lead', '#/macros');
    await lead.page.getByRole('heading', { level: 1, name: 'Macros' }).waitFor();
    const form = lead.page.locator('form.macro-form').first();
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Body').fill('Hi {{requester.phone}}');
    await form.getByRole('button', { name: 'Create macro' }).click();
    await form.getByText('{{requester.phone}}').waitFor();
    await form.getByLabel('Body').fill('Hi {{requester.name}}, your coins on {{case.reference}} are back.');
    await form.getByLabel('Fits the categories').selectOption('gifts_coins');
    await form.getByRole('button', { name: 'Create macro' }).click();
    await lead.page.getByText(`${name} (version 1)`).waitFor();
    await screenshot(lead.page, 'console-macros');
    await lead.context.close();

    const agent = await open(browser);
    await signIn(agent.page, 'agent', `#/cases/${opened.body.caseId as string}`);
    await agent.page.getByText('Apply a macro').click();
    await agent.page.getByLabel('Macro (★ fits this case)').selectOption({ label: `★ ${name}` });
    const preview = agent.page.locator('pre.macro-preview');
    expect(await preview.textContent()).toBe(`Hi Ana <img src=x>, your coins on ${opened.body.reference as string} are back.`);
    expect(await agent.page.locator('main img').count()).toBe(0);
    await screenshot(agent.page, 'console-macro-picker');
    await agent.page.getByRole('button', { name: 'Apply macro' }).click();
    await agent.page.getByText('Macro applied.').waitFor();
    await settle();
    expect((await mailbox()).filter((m) => m.destination.to.includes(email) && m.subject.startsWith(`[${opened.body.reference as string}] Re`))).toHaveLength(1);
    expect(agent.problems).toEqual([]);
    await agent.context.close();
  });
});
