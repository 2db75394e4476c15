// Merging in a real browser: an agent names the case that carries on by its reference, confirms the very case
// the console found, and sees the merged case point at it; the target shows "merged from" and the duplicate's
// messages on its timeline. A reference that names no case is said on the field, and nothing is merged.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAgent, mailbox, postInquiry, settle, unique } from '../integration/support.ts';
import { launchChromium } from './chromium.ts';
import { open, screenshot, signIn } from './support.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('merge', () => {
  it('an agent merges a duplicate into another case through the confirmation', async () => {
    const email = `${unique('merge-ui')}@example.com`;
    const target = await postInquiry({ email, name: 'Kai', subject: 'Payout missing', message: 'My weekly payout did not arrive.', category: 'payout' });
    const dup = await postInquiry({ email, name: 'Kai', subject: 'Payout still missing', message: 'Second message: still no payout for last week.', category: 'payout' });
    await settle();
    const targetId = target.body.caseId as string;
    const targetRef = target.body.reference as string;
    const dupId = dup.body.caseId as string;
    const dupRef = dup.body.reference as string;

    const agent = await open(browser);
    await signIn(agent.page, 'agent', `#/cases/${dupId}`);
    await agent.page.getByText('Merge into…').click();
    const form = agent.page.locator('form[data-action="merge"]');
    // A reference that names no case: said on the field, nothing asked to confirm.
    await form.getByLabel('Case to merge into (reference or id)').fill('TD-ZZZZZZ');
    await form.getByRole('button', { name: 'Find case' }).click();
    await form.getByText('Case to merge into (reference or id) names no case').waitFor();
    expect(await form.locator('.merge-confirm').isHidden()).toBe(true);

    // The real target, typed in lower case: the console shows the very case before anything is merged.
    await form.getByLabel('Case to merge into (reference or id)').fill(targetRef.toLowerCase());
    await form.getByRole('button', { name: 'Find case' }).click();
    const confirm = form.locator('.merge-confirm');
    await confirm.getByText('Payout missing').waitFor();
    expect(await confirm.textContent()).toContain(`Merge ${dupRef} into ${targetRef}`);
    expect((await asAgent<{ case: { status: string } }>(`/cases/${dupId}`)).body.case.status).not.toBe('closed');
    await screenshot(agent.page, 'console-merge');
    await confirm.getByRole('button', { name: `Merge into ${targetRef}` }).click();
    await agent.page.getByText(`Merged into ${targetRef}.`).waitFor();

    // The merged case points at the target, and offers no second merge.
    const pointer = agent.page.locator('.merged-pointer');
    expect(await pointer.textContent()).toContain(`Merged into ${targetRef}`);
    expect(await agent.page.getByText('Merge into…').count()).toBe(0);
    expect(await agent.page.locator('form[data-action="reopen"]').count()).toBe(0);
    expect(await agent.page.locator('li[data-type="case.merged"]').count()).toBe(1);

    // Following the pointer: the target lists the duplicate and carries its message on the timeline.
    await pointer.getByRole('link', { name: targetRef }).click();
    await agent.page.locator('.merged-from').getByRole('link', { name: dupRef }).waitFor();
    const mergedIn = agent.page.locator('li[data-type="case.merged-in"]');
    expect(await mergedIn.locator('.event-title').textContent()).toBe(`${dupRef} merged in: 1 message`);
    expect(await mergedIn.locator('.event-detail').textContent()).toContain('Second message: still no payout for last week.');
    expect(agent.page.url()).toContain(`#/cases/${targetId}`);

    await settle();
    expect((await mailbox()).filter((m) => m.destination.to.includes(email) && m.subject.includes('Your request continues as'))).toHaveLength(1);
    expect(agent.problems).toEqual([]);
    await agent.context.close();
  });
});
