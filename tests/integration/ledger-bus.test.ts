// The payment systems' way into the ledger, as they would use it on AWS: PutEvents with the SDK to the ledger
// bus; the template's rule hands each event to the ingestion function. A transaction is recorded once however
// often it is sent and moves forward with its status; a refused event is parked on the queue by field (never
// its values: not even the card number it carried) and nothing of it is written.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { cloud, dynamo, request, settle, unique } from './support.ts';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const events = new EventBridgeClient({ region: 'us-east-1', endpoint: cloud.events, credentials });
const sqs = new SQSClient({ region: 'us-east-1', endpoint: cloud.sqs, credentials });

const transaction = (transactionId: string, status: string, extra: Record<string, unknown> = {}) => ({
  EventBusName: 'trustdesk-ledger',
  Source: 'platform.payments',
  DetailType: `Transaction ${status[0]!.toUpperCase()}${status.slice(1)}`,
  Detail: JSON.stringify({ transactionId, userId: 'u-bus-1', kind: 'payout', amount: 250, currency: 'USD', status, occurredAt: '2026-12-01T09:00:00Z', expectedAt: '2026-12-03T09:00:00Z', ...extra }),
});

async function stored(transactionId: string): Promise<Record<string, unknown> | undefined> {
  const out = await dynamo.send(new GetItemCommand({ TableName: cloud.ledgerTable, Key: { transactionId: { S: transactionId } }, ConsistentRead: true }));
  return out.Item && unmarshall(out.Item);
}

describe('the ledger bus', () => {
  it('records a published transaction once, however often it is sent, and moves it forward with its status', async () => {
    const id = unique('tx-bus');
    const first = await events.send(new PutEventsCommand({ Entries: [transaction(id, 'pending'), transaction(id, 'pending')] }));
    expect(first.FailedEntryCount).toBe(0);
    await settle();
    expect(await stored(id)).toMatchObject({ transactionId: id, status: 'pending', amount: 250 });
    await events.send(new PutEventsCommand({ Entries: [transaction(id, 'failed', { reason: 'account_closed' })] }));
    await events.send(new PutEventsCommand({ Entries: [transaction(id, 'pending')] })); // late: changes nothing
    await settle();
    expect(await stored(id)).toMatchObject({ status: 'failed', reason: 'account_closed' });
  });

  it('parks a refused event by field on the queue and writes nothing of it', async () => {
    const id = unique('tx-bad');
    const out = await events.send(new PutEventsCommand({ Entries: [transaction(id, 'failed', { reason: 'card 4111 1111 1111 1111 declined' })] }));
    expect(out.FailedEntryCount).toBe(0); // the bus took it; the ledger refuses it
    await settle();
    expect(await stored(id)).toBeUndefined();
    const queues = await request<{ queues: { name: string; url: string }[] }>('GET', '/local/queues');
    const parked = queues.body.queues.find((q) => q.name.startsWith('LedgerIngestParkedLedgerEvents'));
    expect(parked).toBeDefined();
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: parked!.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
    const mine = (received.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}')).filter((m) => m.eventId === out.Entries?.[0]?.EventId);
    expect(mine).toEqual([{ kind: 'rejected-event', source: 'platform.payments', eventId: out.Entries?.[0]?.EventId, detailType: 'Transaction Failed', problems: [expect.objectContaining({ field: 'detail.reason' })], receivedAt: expect.any(String) }]);
    expect(JSON.stringify(received.Messages)).not.toContain('4111');
  });
});
