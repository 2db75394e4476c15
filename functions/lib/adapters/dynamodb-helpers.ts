// Patterns both DynamoDB adapters use: reading many keys in one round trip, and claiming a one-off
// action (an email) so that it happens once even when the code that does it is retried.
import {
  BatchGetItemCommand,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';

type Item = Record<string, AttributeValue>;

/**
 * Every item of `keys` across tables — in ONE round trip when they fit (100 keys a request) — asking again
 * for keys DynamoDB left unprocessed.
 */
export async function batchGetAll(client: DynamoDBClient, request: Record<string, KeysAndAttributes>): Promise<Record<string, Item[]>> {
  const found: Record<string, Item[]> = {};
  const queue: Record<string, KeysAndAttributes>[] = [];
  let current: Record<string, KeysAndAttributes> = {};
  let size = 0;
  for (const [table, spec] of Object.entries(request)) {
    for (const key of spec.Keys ?? []) {
      if (size === 100) {
        queue.push(current);
        current = {};
        size = 0;
      }
      (current[table] ??= { ...spec, Keys: [] }).Keys!.push(key);
      size++;
    }
  }
  if (size > 0) queue.push(current);
  for (const first of queue) {
    let pending: Record<string, KeysAndAttributes> | undefined = first;
    for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
      if (attempt > 6) throw new Error('DynamoDB kept keys unprocessed after 7 attempts');
      const out: BatchGetItemCommandOutput = await client.send(new BatchGetItemCommand({ RequestItems: pending }));
      for (const [table, items] of Object.entries(out.Responses ?? {})) (found[table] ??= []).push(...items);
      // Ask again with the original options (consistent reads, projections) for the keys left over.
      const leftover = Object.entries(out.UnprocessedKeys ?? {}).filter(([, spec]) => (spec.Keys?.length ?? 0) > 0);
      pending = leftover.length > 0 ? Object.fromEntries(leftover.map(([table, spec]) => [table, { ...request[table], Keys: spec.Keys }])) : undefined;
    }
  }
  return found;
}

/**
 * A claim on a one-off action: `pending` while it runs, `sent` when done. A pending claim left by a crash
 * mid-action may be taken again (at least once beats never); a sent one never.
 */
export class OneOffClaims {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(key: { pk: string; sk: string }, attributes: Record<string, unknown> = {}): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ ...key, ...attributes, status: 'pending', claimedAt: new Date().toISOString() }, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(pk) OR #status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': { S: 'pending' } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** Give a pending claim back (the action failed), so a retry can take it. */
  async release(key: { pk: string; sk: string }): Promise<void> {
    await this.client
      .send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall(key),
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': { S: 'pending' } },
        }),
      )
      .catch(() => undefined);
  }

  async markSent(key: { pk: string; sk: string }, providerId: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(key),
        UpdateExpression: 'SET #status = :sent, providerId = :id, sentAt = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall({ ':sent': 'sent', ':id': providerId, ':at': new Date().toISOString() }),
      }),
    );
  }
}
