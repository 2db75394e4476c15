// The Evidence panel in a real browser: a duplicate coin charge in the ledger shows as a finding with its
// explanation, the transaction the requester named stands out in the ledger table, an account on the same card
// links to its page and its case, and the requester panel links the account.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerTransaction } from '#domain/ledger/transaction.ts';
import { DynamoLedger } from '#lib/adapters/dynamodb-ledger.ts';
import { clockNow, cloud, dynamo, postInquiry, settle, unique } from '../integration/support.ts';
import { launchChromium } from './chromium.ts';
import { open, screenshot, signIn } from './support.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('the evidence panel', () => {
  it('shows the findings, the named transaction highlighted, and the linked account with its case', async () => {
    const userId = unique('ev-user');
    const other = unique('ev-other');
    const card = unique('fp');
    const now = await clockNow();
    const tx = (id: string, minutesAgo: number, rest: Partial<LedgerTransaction> = {}) =>
      ({ transactionId: `tx_${id}`, userId, kind: 'coin_purchase', amount: 24.99, currency: 'USD', status: 'succeeded', occurredAt: new Date(now - minutesAgo * 60_000).toISOString(), instrument: card, network: 'visa', ...rest }) as LedgerTransaction;
    const [first, second] = [unique('one'), unique('two')];
    await new DynamoLedger(cloud.ledgerTable, dynamo).recordAll([tx(first, 90), tx(second, 87), tx(unique('theirs'), 300, { userId: other })]);
    const theirs = await postInquiry({ email: `${other}@example.com`, userId: other, subject: 'Unknown charge', message: 'A charge I do not recognise.' });
    const mine = await postInquiry({ email: `${userId}@example.com`, userId, transactionId: `tx_${second}`, subject: 'Charged twice for coins', message: 'One pack of coins, two charges.' });
    await settle();

    const { page, context, problems } = await open(browser);
    await signIn(page, 'agent', `#/cases/${mine.body.caseId as string}`);
    const panel = page.locator('section[aria-labelledby="panel-evidence"]');
    await panel.locator('[data-finding="duplicate_charge"]').waitFor();
    expect(await panel.locator('[data-finding="duplicate_charge"]').textContent()).toContain('24.99');
    const named = panel.locator(`tr[data-transaction-id="tx_${second}"]`);
    expect(await named.getAttribute('class')).toContain('complained');
    expect(await panel.locator(`tr[data-transaction-id="tx_${first}"]`).getAttribute('class')).not.toContain('complained');
    const linked = panel.locator(`li[data-user-id="${other}"]`);
    await linked.getByRole('link', { name: other }).waitFor();
    await screenshot(page, 'console-evidence', { fullPage: true });
    await linked.locator('a.case-ref').click();
    await page.getByRole('heading', { level: 1, name: /Unknown charge/ }).waitFor();
    expect(page.url()).toContain(theirs.body.caseId as string);
    expect(problems).toEqual([]);
    await context.close();
  });
});
