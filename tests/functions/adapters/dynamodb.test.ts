import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  type AttributeValue,
  type CancellationReason,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CaseEvent, CaseRecord } from '#domain/case.ts';
import { DynamoCaseStore, keys } from '#lib/adapters/dynamodb.ts';
import { OPENED_PARTITIONS, OPENED_SHARDS, openedPartition } from '#lib/adapters/dynamodb-intake.ts';
import { ValidationError } from '#lib/errors.ts';
import type { ChangeWrite, NewCaseWrite } from '#lib/ports.ts';
import { NOW, sampleCase } from '../fakes.ts';

const TABLE = 'cases';
const PROFILES = 'profiles';

const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const ddb = mockClient(client);
let store: DynamoCaseStore;

beforeEach(() => {
  ddb.reset();
  store = new DynamoCaseStore(TABLE, PROFILES, client);
});

type Item = Record<string, AttributeValue>;
const item = (value: object): Item => marshall(value, { removeUndefinedValues: true });

const record: CaseRecord = sampleCase();
const openedEvent: CaseEvent = {
  caseId: record.caseId,
  version: 1,
  type: 'case.opened',
  at: record.openedAt,
  actor: { kind: 'requester', email: record.requester.email },
  data: { channel: 'web' },
};
const nowSeconds = Math.floor(NOW.getTime() / 1000);

function newCase(overrides: Partial<NewCaseWrite> = {}): NewCaseWrite {
  return {
    record,
    event: openedEvent,
    idempotency: { key: 'key:abc', fingerprint: 'fp-1', expiresAt: nowSeconds + 86_400 },
    requesterVersion: 0,
    recent: [{ caseId: record.caseId, reference: record.reference, category: record.category, openedAt: record.openedAt }],
    messageIds: [],
    ...overrides,
  };
}

function canceled(reasons: CancellationReason[]) {
  return new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });
}
const NONE: CancellationReason = { Code: 'None' };
const CHECK_FAILED: CancellationReason = { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };

/** The writes of the one transaction sent, each as the item it stores. */
function transactionItems(): Record<string, unknown>[] {
  const calls = ddb.commandCalls(TransactWriteItemsCommand);
  expect(calls).toHaveLength(1);
  return calls[0]!.args[0].input.TransactItems!.map((w) => {
    expect(w.Put?.TableName).toBe(TABLE);
    return unmarshall(w.Put!.Item!);
  });
}
const ofType = (items: Record<string, unknown>[], itemType: string) => items.filter((i) => i.itemType === itemType);

/**
 * The transaction cancelled as DynamoDB cancels it: one reason per write, in the order sent. `reasons`
 * names the failing writes by the type of item they store; every other write gets 'None'.
 */
function cancelWhen(reasons: Record<string, CancellationReason>) {
  ddb.on(TransactWriteItemsCommand).callsFake(async (input: { TransactItems: { Put: { Item: Item } }[] }) => {
    throw canceled(input.TransactItems.map((w) => reasons[String(unmarshall(w.Put.Item).itemType)] ?? NONE));
  });
}

