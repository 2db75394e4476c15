// The user page in a real browser: a case's requester panel links to the account's page, which shows its
// profile, its ledger summary and its cases (as requester and as a creator an agency case names), each
// linking back to its case; an agency case's creators link to theirs.
import { ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerTransaction } from '#domain/ledger/transaction.ts';
import { DynamoLedger } from '#lib/adapters/dynamodb-ledger.ts';
import { clockNow, cloud, dynamo, postInquiry, request, settle, token, unique } from '../integration/support.ts';
import { launchChromium } from './chromium.ts';
import { open, screenshot, signIn } from './support.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('the user page', () => {
  it('is linked from the requester panel and an agency case, and shows profile, ledger and cases', async () => {
    const userId = unique('page-user');
    const { TableNames = [] } = await dynamo.send(new ListTablesCommand({}));
    const profilesTable = TableNames.find((t) => t.includes('Profiles'))!;
    await dynamo.send(new PutItemCommand({ TableName: profilesTable, Item: { userId: { S: userId }, tier: { S: 'gold' }, lifetimeSpend: { N: '1250' }, name: { S: 'Ana Lima' } } }));
    const now = await clockNow();
    const tx = (id: string, rest: Partial<LedgerTransaction>) =>
      ({ transactionId: `${userId}-${id}`, userId, currency: 'USD', status: 'succeeded', occurredAt: new Date(now - 3 * 86_400_000).toISOString(), amount: 1, kind: 'coin_purchase', ...rest }) as LedgerTransaction;
    await new DynamoLedger(cloud.ledgerTable, dynamo).recordAll([tx('c1', { amount: 49.99 }), tx('p1', { kind: 'payout', amount: 120, status: 'failed', reason: 'account_closed' })]);
    const web = await postInquiry({ email: `${unique('page')}@example.com`, userId, subject: 'Coins missing after top-up', message: 'I topped up 500 coins and my balance did not change.' });
    const agency = await request<{ caseId: string; reference: string }>('POST', '/internal/cases', {
      body: JSON.stringify({ email: `${unique('agency')}@example.com`, subject: 'Gift revenue missing', message: 'Two creators did not receive gift revenue.', category: 'gifts_coins', onBehalfOf: 'agency', creatorUserIds: [unique('other'), userId] }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('internal', 'pat')}` },
    });
    expect(agency.status).toBe(201);
    await settle();

    const { page, context, problems } = await open(browser);
    await signIn(page, 'agent', `#/cases/${web.body.caseId as string}`);
    await page.getByRole('link', { name: userId }).click();
    await page.getByRole('heading', { level: 1, name: `Account ${userId}` }).waitFor();
    const rows = page.locator('table.user-cases-table tbody tr');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    const byCase = Object.fromEntries(await Promise.all((await rows.all()).map(async (r) => [await r.getAttribute('data-case-id'), (await r.textContent()) ?? ''])));
    expect(byCase[web.body.caseId as string]).toContain('requester');
    expect(byCase[agency.body.caseId]).toContain('creator');
    expect(await page.locator('.user-profile').textContent()).toContain('Ana Lima');
    const ledger = (await page.locator('.user-ledger').textContent()) ?? '';
    expect(ledger).toContain('49.99');
    expect(ledger).toContain('account_closed');
    await screenshot(page, 'console-user');

    await page.locator(`tr[data-case-id="${agency.body.caseId}"] a.case-ref`).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(agency.body.reference) }).waitFor();
    await page.getByRole('link', { name: userId }).click();
    await page.getByRole('heading', { level: 1, name: `Account ${userId}` }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
});
