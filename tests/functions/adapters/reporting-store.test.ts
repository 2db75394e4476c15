import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  type AttributeValue,
  type Update,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { subscriptionIdOf as subscriptionId } from '#domain/reporting/subscription.ts';
import { DynamoReportingStore } from '#lib/adapters/reporting-store.ts';
import type { Incident } from '#domain/reporting/report.ts';
import type { CountChange } from '#lib/ports.ts';

const TABLE = 'reporting';
const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const ddb = mockClient(client);
let store: DynamoReportingStore;

beforeEach(() => {
  ddb.reset();
  store = new DynamoReportingStore(TABLE, client);
});

type Item = Record<string, AttributeValue>;
const item = (value: object): Item => marshall(value, { removeUndefinedValues: true });

/** The clauses of an update expression resolved through its names and values: { SET: {attr: value}, ADD: {attr: n} }. */
function clauses(u: Update): Record<string, Record<string, unknown>> {
  const names = u.ExpressionAttributeNames ?? {};
  const values = unmarshall(u.ExpressionAttributeValues ?? {});
  const name = (n: string) => names[n] ?? n;
  const out: Record<string, Record<string, unknown>> = {};
  for (const m of u.UpdateExpression!.matchAll(/(SET|ADD)\s+(.+?)(?=\s+(?:SET|ADD)\s|$)/g)) {
    const parts: Record<string, unknown> = {};
    for (const action of m[2]!.split(',').map((s) => s.trim())) {
      const [attr, value] = m[1] === 'SET' ? action.split(/\s*=\s*/) : action.split(/\s+/);
      parts[name(attr!)] = values[value!];
    }
    out[m[1]!] = parts;
  }
  return out;
}

const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const canceled = () =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] });

describe('DynamoReportingStore.applyCounts', () => {
  const dayUpdate: CountChange = {
    kind: 'aggregate',
    key: { granularity: 'day', period: '2026-11-24', category: 'refund', priority: 'P2', channel: 'web' },
    shard: 0,
    counters: { opened: 2, resolved: 1 },
  };
  const listing = { caseId: 'case-1', reference: 'TD-000001', tier: 'top', category: 'gifts_coins', priority: 'P2', openedAt: '2026-11-24T18:00:00.000Z' };
  const topCase: CountChange = { kind: 'top-consumer-case', listing: { day: '2026-11-24', ...listing } };

  it('writes counters and watermarks in ONE transaction: ADD on n_ counters, SET of dimensions, conditional watermark moves', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});

    await store.applyCounts([dayUpdate, topCase], [
      { caseId: 'case-1', from: 0, to: 3 },
      { caseId: 'case-2', from: 4, to: 6 },
    ]);

    expect(ddb.calls()).toHaveLength(1);
    const items = ddb.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems!;
    expect(items).toHaveLength(4);
    for (const i of items) {
      expect(i.Update?.TableName).toBe(TABLE);
      expect(i.Put ?? i.Delete ?? i.ConditionCheck).toBeUndefined();
    }
    const [counters, top, first, moved] = items.map((i) => i.Update!);

    expect(unmarshall(counters!.Key!)).toEqual({ pk: 'AGG#day#2026-11-24', sk: 'refund#P2#web#0' });
    expect(clauses(counters!)).toEqual({
      SET: { granularity: 'day', period: '2026-11-24', category: 'refund', priority: 'P2', channel: 'web' },
      ADD: { n_opened: 2, n_resolved: 1 },
    });
    expect(counters!.ConditionExpression).toBeUndefined();
    // No counters: only the dimensions are set (an empty ADD would be invalid).
    expect(unmarshall(top!.Key!)).toEqual({ pk: 'TOPCASE#2026-11-24', sk: 'case-1' });
    expect(clauses(top!)).toEqual({ SET: listing });
    expect(top!.UpdateExpression).not.toContain('ADD');

    expect(unmarshall(first!.Key!)).toEqual({ pk: 'WM#case-1', sk: 'WM' });
    expect(first!.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(clauses(first!).SET).toMatchObject({ lastVersion: 3 });
    expect(unmarshall(first!.ExpressionAttributeValues!)).not.toHaveProperty(':from');

    expect(unmarshall(moved!.Key!)).toEqual({ pk: 'WM#case-2', sk: 'WM' });
    expect(moved!.ConditionExpression).toBe('lastVersion = :from');
    expect(unmarshall(moved!.ExpressionAttributeValues!)).toMatchObject({ ':from': 4, ':to': 6 });
    // Watermarks expire long after any redelivery could happen.
    const expiresAt = Number(clauses(moved!).SET!.expiresAt);
    expect(expiresAt * 1000 - Date.now()).toBeGreaterThan(365 * 86_400_000);
  });

  it('sends nothing for nothing', async () => {
    await store.applyCounts([], []);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('lets a cancelled transaction fail the call (nothing was counted)', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(canceled());
    await expect(store.applyCounts([dayUpdate], [{ caseId: 'case-1', from: 0, to: 1 }])).rejects.toMatchObject({ name: 'TransactionCanceledException' });
  });
});