describe('DynamoCaseStore.createCase', () => {
  it('writes case, first event, idempotency claim, reference, requester history and message ids in ONE transaction', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});
    await expect(store.createCase(newCase({ messageIds: ['m1@mail.example'] }))).resolves.toEqual({ kind: 'created' });

    expect(ddb.calls()).toHaveLength(1);
    const items = transactionItems();
    expect(items).toHaveLength(6);
    expect(ofType(items, 'case')).toEqual([
      expect.objectContaining({
        pk: `CASE#${record.caseId}`,
        sk: 'CASE',
        gsi1pk: openedPartition(record.caseId),
        gsi1sk: `${record.openedAt}#${record.caseId}`,
        gsi2pk: `REQUESTER#${record.requester.email}`,
        caseId: record.caseId,
        version: 1,
        subject: record.subject,
      }),
    ]);
    expect(ofType(items, 'event')).toEqual([expect.objectContaining({ pk: `CASE#${record.caseId}`, sk: 'EVENT#0000000001', type: 'case.opened' })]);
    expect(ofType(items, 'idempotency')).toEqual([
      {
        pk: 'IDEMPOTENCY#key:abc',
        sk: 'IDEMPOTENCY',
        itemType: 'idempotency',
        caseId: record.caseId,
        reference: record.reference,
        fingerprint: 'fp-1',
        expiresAt: nowSeconds + 86_400,
      },
    ]);
    expect(ofType(items, 'reference')).toEqual([{ pk: `REF#${record.reference}`, sk: 'REF', itemType: 'reference', caseId: record.caseId }]);
    expect(ofType(items, 'requester')).toEqual([expect.objectContaining({ pk: `REQUESTER#${record.requester.email}`, sk: 'SUMMARY', version: 1, recent: newCase().recent })]);
    expect(ofType(items, 'messageId')).toEqual([{ pk: 'MSGID#m1@mail.example', sk: 'MSGID', itemType: 'messageId', caseId: record.caseId }]);
  });

  it("bumps a known requester's history version", async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});
    await store.createCase(newCase({ requesterVersion: 3 }));
    expect(ofType(transactionItems(), 'requester')).toEqual([expect.objectContaining({ version: 4 })]);
  });

  it('drops undefined optional fields instead of failing to marshall them', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});
    const { amount: _a, currency: _c, ...withoutMoney } = record;
    await store.createCase(newCase({ record: { ...withoutMoney, amount: undefined } as CaseRecord }));
    expect(ofType(transactionItems(), 'case')[0]).not.toHaveProperty('amount');
  });

  it('replays when the idempotency claim is held: the old item comes back with the cancellation', async () => {
    const old = item({ ...keys.idempotency('key:abc'), itemType: 'idempotency', caseId: 'case-old', reference: 'TD-AAAAAA', fingerprint: 'fp-old', expiresAt: nowSeconds + 100 });
    cancelWhen({ idempotency: { ...CHECK_FAILED, Item: old }, reference: CHECK_FAILED });
    await expect(store.createCase(newCase())).resolves.toEqual({ kind: 'replay', caseId: 'case-old', reference: 'TD-AAAAAA', fingerprint: 'fp-old' });
    expect(ddb.commandCalls(GetItemCommand)).toHaveLength(0);
  });

  it('reads the claim with a consistent GetItem when the cancellation carries no item', async () => {
    cancelWhen({ idempotency: CHECK_FAILED });
    ddb.on(GetItemCommand).resolves({ Item: item({ ...keys.idempotency('key:abc'), caseId: 'case-old', reference: 'TD-BBBBBB', fingerprint: 'fp-old' }) });
    await expect(store.createCase(newCase())).resolves.toEqual({ kind: 'replay', caseId: 'case-old', reference: 'TD-BBBBBB', fingerprint: 'fp-old' });
    const [get] = ddb.commandCalls(GetItemCommand);
    expect(get!.args[0].input).toEqual({ TableName: TABLE, Key: { pk: { S: 'IDEMPOTENCY#key:abc' }, sk: { S: 'IDEMPOTENCY' } }, ConsistentRead: true });
  });

  it.each([
    ['case', 'case id'],
    ['reference', 'reference'],
    ['requester', 'requester'],
  ] as const)('asks for a retry when the condition on the %s item failed (%s)', async (itemType, reason) => {
    cancelWhen({ [itemType]: CHECK_FAILED });
    await expect(store.createCase(newCase())).resolves.toEqual({ kind: 'retry', reason });
  });

  it('asks for a retry on a transaction conflict', async () => {
    cancelWhen({ requester: { Code: 'TransactionConflict' } });
    await expect(store.createCase(newCase())).resolves.toEqual({ kind: 'retry', reason: 'contention' });
  });

  it('rethrows a cancellation it cannot explain', async () => {
    cancelWhen({ event: { Code: 'ValidationError', Message: 'Item size has exceeded the maximum allowed size' } });
    await expect(store.createCase(newCase())).rejects.toBeInstanceOf(TransactionCanceledException);
  });

  it('rethrows other errors untouched', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    ddb.on(TransactWriteItemsCommand).rejects(throttled);
    await expect(store.createCase(newCase())).rejects.toThrow('Rate exceeded');
  });
});

