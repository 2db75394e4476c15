// The DynamoDB adapters' shared patterns: one-off claims with a lease (a live taker is waited for, never
// doubled; a dead one's claim is taken over) and a Query followed to its last page.
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
  const row = (n: number) => ({ pk: { S: 'P' }, sk: { S: `S#${n}` } });
  const query = { TableName: 'cases', KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'P' } } };

  it('follows LastEvaluatedKey to the last page and keeps every item in order', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [row(1), row(2)], LastEvaluatedKey: row(2) })
      .resolvesOnce({ Items: [], LastEvaluatedKey: row(2) }) // a filtered page can match nothing and still go on
      .resolvesOnce({ Items: [row(3)] });
    await expect(queryAll(client, query)).resolves.toEqual([row(1), row(2), row(3)]);
    const calls = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.ExclusiveStartKey)).toEqual([undefined, row(2), row(2)]);
    for (const c of calls) expect(c).toMatchObject(query);
  });

  it('stops reading once stopAfter items matched', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [row(1)], LastEvaluatedKey: row(1) })
      .resolvesOnce({ Items: [row(2), row(3)], LastEvaluatedKey: row(3) })
      .resolves({ Items: [row(9)] });
    await expect(queryAll(client, query, { stopAfter: 2 })).resolves.toEqual([row(1), row(2), row(3)]);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(2);
  });
});