describe('DynamoReportingStore reads', () => {
  it('watermarks: consistent batch reads, retrying unprocessed keys', async () => {
    ddb
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: { [TABLE]: [item({ pk: 'WM#a', sk: 'WM', lastVersion: 3 })] },
        UnprocessedKeys: { [TABLE]: { Keys: [item({ pk: 'WM#b', sk: 'WM' }), item({ pk: 'WM#c', sk: 'WM' })] } },
      })
      .resolvesOnce({ Responses: { [TABLE]: [item({ pk: 'WM#b', sk: 'WM', lastVersion: 7 })] }, UnprocessedKeys: {} });

    const found = await store.watermarks(['a', 'b', 'c']);

    expect(found).toEqual(new Map([['a', 3], ['b', 7]]));
    const calls = ddb.commandCalls(BatchGetItemCommand).map((c) => c.args[0].input.RequestItems![TABLE]!);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.ConsistentRead).toBe(true);
    expect(calls[0]!.Keys!.map((k) => unmarshall(k))).toEqual(['a', 'b', 'c'].map((id) => ({ pk: `WM#${id}`, sk: 'WM' })));
    expect(calls[1]!.Keys!.map((k) => unmarshall(k).pk)).toEqual(['WM#b', 'WM#c']);
    expect(calls[1]!.ConsistentRead).toBe(true);
  });

  it('watermarks: at most 100 keys per request', async () => {
    ddb.on(BatchGetItemCommand).resolves({ Responses: { [TABLE]: [] } });
    await store.watermarks(Array.from({ length: 250 }, (_, i) => `case-${i}`));
    expect(ddb.commandCalls(BatchGetItemCommand).map((c) => c.args[0].input.RequestItems![TABLE]!.Keys!.length)).toEqual([100, 100, 50]);
  });

  it('watermarks: gives up when keys stay unprocessed', async () => {
    ddb.on(BatchGetItemCommand).resolves({ Responses: { [TABLE]: [] }, UnprocessedKeys: { [TABLE]: { Keys: [item({ pk: 'WM#a', sk: 'WM' })] } } });
    await expect(store.watermarks(['a'])).rejects.toThrow(/unprocessed/);
  });

  it('applyCounts: the backlog, an hour bucket and an hour\'s openings, on their items', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});

    await store.applyCounts(
      [
        { kind: 'backlog', key: { openedDay: '2026-11-24', category: 'refund', channel: 'web' }, shard: 1, counters: { open: -1 } },
        { kind: 'aggregate', key: { granularity: 'hour', period: '2026-11-24T10', category: 'refund', priority: 'P3', channel: 'email' }, shard: 0, counters: { opened: 1 } },
        { kind: 'opened-in-hour', category: 'refund', hour: '2026-11-24T10', opened: 3 },
      ],
      [],
    );

    const [backlog, hour, trend] = ddb.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems!.map((i) => i.Update!);
    expect(unmarshall(backlog!.Key!)).toEqual({ pk: 'BACKLOG', sk: '2026-11-24#refund#web#1' });
    expect(clauses(backlog!)).toEqual({ SET: { openedDay: '2026-11-24', category: 'refund', channel: 'web' }, ADD: { n_open: -1 } });
    expect(unmarshall(hour!.Key!)).toEqual({ pk: 'AGG#hour#2026-11-24T10', sk: 'refund#P3#email#0' });
    expect(unmarshall(trend!.Key!)).toEqual({ pk: 'TREND#refund', sk: '2026-11-24T10' });
    expect(clauses(trend!)).toEqual({ SET: { category: 'refund', hour: '2026-11-24T10' }, ADD: { n_opened: 3 } });
  });

  it('dayAggregates: every page of each day, as rows (dimensions an old item lacks get their defaults)', async () => {
    ddb
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'AGG#day#2026-11-24' } } })
      .resolvesOnce({
        Items: [item({ pk: 'AGG#day#2026-11-24', sk: 'refund#P2#web#0', granularity: 'day', period: '2026-11-24', category: 'refund', priority: 'P2', channel: 'web', n_opened: 2 })],
        LastEvaluatedKey: item({ pk: 'AGG#day#2026-11-24', sk: 'refund#P2#web#0' }),
      })
      .resolvesOnce({ Items: [item({ pk: 'AGG#day#2026-11-24', sk: 'x#0', n_resolved: 1 })] });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'AGG#day#2026-11-25' } } }).resolves({ Items: [] });

    const rows = await store.dayAggregates(['2026-11-24', '2026-11-25']);

    expect(rows).toEqual([
      { key: { granularity: 'day', period: '2026-11-24', category: 'refund', priority: 'P2', channel: 'web' }, counters: { opened: 2 } },
      { key: { granularity: 'day', period: '2026-11-24', category: 'other', priority: 'P4', channel: 'web' }, counters: { resolved: 1 } },
    ]);
    const inputs = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(inputs).toHaveLength(3);
    expect(inputs.find((i) => i.ExclusiveStartKey)!.ExclusiveStartKey).toEqual(item({ pk: 'AGG#day#2026-11-24', sk: 'refund#P2#web#0' }));
  });

  it('applyCounts: a per-agent change ADDs to its day, agent and category item', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});

    await store.applyCounts([{ kind: 'agent', key: { day: '2026-11-24', agentId: 'local-agent-ann', category: 'refund' }, counters: { resolved: 1, rt_le_inf: 1 } }], []);

    const [update] = ddb.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems!.map((i) => i.Update!);
    expect(unmarshall(update!.Key!)).toEqual({ pk: 'AGENT#2026-11-24', sk: 'local-agent-ann#refund' });
    expect(clauses(update!)).toEqual({ SET: { agentId: 'local-agent-ann', category: 'refund' }, ADD: { n_resolved: 1, n_rt_le_inf: 1 } });
  });

  it('agentAggregates: every page of each day, as agent rows', async () => {
    ddb
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'AGENT#2026-11-24' } } })
      .resolvesOnce({
        Items: [item({ pk: 'AGENT#2026-11-24', sk: 'a#refund', agentId: 'a', category: 'refund', n_resolved: 2 })],
        LastEvaluatedKey: item({ pk: 'AGENT#2026-11-24', sk: 'a#refund' }),
      })
      .resolvesOnce({ Items: [item({ pk: 'AGENT#2026-11-24', sk: 'b#payout', agentId: 'b', category: 'payout', n_reopened: 1 })] });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'AGENT#2026-11-25' } } }).resolves({ Items: [] });

    expect(await store.agentAggregates(['2026-11-24', '2026-11-25'])).toEqual([
      { key: { day: '2026-11-24', agentId: 'a', category: 'refund' }, counters: { resolved: 2 } },
      { key: { day: '2026-11-24', agentId: 'b', category: 'payout' }, counters: { reopened: 1 } },
    ]);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(3);
  });

  it('backlog: every page, as open counts by key', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item({ pk: 'BACKLOG', sk: 'a#0', openedDay: '2026-11-23', category: 'payout', channel: 'email', n_open: 2 })], LastEvaluatedKey: item({ pk: 'BACKLOG', sk: 'a#0' }) })
      .resolvesOnce({ Items: [item({ pk: 'BACKLOG', sk: 'b#0', openedDay: '2026-11-24', category: 'refund', channel: 'web', n_open: -1 })] });

    const rows = await store.backlog();

    expect(rows).toEqual([
      { key: { openedDay: '2026-11-23', category: 'payout', channel: 'email' }, open: 2 },
      { key: { openedDay: '2026-11-24', category: 'refund', channel: 'web' }, open: -1 },
    ]);
    const inputs = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toMatchObject({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'BACKLOG' } } });
    expect(inputs[1]!.ExclusiveStartKey).toEqual(item({ pk: 'BACKLOG', sk: 'a#0' }));
  });

  it('openedPerHour: every category × hour in one batch read, retrying unprocessed keys; hours with none are absent', async () => {
    ddb
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: { [TABLE]: [item({ pk: 'TREND#refund', sk: '2026-11-24T10', category: 'refund', hour: '2026-11-24T10', n_opened: 4 })] },
        UnprocessedKeys: { [TABLE]: { Keys: [item({ pk: 'TREND#payout', sk: '2026-11-23T10' })] } },
      })
      .resolvesOnce({ Responses: { [TABLE]: [item({ pk: 'TREND#payout', sk: '2026-11-23T10', category: 'payout', hour: '2026-11-23T10', n_opened: 1 })] } });

    const found = await store.openedPerHour(['refund', 'payout'], ['2026-11-24T10', '2026-11-23T10']);

    expect(found).toEqual([
      { category: 'refund', hour: '2026-11-24T10', opened: 4 },
      { category: 'payout', hour: '2026-11-23T10', opened: 1 },
    ]);
    const calls = ddb.commandCalls(BatchGetItemCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input.RequestItems![TABLE]!.Keys!.map((k) => unmarshall(k))).toEqual([
      { pk: 'TREND#refund', sk: '2026-11-24T10' },
      { pk: 'TREND#refund', sk: '2026-11-23T10' },
      { pk: 'TREND#payout', sk: '2026-11-24T10' },
      { pk: 'TREND#payout', sk: '2026-11-23T10' },
    ]);
  });

  it('openedPerHour: nothing asked, nothing read', async () => {
    await expect(store.openedPerHour([], ['2026-11-24T10'])).resolves.toEqual([]);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('incidentsOn: the incidents listed under each day', async () => {
    const listed = { key: 'surge#refund#2026-11-24T18', category: 'refund', windowStart: '2026-11-24T18', detectedAt: '2026-11-25T03:00:00.000Z', lastHour: 15, baseline: 5, caseId: 'case-9' };
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'INCIDENTS#2026-11-24' } } }).resolves({ Items: [item({ pk: 'INCIDENTS#2026-11-24', sk: listed.key, ...listed })] });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'INCIDENTS#2026-11-25' } } }).resolves({ Items: [] });

    await expect(store.incidentsOn(['2026-11-24', '2026-11-25'])).resolves.toEqual([listed]);
  });

  it('topConsumerCasesOn: day by day, of the asked categories, at most limit', async () => {
    const listing = (caseId: string, category: string) => ({ caseId, reference: `TD-${caseId}`, tier: 'top', category, priority: 'P2', openedAt: '2026-11-24T18:00:00.000Z' });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'TOPCASE#2026-11-24' } } }).resolves({
      Items: [item({ pk: 'TOPCASE#2026-11-24', sk: 'a', ...listing('a', 'refund') }), item({ pk: 'TOPCASE#2026-11-24', sk: 'b', ...listing('b', 'payout') })],
    });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': { S: 'TOPCASE#2026-11-25' } } }).resolves({
      Items: [item({ pk: 'TOPCASE#2026-11-25', sk: 'c', ...listing('c', 'refund') }), item({ pk: 'TOPCASE#2026-11-25', sk: 'd', ...listing('d', 'refund') })],
    });

    const refund = await store.topConsumerCasesOn(['2026-11-24', '2026-11-25'], { limit: 2, categories: ['refund'] });
    const all = await store.topConsumerCasesOn(['2026-11-24', '2026-11-25'], { limit: 10 });

    expect(refund).toEqual([
      { day: '2026-11-24', ...listing('a', 'refund') },
      { day: '2026-11-25', ...listing('c', 'refund') },
    ]);
    expect(all.map((l) => l.caseId)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('DynamoReportingStore.claimIncident', () => {
  const incident: Incident = {
    key: 'surge#refund#2026-11-24T00',
    category: 'refund',
    windowStart: '2026-11-24T00',
    // 20:30 in Los Angeles on the 24th, already the 25th in UTC.
    detectedAt: '2026-11-25T04:30:00.000Z',
    lastHour: 15,
    baseline: 5,
    caseId: 'case-9',
  };

  it('records the incident once per key and lists it under the local day of its window', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});

    await expect(store.claimIncident(incident)).resolves.toBe(true);

    const items = ddb.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems!;
    expect(items).toHaveLength(2);
    const [claim, listed] = items.map((i) => i.Put!);
    expect(unmarshall(claim!.Item!)).toEqual({ pk: 'INCIDENT#surge#refund#2026-11-24T00', sk: 'INCIDENT', ...incident });
    expect(claim!.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(unmarshall(listed!.Item!)).toEqual({ pk: 'INCIDENTS#2026-11-24', sk: incident.key, ...incident });
  });

  it('answers false when the incident was already recorded', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(canceled());
    await expect(store.claimIncident(incident)).resolves.toBe(false);
  });

  it('lets other errors through', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(Object.assign(new Error('throughput'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(store.claimIncident(incident)).rejects.toThrow('throughput');
  });
});

