// The user 360 view on the local cloud, over HTTP: a user with a web case, an email case (the email found
// through the profile) and an agency case naming them as one of two creators sees all three with their
// roles; the ledger summary (rows written through DynamoLedger) sums what was written; the internal role is
// refused; bad input is a 400 naming the field; an unknown account is a quiet 200.
import { ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import type { LedgerTransaction } from '#domain/ledger/transaction.ts';
import { DynamoLedger } from '#lib/adapters/dynamodb-ledger.ts';
import { clockNow, cloud, dynamo, postInquiry, request, sendMail, settle, token, unique } from './support.ts';

interface UserView {
  userId: string;
  profile: Record<string, unknown> | null;
  cases: { caseId: string; channel: string; role: string; openedAt: string }[];
  ledger: Record<string, unknown>;
}

const getUser = async (path: string, role: 'agent' | 'lead' | 'risk' | 'internal' = 'agent') =>
  request<UserView & { fields?: { field: string }[] }>('GET', path, { headers: { authorization: `Bearer ${await token(role)}` } });

describe('GET /users/{userId} on the local cloud', () => {
  it('lists the web, email and agency cases with their roles, and sums the ledger in the window', async () => {
    const userId = unique('u360');
    const other = unique('u360-other');
    const email = `${unique('u360')}@example.com`;
    const { TableNames = [] } = await dynamo.send(new ListTablesCommand({}));
    const profilesTable = TableNames.find((t) => t.includes('Profiles'))!;
    await dynamo.send(new PutItemCommand({ TableName: profilesTable, Item: { userId: { S: userId }, tier: { S: 'gold' }, lifetimeSpend: { N: '900' }, email: { S: email }, name: { S: 'Ana Lima' } } }));

    const web = await postInquiry({ email: `${unique('web')}@example.com`, userId, subject: 'Coins missing', message: 'My coins did not arrive after the top-up.' });
    expect(web.status).toBe(201);
    await sendMail({ from: email, subject: 'Payout missing', text: 'My payout for last week never reached my bank.' });
    const agency = await request<{ caseId: string }>('POST', '/internal/cases', {
      body: JSON.stringify({ email: `${unique('agency')}@example.com`, subject: 'Gift revenue missing', message: 'Two creators did not receive gift revenue.', category: 'gifts_coins', onBehalfOf: 'agency', creatorUserIds: [other, userId] }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('internal', 'pat')}` },
    });
    expect(agency.status).toBe(201);
    await settle();
    const byEmail = await request<{ items: { caseId: string }[] }>('GET', `/cases?q=${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${await token('agent')}` } });
    expect(byEmail.body.items).toHaveLength(1);

    const now = await clockNow();
    const at = (daysAgo: number) => new Date(now - daysAgo * 86_400_000).toISOString();
    const tx = (id: string, rest: Partial<LedgerTransaction>): LedgerTransaction =>
      ({ transactionId: `${userId}-${id}`, userId, currency: 'USD', status: 'succeeded', occurredAt: at(3), amount: 1, kind: 'coin_purchase', ...rest }) as LedgerTransaction;
    const ledger = new DynamoLedger(cloud.ledgerTable, dynamo);
    await ledger.recordAll([
      tx('c1', { amount: 19.99 }),
      tx('c2', { amount: 5.01, occurredAt: at(10) }),
      tx('c3', { amount: 7, status: 'failed' }),
      tx('c4', { amount: 50, occurredAt: at(120) }),
      tx('s1', { kind: 'subscription', amount: 9.5, currency: 'EUR' }),
      tx('r1', { kind: 'refund', amount: 5.01 }),
      tx('cb1', { kind: 'chargeback', amount: 19.99, status: 'pending', network: 'visa' }),
      tx('cb2', { kind: 'chargeback', amount: 3, status: 'reversed', network: 'visa' }),
      tx('p1', { kind: 'payout', amount: 100, status: 'failed', reason: 'account_closed', occurredAt: at(5) }),
      tx('p2', { kind: 'payout', amount: 80, status: 'failed', reason: 'invalid_iban', occurredAt: at(2) }),
      tx('p3', { kind: 'payout', amount: 40, status: 'pending' }),
    ]);
    await ledger.record({ ...tx('x1', { amount: 999 }), userId: other });

    const res = await getUser(`/users/${userId}`);
    expect(res.status).toBe(200);
    expect(res.body.profile).toMatchObject({ userId, tier: 'gold', email });
    const roles = Object.fromEntries(res.body.cases.map((c) => [c.caseId, c.role]));
    expect(roles).toEqual({ [web.body.caseId as string]: 'requester', [byEmail.body.items[0]!.caseId]: 'requester', [agency.body.caseId]: 'creator' });
    expect(res.body.cases.map((c) => c.openedAt)).toEqual(res.body.cases.map((c) => c.openedAt).sort().reverse());
    expect(Math.abs(Date.parse(res.body.ledger.since as string) - Date.parse(at(90)))).toBeLessThan(3_600_000);
    expect(res.body.ledger).toMatchObject({
      spend: { USD: 25, EUR: 9.5 },
      refunds: { count: 1, amount: { USD: 5.01 } },
      chargebacks: { open: { count: 1, amount: { USD: 19.99 } }, closed: { count: 1, amount: { USD: 3 } } },
      payouts: { byStatus: { failed: { count: 2, amount: { USD: 180 } }, pending: { count: 1, amount: { USD: 40 } } }, lastFailureReason: 'invalid_iban' },
    });
    // A wider window takes in the older purchase; the other creator sees the agency case too.
    expect((await getUser(`/users/${userId}?days=180`, 'risk')).body.ledger).toMatchObject({ spend: { USD: 75, EUR: 9.5 } });
    const theirs = await getUser(`/users/${other}`, 'lead');
    expect(theirs.body.cases.map((c) => [c.caseId, c.role])).toEqual([[agency.body.caseId, 'creator']]);
    expect(theirs.body.profile).toBeNull();
  });

  it('refuses the internal role, names a bad days or userId, and answers an unknown account quietly', async () => {
    expect((await getUser('/users/someone', 'internal')).status).toBe(403);
    for (const days of ['0', '367', 'abc']) {
      const res = await getUser(`/users/someone?days=${days}`);
      expect(res.status).toBe(400);
      expect(res.body.fields!.map((f) => f.field)).toEqual(['days']);
    }
    const bad = await getUser(`/users/${encodeURIComponent('bad id!')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.fields!.map((f) => f.field)).toEqual(['userId']);
    const unknown = await getUser(`/users/${unique('nobody')}`);
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ profile: null, cases: [], ledger: { spend: {}, refunds: { count: 0 }, payouts: { lastFailureReason: null } } });
  });

  it('forgets an agency case on its creators when the case is erased (the creator keys go with it)', async () => {
    const creator = unique('u360-creator');
    const agencyEmail = `${unique('agency')}@example.com`;
    const opened = await request<{ caseId: string }>('POST', '/internal/cases', {
      body: JSON.stringify({ email: agencyEmail, subject: 'Creator payout held', message: 'A creator payout is on hold.', category: 'payout', onBehalfOf: 'agency', creatorUserIds: [creator] }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('internal', 'pat')}` },
    });
    expect(opened.status).toBe(201);
    await settle();
    expect((await getUser(`/users/${creator}`)).body.cases.map((c) => c.caseId)).toEqual([opened.body.caseId]);
    const erased = await request('POST', '/requesters/erasure', { body: JSON.stringify({ email: agencyEmail }), headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('risk')}` } });
    expect(erased.status).toBe(200);
    await settle();
    expect((await getUser(`/users/${creator}`)).body.cases).toEqual([]);
  });
});
