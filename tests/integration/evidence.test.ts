// Evidence as an agent meets it: the payment systems publish to the ledger bus (PutEvents, as on AWS), a requester
// writes by the form or by mail, and a few seconds later the case carries the findings, has risen in priority, is
// planned around a chargeback's respond-by, and the risk team has heard once of a possible ring.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { actAs, advanceClockTo, asAgent, clockNow, cloud, dynamo, mailbox, postInquiry, request, sendMail, settle, token, unique } from './support.ts';

const events = new EventBridgeClient({ region: 'us-east-1', endpoint: cloud.events, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Tx {
  transactionId: string;
  userId: string;
  kind: string;
  amount: number;
  currency?: string;
  status: string;
  occurredAt: number;
  [field: string]: unknown;
}

async function publish(...transactions: Tx[]): Promise<void> {
  const entries = transactions.map(({ occurredAt, ...t }) => ({
    EventBusName: 'trustdesk-ledger',
    Source: 'platform.payments',
    DetailType: `Transaction ${t.status[0]!.toUpperCase()}${t.status.slice(1)}`,
    Detail: JSON.stringify({ currency: 'USD', ...t, occurredAt: new Date(occurredAt).toISOString() }),
  }));
  const out = await events.send(new PutEventsCommand({ Entries: entries }));
  expect(out.FailedEntryCount).toBe(0);
  await settle();
}

interface Finding {
  code: string;
  points: number;
  explanation: string;
  transactionIds: string[];
  respondBy?: string;
}
interface CaseView {
  case: { caseId: string; reference: string; priority: string; version: number; riskScore: number; deadlines: { resolutionDue: string }; evidence?: { userId?: string; findings: Finding[]; resolveBy?: string; ring?: { key: string; accounts: number } }; topConsumer?: { tier?: string; spendUsd90d?: number } };
  timeline: { type: string; data: Record<string, unknown> }[];
}
interface EvidenceView {
  userId: string | null;
  transactions: { transactionId: string; complained: boolean }[];
  findings: Finding[];
  resolveBy: string | null;
  linkedAccounts: { userId: string; cases: { caseId: string }[] }[];
}

async function opened(body: Record<string, unknown>): Promise<string> {
  const res = await postInquiry(body);
  expect(res.status).toBe(201);
  await settle();
  return String(res.body.caseId);
}

const view = async (caseId: string) => (await asAgent<CaseView>(`/cases/${caseId}`)).body;
const codes = (findings: Finding[]) => findings.map((f) => f.code);

describe('evidence from the ledger', () => {
  it('flags a duplicate coin charge on a web-form case, raises its priority, and lists the transactions', async () => {
    const now = await clockNow();
    const user = unique('u-dup');
    const card = unique('fp-dup');
    const [first, second, other] = [unique('tx_dupa'), unique('tx_dupb'), unique('tx_dupc')];
    await publish(
      { transactionId: first, userId: user, kind: 'coin_purchase', amount: 49.99, status: 'succeeded', occurredAt: now - 3 * HOUR, instrument: card, network: 'visa' },
      { transactionId: second, userId: user, kind: 'coin_purchase', amount: 49.99, status: 'succeeded', occurredAt: now - 3 * HOUR + 4 * 60_000, instrument: card, network: 'visa' },
      // The same amount on another card is not the duplicate.
      { transactionId: other, userId: user, kind: 'coin_purchase', amount: 49.99, status: 'succeeded', occurredAt: now - 3 * HOUR + 2 * 60_000, instrument: unique('fp-other'), network: 'visa' },
    );
    const caseId = await opened({ email: `${user}@example.com`, userId: user, category: 'gifts_coins', subject: 'Charged twice for coins', message: 'I bought one pack of coins and the charge shows twice.' });

    const { case: c, timeline } = await view(caseId);
    const gathered = timeline.filter((e) => e.type === 'evidence.gathered');
    expect(gathered).toHaveLength(1);
    const duplicate = c.evidence?.findings.find((f) => f.code === 'duplicate_charge');
    expect(duplicate?.transactionIds.sort()).toEqual([first, second].sort());
    expect(duplicate?.transactionIds).not.toContain(other);
    expect(duplicate?.explanation).toMatch(/49\.99/);
    expect(['P1', 'P2']).toContain(c.priority);
    expect(gathered[0]!.data.priority).toMatchObject({ to: c.priority });

    const evidence = await asAgent<EvidenceView>(`/cases/${caseId}/evidence`);
    expect(evidence.status).toBe(200);
    expect(evidence.body.userId).toBe(user);
    expect(evidence.body.transactions.map((t) => t.transactionId).sort()).toEqual([first, second, other].sort());
    expect(codes(evidence.body.findings)).toContain('duplicate_charge');
  });

  it('finds the transaction id and the amount an email names, for the account the profiles hold for the address', async () => {
    const now = await clockNow();
    const user = unique('u-mail');
    const from = `${user}@example.com`;
    await dynamo.send(new PutItemCommand({ TableName: cloud.profilesTable, Item: marshall({ userId: user, tier: 'gold', lifetimeSpend: 900, email: from.toLowerCase() }) }));
    const tx = unique('tx_mail');
    await publish({ transactionId: tx, userId: user, kind: 'coin_purchase', amount: 89.99, status: 'succeeded', occurredAt: now - 5 * HOUR, instrument: unique('fp-mail') });
    await sendMail({ from, subject: 'Coins never arrived', text: `I paid $120 for coins yesterday (order ${tx}) and my balance did not change.` });
    await settle();

    const found = await asAgent<{ items: { caseId: string }[] }>(`/cases?q=${encodeURIComponent(from)}`);
    const caseId = found.body.items[0]!.caseId;
    const { case: c, timeline } = await view(caseId);
    expect(c.evidence?.userId).toBe(user);
    const gathered = timeline.find((e) => e.type === 'evidence.gathered')!;
    expect(gathered.data.transactionIds).toEqual([tx]);
    expect(gathered.data.amounts).toEqual([{ amount: 120, currency: 'USD' }]);
    // $120 written, $89.99 found.
    expect(codes(c.evidence!.findings)).toContain('amount_mismatch');
    const evidence = (await asAgent<EvidenceView>(`/cases/${caseId}/evidence`)).body;
    expect(evidence.transactions).toContainEqual(expect.objectContaining({ transactionId: tx, complained: true }));
  });

  it('says a refund was already issued for the transaction the form names', async () => {
    const now = await clockNow();
    const user = unique('u-ref');
    const [purchase, refund] = [unique('tx_buy'), unique('tx_rfd')];
    await publish(
      { transactionId: purchase, userId: user, kind: 'coin_purchase', amount: 20, status: 'succeeded', occurredAt: now - 2 * DAY },
      { transactionId: refund, userId: user, kind: 'refund', amount: 20, status: 'succeeded', occurredAt: now - DAY, relatedTransactionId: purchase },
    );
    const caseId = await opened({ email: `${user}@example.com`, userId: user, transactionId: purchase, category: 'refund', subject: 'Refund please', message: 'I want my money back for this purchase.' });
    const { case: c } = await view(caseId);
    const refunded = c.evidence?.findings.find((f) => f.code === 'refund_issued');
    expect(refunded?.transactionIds).toEqual(expect.arrayContaining([purchase, refund]));
  });

  it('plans the resolution around an open chargeback: never after its respond-by less the buffer, even once a pause pushed the SLA out', async () => {
    const now = await clockNow();
    const user = unique('u-cb');
    const [purchase, chargeback] = [unique('tx_cbo'), unique('tx_cbk')];
    const chargedBackAt = now - 13 * DAY;
    await publish(
      { transactionId: purchase, userId: user, kind: 'coin_purchase', amount: 300, status: 'succeeded', occurredAt: now - 16 * DAY, network: 'amex', instrument: unique('fp-cb') },
      { transactionId: chargeback, userId: user, kind: 'chargeback', amount: 300, status: 'pending', occurredAt: chargedBackAt, network: 'amex', relatedTransactionId: purchase },
    );
    const email = `${user}@example.com`;
    const caseId = await opened({ email, userId: user, category: 'unauthorized_charge', subject: 'I did not make this charge', message: 'There is a charge of 300 USD I never made.' });
    const first = await view(caseId);
    const open = first.case.evidence?.findings.find((f) => f.code === 'chargeback_open');
    expect(open?.respondBy).toBe(new Date(chargedBackAt + 20 * DAY).toISOString()); // Amex: 20 days
    const resolveBy = first.case.evidence!.resolveBy!;
    expect(Date.parse(resolveBy)).toBeLessThan(Date.parse(open!.respondBy!));
    expect(Date.parse(first.case.deadlines.resolutionDue)).toBeLessThanOrEqual(Date.parse(resolveBy));

    // Four days waiting on the requester push the SLA's resolution out; the chargeback's date does not move.
    const asked = await actAs('agent', caseId, { type: 'request-info', message: 'Which card was it?', expectedVersion: first.case.version });
    expect(asked.status).toBe(200);
    await settle();
    await advanceClockTo(now + 4 * DAY);
    await sendMail({ from: email, subject: `Re: [${first.case.reference}] We need more information`, text: 'The amex one.' });
    await settle();
    const after = await view(caseId);
    expect(after.case.deadlines.resolutionDue).toBe(resolveBy);
    expect(after.timeline.filter((e) => e.type === 'evidence.gathered')).toHaveLength(2);
  }, 60_000);

  it('tells the risk team once about accounts sharing a card that all complain, however many join the ring', async () => {
    const now = await clockNow();
    const ring = unique('ring');
    const card = unique('fp-ring');
    const members = [1, 2, 3, 4, 5].map((n) => `${ring}-u${n}`);
    const caseIds: string[] = [];
    for (const [i, member] of members.entries()) {
      await publish({ transactionId: `tx_${ring}_${i}`, userId: member, kind: 'coin_purchase', amount: 100, status: 'succeeded', occurredAt: now - (10 - i) * HOUR, instrument: card, network: 'mastercard' });
      caseIds.push(await opened({ email: `${member}@example.com`, userId: member, category: 'unauthorized_charge', subject: 'Charge I did not make', message: 'Someone used my card for coins.' }));
    }
    const alerts = (await mailbox()).filter((m) => m.subject.startsWith('[POSSIBLE RING]') && (m.body.text ?? '').includes(ring));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.destination.to).toEqual(['risk-oncall@trustdesk.local']);
    // The third account made the ring (itself and two linked accounts with complaints); the fourth and fifth joined it without a new email.
    const [second, third, fifth] = await Promise.all([view(caseIds[1]!), view(caseIds[2]!), view(caseIds[4]!)]);
    expect(codes(second.case.evidence?.findings ?? [])).not.toContain('possible_ring');
    expect(codes(third.case.evidence!.findings)).toContain('possible_ring');
    expect(codes(fifth.case.evidence!.findings)).toContain('possible_ring');
    expect(third.case.priority).toBe('P1');
    expect(fifth.case.evidence!.ring).toEqual({ key: third.case.evidence!.ring!.key, accounts: 5 });
    const linked = (await asAgent<EvidenceView>(`/cases/${caseIds[4]}/evidence`)).body.linkedAccounts;
    expect(linked.map((l) => l.userId).sort()).toEqual(members.slice(0, 4).sort());
    expect(linked.every((l) => l.cases.length === 1)).toBe(true);
  }, 60_000);

  it('answers 404 for an unknown case and 403 to another team', async () => {
    expect((await asAgent('/cases/01JZZZZZZZZZZZZZZZZZZZZZZZ/evidence')).status).toBe(404);
    const internal = await request('GET', '/cases/01JZZZZZZZZZZZZZZZZZZZZZZZ/evidence', { headers: { authorization: `Bearer ${await token('internal')}` } });
    expect(internal.status).toBe(403);
  });
});
