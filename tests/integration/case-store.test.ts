// DynamoCaseStore against the local cloud's DynamoDB (the real DynamoDB Local): its conditions refuse,
// replay and retry as the CaseStore contract says. The scenarios run on a table of their own, made with
// the cases table's key schema and indexes but no stream, so they never reach the stream consumers.
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe } from 'vitest';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { caseStoreContract } from '../functions/case-store-contract.ts';
import { cloud, dynamo, unique } from './support.ts';

const table = unique('case-store-contract');

beforeAll(async () => {
  const { Table: cases } = await dynamo.send(new DescribeTableCommand({ TableName: cloud.casesTable }));
  await dynamo.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: cases!.KeySchema,
      AttributeDefinitions: cases!.AttributeDefinitions,
      BillingMode: 'PAY_PER_REQUEST',
      ...(cases!.GlobalSecondaryIndexes?.length && {
        GlobalSecondaryIndexes: cases!.GlobalSecondaryIndexes.map((i) => ({ IndexName: i.IndexName, KeySchema: i.KeySchema, Projection: i.Projection })),
      }),
    }),
  );
});

afterAll(async () => {
  await dynamo.send(new DeleteTableCommand({ TableName: table }));
});

describe('DynamoCaseStore keeps the CaseStore contract on DynamoDB', () => {
  caseStoreContract(() => new DynamoCaseStore(table, undefined, dynamo));
});
