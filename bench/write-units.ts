// DynamoDB write units of real calls, for the benchmarks. DynamoDB Local does not report consumed capacity
// for transactions, so the meter works them out as DynamoDB bills them: each item written costs 1 WCU per
// started KB of the larger of its size before and after the write, twice that inside TransactWriteItems.
// It reads every written item just before and just after the call (with a separate, unmetered client) and
// sizes it with DynamoDB's item-size rules (attribute names + values; numbers ≈ 1 byte per 2 digits + 1).
// Tallied in total and per table and partition key, which is what a hot partition is made of.
// Sequential callers only (the reads around a call assume no other writer touches its items meanwhile).
import { BatchGetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

type Item = Record<string, AttributeValue>;
type Key = { table: string; key: Item };

function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return Math.ceil(v.N.replace(/^-|\./g, '').replace(/^0+/, '').length / 2) + 1;
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS) return v.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (v.NS) return v.NS.reduce((n, s) => n + valueSize({ N: s }), 0);
  if (v.M) return 3 + Object.entries(v.M).reduce((n, [k, x]) => n + Buffer.byteLength(k) + valueSize(x) + 1, 0);
  if (v.L) return 3 + v.L.reduce((n, x) => n + valueSize(x) + 1, 0);
  return 0;
}

/** An item's size in bytes as DynamoDB counts it. */
export const itemSize = (item: Item | undefined): number => (item ? Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + valueSize(v), 0) : 0);

/** WCU of one item write: started KB of the larger image, at least 1; doubled in a transaction. */
export const writeUnits = (before: number, after: number, transactional: boolean) => Math.max(1, Math.ceil(Math.max(before, after) / 1024)) * (transactional ? 2 : 1);

export interface WriteTally {
  total: number;
  /** WCU per `${table}|${pk}`. */
  byPartition: Map<string, number>;
  /** Items written (an item in a transaction counts once). */
  items: number;
}

const keyOf = (table: string, item: Item | undefined, keyNames: string[]): Key | undefined => {
  if (!item) return undefined;
  const key: Item = {};
  for (const name of keyNames) if (item[name]) key[name] = item[name]!;
  return Object.keys(key).length === keyNames.length ? { table, key } : undefined;
};

/** The items a write call touches, and whether it is transactional. */
function writesOf(command: string, input: Record<string, unknown>, keyNames: string[]): { keys: Key[]; transactional: boolean } | undefined {
  const table = input.TableName as string | undefined;
  switch (command) {
    case 'PutItemCommand':
      return { keys: [keyOf(table!, input.Item as Item, keyNames)!].filter(Boolean), transactional: false };
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      return { keys: [{ table: table!, key: input.Key as Item }], transactional: false };
    case 'BatchWriteItemCommand': {
      const keys: Key[] = [];
      for (const [t, requests] of Object.entries(input.RequestItems as Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>)) {
        for (const r of requests) {
          const k = r.PutRequest ? keyOf(t, r.PutRequest.Item, keyNames) : r.DeleteRequest ? { table: t, key: r.DeleteRequest.Key } : undefined;
          if (k) keys.push(k);
        }
      }
      return { keys, transactional: false };
    }
    case 'TransactWriteItemsCommand': {
      const keys: Key[] = [];
      for (const t of input.TransactItems as Record<string, { TableName: string; Key?: Item; Item?: Item }>[]) {
        const op = t.Put ?? t.Update ?? t.Delete;
        if (!op) continue; // a ConditionCheck is billed as a read here: left out
        const k = op.Item ? keyOf(op.TableName, op.Item, keyNames) : { table: op.TableName, key: op.Key! };
        if (k) keys.push(k);
      }
      return { keys, transactional: true };
    }
    default:
      return undefined;
  }
}

async function sizes(raw: DynamoDBClient, keys: Key[]): Promise<number[]> {
  const out = new Map<string, number>();
  const id = (k: Key) => `${k.table}|${JSON.stringify(k.key)}`;
  const unique = [...new Map(keys.map((k) => [id(k), k])).values()];
  for (let i = 0; i < unique.length; i += 100) {
    let pending: Record<string, { Keys: Item[]; ConsistentRead: boolean }> = {};
    for (const k of unique.slice(i, i + 100)) (pending[k.table] ??= { Keys: [], ConsistentRead: true }).Keys.push(k.key);
    while (Object.keys(pending).length > 0) {
      const got = await raw.send(new BatchGetItemCommand({ RequestItems: pending }));
      for (const [table, items] of Object.entries(got.Responses ?? {})) {
        for (const item of items) {
          const match = unique.find((k) => k.table === table && Object.entries(k.key).every(([n, v]) => JSON.stringify(item[n]) === JSON.stringify(v)));
          if (match) out.set(id(match), itemSize(item));
        }
      }
      pending = (got.UnprocessedKeys ?? {}) as typeof pending;
    }
  }
  return keys.map((k) => out.get(id(k)) ?? 0);
}

/**
 * Meters every write `client` sends from now on into the returned tally. `raw` is a client on the same
 * endpoint that is not metered (the reads around each write go through it). Tables keyed by pk/sk.
 */
export function meterWrites(client: DynamoDBClient, raw: DynamoDBClient, keyNames: string[] = ['pk', 'sk']): WriteTally {
  const tally: WriteTally = { total: 0, byPartition: new Map(), items: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const writes = writesOf(context.commandName ?? '', args.input as Record<string, unknown>, keyNames);
      if (!writes || writes.keys.length === 0) return next(args);
      const before = await sizes(raw, writes.keys);
      const out = await next(args);
      const after = await sizes(raw, writes.keys);
      writes.keys.forEach((k, i) => {
        const wcu = writeUnits(before[i]!, after[i]!, writes.transactional);
        const partition = `${k.table}|${k.key.pk?.S ?? JSON.stringify(k.key)}`;
        tally.total += wcu;
        tally.items++;
        tally.byPartition.set(partition, (tally.byPartition.get(partition) ?? 0) + wcu);
      });
      return out;
    },
    { step: 'initialize', name: 'meterWriteUnits' },
  );
  return tally;
}