describe('DynamoCaseStore.saveChange (a requester reply)', () => {
  const next: CaseRecord = { ...record, version: 2, updatedAt: '2026-11-25T19:00:00.000Z' };
  const reply = (): ChangeWrite => ({
    record: next,
    event: { ...openedEvent, version: 2, type: 'requester.replied', at: next.updatedAt },
    idempotency: { key: 'email:msg-1', fingerprint: 'msg-1', expiresAt: nowSeconds + 3600 },
    messageIds: ['reply@mail.example'],
  });

  it('writes the new version, its event, the claim and the message ids in ONE transaction', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});
    await expect(store.saveChange(reply())).resolves.toEqual({ kind: 'saved' });
    const items = transactionItems();
    expect(items).toHaveLength(4);
    expect(ofType(items, 'case')).toEqual([expect.objectContaining({ pk: `CASE#${record.caseId}`, version: 2, updatedAt: next.updatedAt })]);
    expect(ofType(items, 'event')).toEqual([expect.objectContaining({ sk: 'EVENT#0000000002', type: 'requester.replied' })]);
    expect(ofType(items, 'idempotency')).toEqual([expect.objectContaining({ pk: 'IDEMPOTENCY#email:msg-1', caseId: record.caseId, fingerprint: 'msg-1' })]);
    expect(ofType(items, 'messageId')).toEqual([expect.objectContaining({ pk: 'MSGID#reply@mail.example', caseId: record.caseId })]);
  });

  it('writes only case and event when there is no idempotency claim or message id', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});
    const { idempotency: _i, messageIds: _m, ...change } = reply();
    await expect(store.saveChange(change)).resolves.toEqual({ kind: 'saved' });
    expect(transactionItems().map((i) => i.sk)).toEqual(['CASE', 'EVENT#0000000002']);
  });

  it.each(['case', 'event'])('is stale when the condition on the %s item failed (the case moved on)', async (itemType) => {
    cancelWhen({ [itemType]: CHECK_FAILED });
    await expect(store.saveChange(reply())).resolves.toEqual({ kind: 'stale' });
  });

  it('is stale on a transaction conflict (another change was in flight)', async () => {
    cancelWhen({ case: { Code: 'TransactionConflict' } });
    await expect(store.saveChange(reply())).resolves.toEqual({ kind: 'stale' });
  });

  it('replays a reply that was already recorded, even when the case moved on since', async () => {
    const old = item({ caseId: record.caseId, reference: record.reference, fingerprint: 'msg-1' });
    cancelWhen({ case: CHECK_FAILED, idempotency: { ...CHECK_FAILED, Item: old } });
    await expect(store.saveChange(reply())).resolves.toEqual({ kind: 'replay', caseId: record.caseId, reference: record.reference, fingerprint: 'msg-1' });
  });
});

