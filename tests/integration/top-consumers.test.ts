// Top consumers as the team meets them: a requester in a top value tier (profiles) or with 90 days of spend over
// the SLA policy's threshold (ledger) gets the tighter first-response target, shows as a top consumer, and the
// queue can list them alone.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { planDeadlines } from '#domain/sla/deadlines.ts';
import { policies } from '#lib/policies.ts';
import { asAgent, clockNow, cloud, dynamo, postInquiry, request, settle, token, unique } from './support.ts';

const events = new EventBridgeClient({ region: 'us-east-1', endpoint: cloud.events, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const DAY = 86_400_000;

interface View {
  case: { caseId: string; priority: 'P1' | 'P2' | 'P3' | 'P4'; openedAt: string; topConsumer?: { tier?: string; spendUsd90d?: number }; deadlines: { firstResponseDue: string } };
  timeline: { type: string; data: Record<string, unknown> }[];
}

async function open(body: Record<string, unknown>): Promise<View> {
  const res = await postInquiry(body);
  expect(res.status).toBe(201);
  await settle();
  return (await asAgent<View>(`/cases/${String(res.body.caseId)}`)).body;
}

const firstResponseDue = (c: View['case'], topConsumer: boolean) => {
  const planned = planDeadlines({ openedAt: new Date(c.openedAt), priority: c.priority, topConsumer }, policies.sla);
  return 'paused' in planned ? undefined : planned.firstResponseDue;
};

describe('top consumers', () => {
  it('by value tier or by 90 days of ledger spend: the tighter first response, and a queue of their own', async () => {
    const tiered = unique('u-top');
    await dynamo.send(new PutItemCommand({ TableName: cloud.profilesTable, Item: marshall({ userId: tiered, tier: 'top', lifetimeSpend: 50_000 }) }));
    const byTier = await open({ email: `${tiered}@example.com`, userId: tiered, subject: 'Coins missing', message: 'My coins did not arrive.' });
    expect(byTier.case.topConsumer).toEqual({ tier: 'top' });
    expect(byTier.case.deadlines.firstResponseDue).toBe(firstResponseDue(byTier.case, true));
    expect(byTier.case.deadlines.firstResponseDue).not.toBe(firstResponseDue(byTier.case, false));

    const spender = unique('u-spend');
    const now = await clockNow();
    const purchases = [20, 40, 60].map((daysAgo, i) => ({
      EventBusName: 'trustdesk-ledger',
      Source: 'platform.payments',
      DetailType: 'Transaction Succeeded',
      Detail: JSON.stringify({ transactionId: `tx_${spender}_${i}`, userId: spender, kind: 'coin_purchase', amount: 800, currency: 'USD', status: 'succeeded', occurredAt: new Date(now - daysAgo * DAY).toISOString() }),
    }));
    expect((await events.send(new PutEventsCommand({ Entries: purchases }))).FailedEntryCount).toBe(0);
    await settle();
    const bySpend = await open({ email: `${spender}@example.com`, userId: spender, subject: 'Gift did not show', message: 'I sent a gift during a stream and it never showed.' });
    expect(bySpend.case.topConsumer).toEqual({ spendUsd90d: 2400 });
    expect(bySpend.timeline.find((e) => e.type === 'evidence.gathered')?.data).toMatchObject({ spendUsd90d: 2400, topConsumer: true });
    expect(bySpend.case.deadlines.firstResponseDue).toBe(firstResponseDue(bySpend.case, true));

    const everyone = await open({ email: `${unique('plain')}@example.com`, subject: 'Login trouble', message: 'I cannot sign in.' });
    expect(everyone.case.topConsumer).toBeUndefined();

    const queue = await asAgent<{ items: { caseId: string; topConsumer?: true }[] }>('/cases?topConsumer=true&limit=100');
    expect(queue.status).toBe(200);
    const ids = queue.body.items.map((i) => i.caseId);
    expect(ids).toEqual(expect.arrayContaining([byTier.case.caseId, bySpend.case.caseId]));
    expect(ids).not.toContain(everyone.case.caseId);
    expect(queue.body.items.every((i) => i.topConsumer === true)).toBe(true);
    const rest = await asAgent<{ items: { caseId: string }[] }>('/cases?topConsumer=false&limit=100');
    expect(rest.body.items.map((i) => i.caseId)).not.toContain(byTier.case.caseId);

    // The day's report lists both: one by its tier, one by its spend.
    const report = await request<{ topConsumerCases: { caseId: string; tier: string }[] }>('GET', '/reports/current?cadence=daily', { headers: { authorization: `Bearer ${await token('lead')}` } });
    expect(report.status).toBe(200);
    const listed = Object.fromEntries(report.body.topConsumerCases.map((c) => [c.caseId, c.tier]));
    expect(listed[byTier.case.caseId]).toBe('top');
    expect(listed[bySpend.case.caseId]).toBe('90-day spend 2400.00 USD');
    expect(listed[everyone.case.caseId]).toBeUndefined();
  });

  it('names topConsumer when it is neither true nor false', async () => {
    const res = await asAgent<{ errors: { field: string }[] }>('/cases?topConsumer=maybe');
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('topConsumer');
  });
});