describe('DynamoReportingStore report claims', () => {
  it('claimReport: a conditional put that a pending claim does not block', async () => {
    ddb.on(PutItemCommand).resolves({});

    await expect(store.claimReport('daily', '2026-11-24', 'alice@example.com')).resolves.toBe(true);

    const input = ddb.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(unmarshall(input.Item!)).toMatchObject({ pk: 'REPORT#daily#2026-11-24', sk: 'alice@example.com', status: 'pending' });
    expect(input.ConditionExpression).toBe('attribute_not_exists(pk) OR (#status = :pending AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now))');
    expect(input.ExpressionAttributeNames).toEqual({ '#status': 'status' });
    expect(input.ExpressionAttributeValues).toMatchObject({ ':pending': { S: 'pending' } });
  });

  it('claimReport: false when the report was already sent', async () => {
    ddb.on(PutItemCommand).rejects(Object.assign(conditionFailed(), { Item: { status: { S: 'sent' } } }));
    await expect(store.claimReport('daily', '2026-11-24', 'alice@example.com')).resolves.toBe(false);
  });

  it('claimReport: other errors are thrown', async () => {
    ddb.on(PutItemCommand).rejects(Object.assign(new Error('down'), { name: 'InternalServerError' }));
    await expect(store.claimReport('daily', '2026-11-24', 'alice@example.com')).rejects.toThrow('down');
  });

  it('releaseReport deletes only a pending claim, and a sent one stays without an error', async () => {
    ddb.on(DeleteItemCommand).rejects(conditionFailed());

    await expect(store.releaseReport('daily', '2026-11-24', 'alice@example.com')).resolves.toBeUndefined();

    const input = ddb.commandCalls(DeleteItemCommand)[0]!.args[0].input;
    expect(unmarshall(input.Key!)).toEqual({ pk: 'REPORT#daily#2026-11-24', sk: 'alice@example.com' });
    expect(input.ConditionExpression).toBe('#status = :pending');
  });

  it('markReportSent sets the status and the provider id', async () => {
    ddb.on(UpdateItemCommand).resolves({});
    await store.markReportSent('weekly', '2026-W48', 'alice@example.com', 'ses-1');
    const input = ddb.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(unmarshall(input.Key!)).toEqual({ pk: 'REPORT#weekly#2026-W48', sk: 'alice@example.com' });
    expect(clauses(input as Update).SET).toMatchObject({ status: 'sent', providerId: 'ses-1' });
  });
});