describe('DynamoCaseStore.loadIntakeContext', () => {
  const requesterItem = item({
    ...keys.requester('alice@example.com'),
    itemType: 'requester',
    version: 2,
    recent: [{ caseId: 'c1', reference: 'TD-AAAAAA', category: 'refund', openedAt: '2026-11-20T10:00:00.000Z' }],
  });
  const profileItem = item({ userId: 'u-1', tier: 'gold', lifetimeSpend: 1200 });

  it('reads requester and profile in ONE BatchGetItem across both tables', async () => {
    ddb.on(BatchGetItemCommand).resolves({ Responses: { [TABLE]: [requesterItem], [PROFILES]: [profileItem] } });
    await expect(store.loadIntakeContext({ email: 'alice@example.com', userId: 'u-1' })).resolves.toEqual({
      profile: { userId: 'u-1', tier: 'gold', lifetimeSpend: 1200 },
      recent: [{ caseId: 'c1', reference: 'TD-AAAAAA', category: 'refund', openedAt: '2026-11-20T10:00:00.000Z' }],
      requesterVersion: 2,
    });
    expect(ddb.calls()).toHaveLength(1);
    const input = ddb.commandCalls(BatchGetItemCommand)[0]!.args[0].input;
    expect(input.RequestItems).toEqual({
      [TABLE]: { Keys: [{ pk: { S: 'REQUESTER#alice@example.com' }, sk: { S: 'SUMMARY' } }], ConsistentRead: true },
      [PROFILES]: { Keys: [{ userId: { S: 'u-1' } }] },
    });
  });

  it('does not ask the profiles table without a user id', async () => {
    ddb.on(BatchGetItemCommand).resolves({ Responses: { [TABLE]: [] } });
    await expect(store.loadIntakeContext({ email: 'new@example.com' })).resolves.toEqual({ recent: [], requesterVersion: 0 });
    expect(Object.keys(ddb.commandCalls(BatchGetItemCommand)[0]!.args[0].input.RequestItems!)).toEqual([TABLE]);
  });

  it('does not ask a profiles table it was not given', async () => {
    const noProfiles = new DynamoCaseStore(TABLE, undefined, client);
    ddb.on(BatchGetItemCommand).resolves({ Responses: { [TABLE]: [requesterItem] } });
    const context = await noProfiles.loadIntakeContext({ email: 'alice@example.com', userId: 'u-1' });
    expect(context).not.toHaveProperty('profile');
    expect(context.requesterVersion).toBe(2);
    expect(Object.keys(ddb.commandCalls(BatchGetItemCommand)[0]!.args[0].input.RequestItems!)).toEqual([TABLE]);
  });

  it('fetches unprocessed keys again and merges the answers', async () => {
    const unprocessed = { [PROFILES]: { Keys: [{ userId: { S: 'u-1' } }] } };
    ddb
      .on(BatchGetItemCommand)
      .resolvesOnce({ Responses: { [TABLE]: [requesterItem] }, UnprocessedKeys: unprocessed })
      .resolvesOnce({ Responses: { [PROFILES]: [profileItem] }, UnprocessedKeys: {} });
    const context = await store.loadIntakeContext({ email: 'alice@example.com', userId: 'u-1' });
    expect(context.profile?.tier).toBe('gold');
    expect(context.requesterVersion).toBe(2);
    const calls = ddb.commandCalls(BatchGetItemCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.RequestItems).toEqual(unprocessed);
  });

  it('gives up on keys that stay unprocessed after a bounded number of attempts, rather than triage on partial data', async () => {
    const unprocessed = { [TABLE]: { Keys: [{ pk: { S: 'REQUESTER#alice@example.com' }, sk: { S: 'SUMMARY' } }], ConsistentRead: true } };
    ddb.on(BatchGetItemCommand).resolves({ Responses: {}, UnprocessedKeys: unprocessed });
    await expect(store.loadIntakeContext({ email: 'alice@example.com' })).rejects.toThrow(/unprocessed/);
    expect(ddb.commandCalls(BatchGetItemCommand)).toHaveLength(7);
  });
});

