// Attachments in a real browser: on the case page each attachment is a link; clicking it fetches the
// route's JSON link with the agent's token and the browser saves the file the presigned URL serves — the exact
// bytes mailed in, under its own name — while the case stays on screen; an HTML attachment is saved, never shown.
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, sendMail, settle, token, unique } from '../integration/support.ts';
import { launchChromium } from './chromium.ts';
import { open, signIn } from './support.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('attachments on the case page', () => {
  it('downloads each attachment byte-identical under its name, and never renders an HTML one', async () => {
    const email = `${unique('browser-attach')}@example.com`;
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
    const page = Buffer.from('<!doctype html><title>pwned</title><script>document.title="ran"</script>');
    await sendMail({
      from: email,
      subject: 'Payout statement',
      text: 'My payout never arrived; the statement is attached.',
      attachments: [
        { filename: 'Kontoauszug ü.pdf', content: pdf, contentType: 'application/pdf' },
        { filename: 'page.html', content: page, contentType: 'text/html' },
      ],
    });
    await settle();
    const found = await request<{ items: { caseId: string }[] }>('GET', `/cases?q=${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${await token('agent')}` } });
    const caseId = found.body.items[0]!.caseId;

    const agent = await open(browser);
    await signIn(agent.page, 'agent', `#/cases/${caseId}`);
    const links = agent.page.locator('a.attachment-link');
    await links.first().waitFor();
    expect(await links.allTextContents()).toEqual(['Kontoauszug ü.pdf', 'page.html']);
    expect(await links.first().getAttribute('href')).toBe(`/cases/${caseId}/attachments/1`);
    const caseUrl = agent.page.url();

    for (const [i, expected, name] of [
      [0, pdf, 'Kontoauszug ü.pdf'],
      [1, page, 'page.html'],
    ] as const) {
      const [download] = await Promise.all([agent.page.waitForEvent('download'), links.nth(i).click()]);
      expect(download.suggestedFilename()).toBe(name);
      expect((await readFile((await download.path())!)).equals(expected)).toBe(true);
    }
    // Still the case page: the HTML file was saved, not opened.
    expect(agent.page.url()).toBe(caseUrl);
    expect(await agent.page.title()).not.toMatch(/pwned|ran/);
    expect(agent.requests.filter((r) => r.startsWith(`GET /cases/${caseId}/attachments/`))).toEqual([`GET /cases/${caseId}/attachments/1`, `GET /cases/${caseId}/attachments/2`]);
    expect(agent.problems).toEqual([]);
    expect(agent.dialogs).toEqual([]);
    await agent.context.close();
  });
});