describe('DynamoReportingStore subscriptions', () => {
  it('deleteSubscription: a bad id is false without calling DynamoDB', async () => {
    const bad = ['', 'not-an-id', '!!!', Buffer.from('monthly#alice@example.com').toString('base64url'), Buffer.from('daily#').toString('base64url'), Buffer.from('daily').toString('base64url')];
    for (const id of bad) await expect(store.deleteSubscription(id)).resolves.toBe(false);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('deleteSubscription: deletes by cadence and email; true only when something was deleted', async () => {
    ddb.on(DeleteItemCommand).resolvesOnce({ Attributes: item({ pk: 'SUBSCRIPTION', sk: 'weekly#alice@example.com' }) }).resolvesOnce({});
    const id = subscriptionId('weekly', 'alice@example.com');

    await expect(store.deleteSubscription(id)).resolves.toBe(true);
    await expect(store.deleteSubscription(id)).resolves.toBe(false);

    expect(unmarshall(ddb.commandCalls(DeleteItemCommand)[0]!.args[0].input.Key!)).toEqual({ pk: 'SUBSCRIPTION', sk: 'weekly#alice@example.com' });
  });

  it('listSubscriptions: one cadence by sort-key prefix, every page, without the keys', async () => {
    const s = { subscriptionId: subscriptionId('daily', 'a@example.com'), email: 'a@example.com', cadence: 'daily', createdAt: '2026-11-01T00:00:00.000Z', createdBy: 'lead-1' };
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item({ pk: 'SUBSCRIPTION', sk: 'daily#a@example.com', ...s })], LastEvaluatedKey: item({ pk: 'SUBSCRIPTION', sk: 'daily#a@example.com' }) })
      .resolvesOnce({ Items: [item({ pk: 'SUBSCRIPTION', sk: 'daily#b@example.com', ...s, email: 'b@example.com', categories: ['refund'] })] });

    const list = await store.listSubscriptions('daily');

    expect(list).toEqual([s, { ...s, email: 'b@example.com', categories: ['refund'] }]);
    const input = ddb.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(input.KeyConditionExpression).toBe('pk = :pk AND begins_with(sk, :cadence)');
    expect(unmarshall(input.ExpressionAttributeValues!)).toEqual({ ':pk': 'SUBSCRIPTION', ':cadence': 'daily#' });
  });

  it('putSubscription: keyed by cadence and email', async () => {
    ddb.on(PutItemCommand).resolves({});
    const s = { subscriptionId: 'x', email: 'a@example.com', cadence: 'weekly' as const, createdAt: '2026-11-01T00:00:00.000Z', createdBy: 'lead-1' };
    await store.putSubscription(s);
    expect(unmarshall(ddb.commandCalls(PutItemCommand)[0]!.args[0].input.Item!)).toEqual({ pk: 'SUBSCRIPTION', sk: 'weekly#a@example.com', ...s });
  });
});