describe('openedPartition', () => {
  it('spreads case ids over every byOpened shard, the same id always on the same one', () => {
    const ids = Array.from({ length: 4000 }, (_, i) => `C${i.toString(36).padStart(8, '0')}`);
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(openedPartition(id), (counts.get(openedPartition(id)) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(OPENED_PARTITIONS.filter((p) => p !== 'CASES').sort());
    expect(Math.max(...counts.values())).toBeLessThan((ids.length / OPENED_SHARDS) * 1.25);
    expect(openedPartition('C00000042')).toBe(openedPartition('C00000042'));
  });
});

describe('DynamoCaseStore.listCases', () => {
  const summaryItem = (caseId: string, at = record.openedAt) =>
    item({ ...keys.case(caseId), itemType: 'case', gsi1pk: openedPartition(caseId), gsi1sk: `${at}#${caseId}`, ...record, caseId, openedAt: at });
  const lastKey = (caseId: string, at = record.openedAt) => ({
    pk: { S: `CASE#${caseId}` },
    sk: { S: 'CASE' },
    gsi1pk: { S: openedPartition(caseId) },
    gsi1sk: { S: `${at}#${caseId}` },
  });
  /** Answers each partition's Query from its own newest-first list, honouring Limit and ExclusiveStartKey. */
  function partitions(items: ReturnType<typeof summaryItem>[]) {
    ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, { S: string }>; Limit: number; ExclusiveStartKey?: Record<string, { S: string }> }) => {
      const mine = items.filter((i) => i.gsi1pk!.S === input.ExpressionAttributeValues[':all']!.S).sort((a, b) => (a.gsi1sk!.S! < b.gsi1sk!.S! ? 1 : -1));
      const from = input.ExclusiveStartKey ? mine.findIndex((i) => i.gsi1sk!.S === input.ExclusiveStartKey!.gsi1sk!.S) + 1 : 0;
      const page = mine.slice(from, from + input.Limit);
      const more = from + input.Limit < mine.length;
      const last = page.at(-1);
      return { Items: page, ...(more && last && { LastEvaluatedKey: { pk: last.pk!, sk: last.sk!, gsi1pk: last.gsi1pk!, gsi1sk: last.gsi1sk! } }) };
    });
  }

  it('turns queue filters into one filter expression on the same index', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    await store.listCases({ limit: 5, filter: { status: 'investigating', priority: 'P2', assignee: 'none', breached: true } });
    const input = ddb.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(input.IndexName).toBe('byOpened');
    expect(input.FilterExpression).toBe('#status = :status AND #priority = :priority AND attribute_not_exists(#assignee) AND (#sla.#fr = :yes OR #sla.#res = :yes)');
    expect(input.ExpressionAttributeValues).toMatchObject({ ':status': { S: 'investigating' }, ':priority': { S: 'P2' }, ':yes': { BOOL: true } });
  });

  it('queries the byOpened index newest first and returns summaries without key attributes', async () => {
    partitions([summaryItem('c-2')]);
    const page = await store.listCases({ limit: 10 });
    expect(page).not.toHaveProperty('cursor');
    expect(page.items).toEqual([
      {
        caseId: 'c-2',
        reference: record.reference,
        status: record.status,
        channel: record.channel,
        category: record.category,
        priority: record.priority,
        riskScore: record.riskScore,
        subject: record.subject,
        requesterEmail: record.requester.email,
        openedAt: record.openedAt,
        updatedAt: record.updatedAt,
        deadlines: record.deadlines,
        sla: record.sla,
        version: record.version,
      },
    ]);
    const calls = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.ExpressionAttributeValues?.[':all']?.S).sort()).toEqual([...OPENED_PARTITIONS].sort());
    for (const input of calls) {
      expect(input).toMatchObject({ TableName: TABLE, IndexName: 'byOpened', KeyConditionExpression: 'gsi1pk = :all', ScanIndexForward: false, Limit: 10, ExclusiveStartKey: undefined });
    }
  });

  it('pages through every shard newest first, in the order one partition would give, with opaque cursors', async () => {
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
    const all = Array.from({ length: 37 }, (_, i) => summaryItem(`c-${i}`, at(i)));
    partitions(all);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.listCases({ limit: 5, ...(cursor && { cursor }) });
      expect(page.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.items.map((i) => i.caseId));
      cursor = page.cursor;
      if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      pages++;
    } while (cursor && pages < 50);
    expect(seen).toEqual(Array.from({ length: 37 }, (_, i) => `c-${36 - i}`));
    expect(pages).toBeLessThanOrEqual(9);
  });

  it('resumes a shard exactly after the last case it gave', async () => {
    // Three ids on one shard: the first page gives its newest, the next resumes that shard right after it.
    const sameShard = Array.from({ length: 200 }, (_, i) => `c-${i}`).filter((id) => openedPartition(id) === openedPartition('c-0')).slice(0, 3);
    const when = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
    partitions(sameShard.map((id, i) => summaryItem(id, when(i))));
    const first = await store.listCases({ limit: 1 });
    expect(first.items.map((i) => i.caseId)).toEqual([sameShard[2]]);
    ddb.resetHistory();
    const second = await store.listCases({ limit: 1, cursor: first.cursor! });
    expect(second.items.map((i) => i.caseId)).toEqual([sameShard[1]]);
    const calls = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(1); // the other shards were read to their end on the first page
    expect(calls[0]!.ExclusiveStartKey).toEqual(lastKey(sameShard[2]!, when(2)));
  });

  it.each([
    ['garbage', 'not a cursor!'],
    ['base64 of non-JSON', Buffer.from('hello').toString('base64url')],
    ['a JSON object', Buffer.from(JSON.stringify({ pk: 'CASE#x' })).toString('base64url')],
    ['too few keys', Buffer.from(JSON.stringify({ at: { 'CASES#1': ['CASE#x', 'CASE'] } })).toString('base64url')],
    ['another partition', Buffer.from(JSON.stringify({ at: { 'REQUESTERS': ['REQUESTER#a', 'SUMMARY', 'x'] } })).toString('base64url')],
    ['no partition', Buffer.from(JSON.stringify({ at: {} })).toString('base64url')],
    ['an empty key', Buffer.from(JSON.stringify({ at: { 'CASES#1': ['CASE#x', '', 'y'] } })).toString('base64url')],
    ['non-string keys', Buffer.from(JSON.stringify({ at: { 'CASES#1': ['CASE#x', 1, 'y'] } })).toString('base64url')],
    ['oversized keys', Buffer.from(JSON.stringify({ at: { 'CASES#1': ['x'.repeat(400), 'CASE', 'y'] } })).toString('base64url')],
  ])('refuses a forged cursor (%s) with a validation error naming cursor, without querying', async (_, cursor) => {
    const error = await store.listCases({ limit: 5, cursor }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe('DynamoCaseStore.getCase and getCaseWithTimeline', () => {
  const stored = (value: object) => item(value);
  const caseItem = stored({ ...keys.case(record.caseId), itemType: 'case', gsi1pk: 'CASES', gsi1sk: 'x', gsi2pk: 'y', gsi2sk: 'z', ...record });
  const eventItem = (version: number) => stored({ ...keys.event(record.caseId, version), itemType: 'event', ...openedEvent, version });
  const noticeItem = stored({ ...keys.notice(record.caseId, 'acknowledgement'), itemType: 'notice', status: 'sent' });
  const waitItem = stored({ pk: `CASE#${record.caseId}`, sk: 'WAIT#lifecycle', itemType: 'wait', token: 't', knownVersion: 1, waitFor: 'agent' });

  it('getCase returns the record without storage attributes', async () => {
    ddb.on(GetItemCommand).resolves({ Item: caseItem });
    await expect(store.getCase(record.caseId)).resolves.toEqual(record);
    expect(ddb.commandCalls(GetItemCommand)[0]!.args[0].input).toMatchObject({ ConsistentRead: true, Key: { pk: { S: `CASE#${record.caseId}` }, sk: { S: 'CASE' } } });
  });

  it('getCase is undefined for an unknown case', async () => {
    ddb.on(GetItemCommand).resolves({});
    await expect(store.getCase('nope')).resolves.toBeUndefined();
  });

  it('splits the case partition into record and events, ignoring notices and other items, across pages', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [caseItem, eventItem(1)], LastEvaluatedKey: { pk: { S: `CASE#${record.caseId}` }, sk: { S: 'EVENT#0000000001' } } })
      .resolvesOnce({ Items: [eventItem(2), noticeItem, waitItem] });
    const found = await store.getCaseWithTimeline(record.caseId);
    expect(found?.record).toEqual(record);
    expect(found?.events.map((e) => e.version)).toEqual([1, 2]);
    expect(found?.events[0]).toEqual(openedEvent);
    const calls = ddb.commandCalls(QueryCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input).toMatchObject({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `CASE#${record.caseId}` } } });
    expect(calls[1]!.args[0].input.ExclusiveStartKey).toEqual({ pk: { S: `CASE#${record.caseId}` }, sk: { S: 'EVENT#0000000001' } });
  });

  it('is undefined when the partition has no case item', async () => {
    ddb.on(QueryCommand).resolves({ Items: [noticeItem] });
    await expect(store.getCaseWithTimeline(record.caseId)).resolves.toBeUndefined();
  });
});

