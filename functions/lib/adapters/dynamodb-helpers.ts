// Patterns both DynamoDB adapters use: reading many keys in one round trip, and claiming a one-off
// action (an email) so that it happens once even when the code that does it is retried (at least once
// across a crash: see functions/lib/use-cases/notify.ts).
import {
  BatchGetItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
  type QueryCommandInput,
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
 * Every item a Query matches, page after page (DynamoDB stops a page at 1 MB or `Limit`). The one place
 * that follows `LastEvaluatedKey`: callers describe the query, not the loop.
 */
export async function queryAll(
  client: DynamoDBClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
  options: { stopAfter?: number } = {},
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    // Enough matched (a filtered query may need several pages to get there): stop reading.
    startKey = options.stopAfter !== undefined && items.length >= options.stopAfter ? undefined : page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Every item of a (small) table, page after page, read consistently: the agents and macros tables. */
export async function scanAll(client: DynamoDBClient, tableName: string): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** A claim someone else holds and may still be acting on: retry later. */
export class ClaimBusyError extends Error {
  override name = 'ClaimBusyError';
}

export interface ClaimTiming {
  /** How long a pending claim belongs to its taker: longer than any sender runs (functions time out first). */
  leaseSeconds: number;
  /** How long claim() waits on someone else's live claim before giving up with ClaimBusyError. */
  maxWaitMs: number;
  pollMs: number;
}

/**
 * The functions that send time out after 10 s, so a lease of 30 s outlives any live taker. A waiting
 * retry gives up after 7 s (inside its own 10 s); the retries around it (6 stream invocations, 7 workflow
 * attempts) add up to more than one lease, so a crashed taker's email is still sent.
 */
const DEFAULT_TIMING: ClaimTiming = { leaseSeconds: 30, maxWaitMs: 7_000, pollMs: 500 };

/**
 * A claim on a one-off action (an email): `pending` with a lease while its taker acts, `sent` when done.
 * A sent claim is never taken again. A pending one is taken again only once its lease ran out — its
 * taker crashed or timed out — so two live senders never act at once (at least once, never lost). Until
 * then claim() waits for the holder to finish (sent: false; given back: taken), and past maxWaitMs
 * throws ClaimBusyError so that the caller's retry comes back later.
 */
export class OneOffClaims {
  private readonly timing: ClaimTiming;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    timing: Partial<ClaimTiming> = {},
  ) {
    this.timing = { ...DEFAULT_TIMING, ...timing };
  }

  async claim(key: { pk: string; sk: string }, attributes: Record<string, unknown> = {}): Promise<boolean> {
    const started = Date.now();
    for (;;) {
      const now = new Date();
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: marshall(
              { ...key, ...attributes, status: 'pending', claimedAt: now.toISOString(), leaseUntil: Math.floor(now.getTime() / 1000) + this.timing.leaseSeconds },
              { removeUndefinedValues: true },
            ),
            // Claims from before leases have none: they count as run out.
            ConditionExpression: 'attribute_not_exists(pk) OR (#status = :pending AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now))',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':pending': { S: 'pending' }, ':now': { N: String(Math.floor(now.getTime() / 1000)) } },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return true;
      } catch (error) {
        if (!(error instanceof Error) || error.name !== 'ConditionalCheckFailedException') throw error;
        const held = (error as { Item?: Record<string, AttributeValue> }).Item ?? (await this.read(key));
        // Gone meanwhile (given back): take it on the next round.
        if (held && held.status?.S !== 'pending') return false;
        if (!held) continue;
        if (Date.now() - started >= this.timing.maxWaitMs) throw new ClaimBusyError(`${key.pk} ${key.sk} is being acted on`);
        await new Promise((resolve) => setTimeout(resolve, this.timing.pollMs));
      }
    }
  }

  private async read(key: { pk: string; sk: string }): Promise<Record<string, AttributeValue> | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(key), ConsistentRead: true }));
    return out.Item;
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

  /** Done without the action: never taken again. */
  async markWithheld(key: { pk: string; sk: string }, reason: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall(key),
        UpdateExpression: 'SET #status = :withheld, reason = :reason, withheldAt = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall({ ':withheld': 'withheld', ':reason': reason, ':at': new Date().toISOString() }),
      }),
    );
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
