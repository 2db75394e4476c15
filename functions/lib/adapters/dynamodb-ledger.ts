// The Ledger port on the ledger table (layout: ledger-layout.ts): one item per transaction keyed by its id,
// with `at` as the sort key of the user, instrument and device indexes, so every read is one GetItem or one Query however big the ledger grows. Idempotency is one conditional write:
// a transaction is put only when it is new or its status moves forward (STATUS_RANK, stored as `rank`), so a
// redelivered or late event never rewinds it and is told apart as a duplicate.
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { STATUS_RANK, type LedgerTransaction } from '#domain/ledger/transaction.ts';
import { queryAll } from './dynamodb-helpers.ts';
import { LEDGER_INDEX, ledgerSortKey } from './ledger-layout.ts';
import type { Ledger, LedgerEraser, RecordOutcome } from '../ports.ts';

type Item = Record<string, AttributeValue>;

/** How many conditional puts of an import run at once: enough to keep DynamoDB busy, few enough to stay polite. */
const IMPORT_CONCURRENCY = 32;

const FIELDS = ['transactionId', 'userId', 'kind', 'amount', 'currency', 'status', 'occurredAt', 'counterpartyUserId', 'instrument', 'deviceId', 'network', 'reason', 'expectedAt', 'relatedTransactionId'] as const;

export class DynamoLedger implements Ledger, LedgerEraser {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBClient = new DynamoDBClient({}),
  ) {}

  async record(transaction: LedgerTransaction): Promise<RecordOutcome> {
    const rank = STATUS_RANK[transaction.status];
    try {
      const out = await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ ...transaction, at: ledgerSortKey(transaction.occurredAt, transaction.transactionId), rank }, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(transactionId) OR #rank < :rank',
          ExpressionAttributeNames: { '#rank': 'rank' },
          ExpressionAttributeValues: { ':rank': { N: String(rank) } },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return out.Attributes ? 'updated' : 'recorded';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }

  async recordAll(transactions: LedgerTransaction[]): Promise<number> {
    let changed = 0;
    let next = 0;
    const worker = async () => {
      while (next < transactions.length) {
        const transaction = transactions[next++]!;
        if ((await this.record(transaction)) !== 'duplicate') changed++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(IMPORT_CONCURRENCY, transactions.length) }, worker));
    return changed;
  }

  async transaction(transactionId: string): Promise<LedgerTransaction | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall({ transactionId }) }));
    return out.Item ? fromItem(out.Item) : undefined;
  }

  /** Several transactions by id in one round trip (up to 100), in no particular order; unknown ids are left out. */
  async transactionsById(transactionIds: string[]): Promise<LedgerTransaction[]> {
    if (transactionIds.length === 0) return [];
    const keys = [...new Set(transactionIds)].slice(0, 100).map((transactionId) => marshall({ transactionId }));
    const out = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }));
    return (out.Responses?.[this.tableName] ?? []).map(fromItem);
  }

  async transactionsOf(userId: string, window: { from: string; to: string; limit: number; keep?: 'oldest' | 'newest' }): Promise<LedgerTransaction[]> {
    const newest = window.keep === 'newest';
    const rows = await this.query(LEDGER_INDEX.byUser, 'userId', userId, window.limit, !newest, { from: `${window.from}#`, to: `${window.to}#\uffff` });
    return newest ? rows.reverse() : rows;
  }

  async transactionsOnInstrument(instrument: string, limit: number): Promise<LedgerTransaction[]> {
    return this.query(LEDGER_INDEX.byInstrument, 'instrument', instrument, limit, false);
  }

  async transactionsOnDevice(deviceId: string, limit: number): Promise<LedgerTransaction[]> {
    return this.query(LEDGER_INDEX.byDevice, 'deviceId', deviceId, limit, false);
  }

  /**
   * An erasure: every transaction of the user out of trustdesk's copy of the ledger (the payment systems keep
   * theirs under their own legal basis). Every page of the user's index partition (queryAll), deleted 25 at a time, the
   * unprocessed rest tried again with a growing pause; how many were deleted. A second call finds none.
   */
  async forgetUser(userId: string): Promise<number> {
    const theirs = await queryAll(this.client, {
      TableName: this.tableName,
      IndexName: LEDGER_INDEX.byUser,
      KeyConditionExpression: 'userId = :user',
      ExpressionAttributeValues: { ':user': { S: userId } },
      ProjectionExpression: 'transactionId',
    });
    const deletes = theirs.map((item): WriteRequest => ({ DeleteRequest: { Key: { transactionId: item.transactionId! } } }));
    for (let i = 0; i < deletes.length; i += 25) await this.writeAll(deletes.slice(i, i + 25));
    return deletes.length;
  }

  /** One BatchWriteItem, its unprocessed items sent again (after 50, 100, 200… ms) until none is left. */
  private async writeAll(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** (attempt - 1), 2_000)));
      const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }));
      pending = out.UnprocessedItems?.[this.tableName] ?? [];
    }
  }

  /** One Query on an index (a page of at most `limit`, which the callers keep small). */
  private async query(index: string, key: string, value: string, limit: number, oldestFirst: boolean, between?: { from: string; to: string }): Promise<LedgerTransaction[]> {
    if (limit <= 0) return [];
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index,
        KeyConditionExpression: between ? '#key = :value AND #at BETWEEN :from AND :to' : '#key = :value',
        ExpressionAttributeNames: { '#key': key, ...(between && { '#at': 'at' }) },
        ExpressionAttributeValues: { ':value': { S: value }, ...(between && { ':from': { S: between.from }, ':to': { S: between.to } }) },
        ScanIndexForward: oldestFirst,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map(fromItem);
  }
}

function fromItem(item: Item): LedgerTransaction {
  const raw = unmarshall(item) as Record<string, unknown>;
  const transaction: Record<string, unknown> = {};
  for (const field of FIELDS) if (raw[field] !== undefined) transaction[field] = raw[field];
  return transaction as unknown as LedgerTransaction;
}