describe('DynamoCaseStore.caseIdsOpenedBetween', () => {

  it('reads each shard newest first across pages until enough ids matched, and merges the newest of all up to the limit', async () => {
    const at = (id: string, minute: number) => ({ caseId: { S: id }, gsi1sk: { S: `2026-11-25T10:${String(minute).padStart(2, '0')}:00.000Z#${id}` } });
    ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, { S: string }>; ExclusiveStartKey?: unknown }) => {
      const partition = input.ExpressionAttributeValues[':all']!.S;
      if (partition === 'CASES#1') return input.ExclusiveStartKey ? { Items: [at('c-4', 40), at('c-3', 30)] } : { Items: [at('c-5', 50)], LastEvaluatedKey: { pk: { S: 'x' } } };
      if (partition === 'CASES#2') return { Items: [at('c-6', 45), at('c-1', 10)] };
      return { Items: [] };
    });
    await expect(store.caseIdsOpenedBetween({ from: '2026-11-25T00', to: '2026-11-25T23', category: 'refund', limit: 3 })).resolves.toEqual(['c-5', 'c-6', 'c-4']);
    const calls = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(calls.filter((c) => c.ExpressionAttributeValues?.[':all']?.S === 'CASES#1')).toHaveLength(2);
    expect(new Set(calls.map((c) => c.ExpressionAttributeValues?.[':all']?.S))).toEqual(new Set(OPENED_PARTITIONS));
    expect(calls[0]).toMatchObject({
      IndexName: 'byOpened',
      ScanIndexForward: false,
      ExpressionAttributeValues: { ':from': { S: '2026-11-25T00' }, ':to': { S: '2026-11-25T23' }, ':category': { S: 'refund' } },
    });
  });
});

