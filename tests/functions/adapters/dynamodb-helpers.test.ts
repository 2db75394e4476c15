// One-off claims with a lease: a live taker is waited for, never doubled; a dead one's claim is taken over.
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ClaimBusyError, OneOffClaims, queryAll } from '#lib/adapters/dynamodb-helpers.ts';

const client = new DynamoDBClient({ region: 'us-east-1' });
const ddb = mockClient(client);
const KEY = { pk: 'CASE#c-1', sk: 'NOTICE#case.opened-1' };
const held = (status: string) => Object.assign(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }), { Item: marshall({ ...KEY, status }) });

let claims: OneOffClaims;
beforeEach(() => {
  ddb.reset();
  claims = new OneOffClaims(client, 'cases', { leaseSeconds: 30, maxWaitMs: 50, pollMs: 5 });
});

describe('OneOffClaims.claim', () => {
  it('takes a free claim', async () => {
    ddb.on(PutItemCommand).resolves({});
    await expect(claims.claim(KEY)).resolves.toBe(true);
  });

  it('waits while another taker holds it and answers false once that one sent', async () => {
    ddb.on(PutItemCommand).rejectsOnce(held('pending')).rejectsOnce(held('pending')).rejects(held('sent'));
    await expect(claims.claim(KEY)).resolves.toBe(false);
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(3);
  });

  it('takes it when the other taker gave it back or its lease ran out (the conditional put succeeds)', async () => {
    ddb.on(PutItemCommand).rejectsOnce(held('pending')).resolves({});
    await expect(claims.claim(KEY)).resolves.toBe(true);
  });

  it('gives up with ClaimBusyError while a live lease outlasts the wait, so the caller retries later', async () => {
    ddb.on(PutItemCommand).rejects(held('pending'));
    await expect(claims.claim(KEY)).rejects.toBeInstanceOf(ClaimBusyError);
  });

  it('reads the claim back when the failure carries no item, and retries if it is gone', async () => {
    ddb
      .on(PutItemCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }))
      .resolves({});
    ddb.on(GetItemCommand).resolves({});
    await expect(claims.claim(KEY)).resolves.toBe(true);
    expect(ddb.commandCalls(GetItemCommand)[0]!.args[0].input).toMatchObject({ ConsistentRead: true });
  });
});

describe('queryAll', () => {
  const page = (ids: string[], next?: string) => ({ Items: ids.map((id) => ({ pk: { S: id } })), ...(next && { LastEvaluatedKey: { pk: { S: next } } }) });

  it('follows LastEvaluatedKey until the last page, starting each page where the previous one stopped', async () => {
    ddb.on(QueryCommand).resolvesOnce(page(['a', 'b'], 'b')).resolvesOnce(page(['c'], 'c')).resolvesOnce(page(['d']));
    const items = await queryAll(client, { TableName: 'cases', KeyConditionExpression: 'pk = :pk' });
    expect(items.map((i) => i.pk?.S)).toEqual(['a', 'b', 'c', 'd']);
    const starts = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input.ExclusiveStartKey?.pk?.S);
    expect(starts).toEqual([undefined, 'b', 'c']);
  });

  it('stops reading once stopAfter items matched, even with pages left', async () => {
    ddb.on(QueryCommand).resolvesOnce(page([], 'x')).resolvesOnce(page(['a', 'b'], 'b')).resolvesOnce(page(['c']));
    const items = await queryAll(client, { TableName: 'cases', KeyConditionExpression: 'pk = :pk' }, { stopAfter: 2 });
    expect(items.map((i) => i.pk?.S)).toEqual(['a', 'b']);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(2);
  });
});