describe('DynamoCaseStore.findThread', () => {
  it('prefers the reference over Message-ID threading', async () => {
    ddb.on(BatchGetItemCommand).resolves({
      Responses: { [TABLE]: [item({ ...keys.messageId('a@x'), caseId: 'by-msgid' }), item({ ...keys.reference('TD-7K3Q9X'), caseId: 'by-ref' })] },
    });
    await expect(store.findThread({ reference: 'TD-7K3Q9X', messageIds: ['a@x'] })).resolves.toBe('by-ref');
    expect(ddb.commandCalls(BatchGetItemCommand)[0]!.args[0].input.RequestItems![TABLE]!.Keys).toEqual([
      { pk: { S: 'REF#TD-7K3Q9X' }, sk: { S: 'REF' } },
      { pk: { S: 'MSGID#a@x' }, sk: { S: 'MSGID' } },
    ]);
  });

  it('asks nothing when there is nothing to look up', async () => {
    await expect(store.findThread({ messageIds: [] })).resolves.toBeUndefined();
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('DynamoCaseStore notices and quarantine', () => {
  it('claimNotice puts a pending claim with a lease, which a sender may re-take once the lease ran out', async () => {
    ddb.on(PutItemCommand).resolves({});
    await expect(store.claimNotice('c-1', 'acknowledgement')).resolves.toBe(true);
    const input = ddb.commandCalls(PutItemCommand)[0]!.args[0].input;
    const item = unmarshall(input.Item!);
    expect(item).toMatchObject({ pk: 'CASE#c-1', sk: 'NOTICE#acknowledgement', status: 'pending' });
    expect(item.leaseUntil).toBe(Math.floor(Date.parse(item.claimedAt) / 1000) + 30);
    expect(input.ConditionExpression).toBe('attribute_not_exists(pk) OR (#status = :pending AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now))');
    expect(input.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });

  it('claimNotice is false when the notice was already sent (read back when the failure carries no item)', async () => {
    ddb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    ddb.on(GetItemCommand).resolves({ Item: marshall({ pk: 'CASE#c-1', sk: 'NOTICE#acknowledgement', status: 'sent' }) });
    await expect(store.claimNotice('c-1', 'acknowledgement')).resolves.toBe(false);
  });

  it('claimNotice rethrows other errors', async () => {
    ddb.on(PutItemCommand).rejects(new Error('network down'));
    await expect(store.claimNotice('c-1', 'acknowledgement')).rejects.toThrow('network down');
  });

  it('releaseNotice deletes only a pending claim and never fails the caller', async () => {
    ddb.on(DeleteItemCommand).rejects(new ConditionalCheckFailedException({ message: 'sent meanwhile', $metadata: {} }));
    await expect(store.releaseNotice('c-1', 'acknowledgement')).resolves.toBeUndefined();
    expect(ddb.commandCalls(DeleteItemCommand)[0]!.args[0].input).toMatchObject({
      Key: { pk: { S: 'CASE#c-1' }, sk: { S: 'NOTICE#acknowledgement' } },
      ConditionExpression: '#status = :pending',
    });
  });

  it('markNoticeSent records the provider id', async () => {
    ddb.on(UpdateItemCommand).resolves({});
    await store.markNoticeSent('c-1', 'acknowledgement', 'ses-123');
    const input = ddb.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(unmarshall(input.ExpressionAttributeValues!)).toMatchObject({ ':sent': 'sent', ':id': 'ses-123' });
  });

  it('quarantine stores the message under its id', async () => {
    ddb.on(PutItemCommand).resolves({});
    const quarantined = { messageId: 'm-1', mailFrom: 'x@y.z', kind: 'verdict' as const, reasons: ['spam'], mailKey: 'inbound/m-1', receivedAt: NOW.toISOString() };
    await store.quarantine(quarantined);
    expect(unmarshall(ddb.commandCalls(PutItemCommand)[0]!.args[0].input.Item!)).toMatchObject({
      pk: 'QUARANTINE#m-1',
      itemType: 'quarantine',
      reasons: ['spam'],
      mailKey: 'inbound/m-1',
    });
  });
});
