// The busiest DynamoDB partition at 10× the normal peak hour and at 100× for one hour (issue 15 point 4).
//
// MEASURED: `sample` new inquiries posted through the bench's local cloud (web intake → outbox →
// aggregator, with the stream consumers running as deployed), every DynamoDB write the functions make
// seen by the local cloud's DynamoDB proxy (onDynamoDbRequest). Each write is billed as DynamoDB bills it:
// 1 WCU per started KB of the item (taken at its size after the run: items here only grow), twice in a
// transaction, plus 1 write per started KB of the projected item in each GSI whose key the item carries
// (an item's index entry lives in the index's own partition, keyed by the index's partition key).
// SCALED: WCU per new case on each partition key × the new-case rate of the load (SCALE.md's table: the
// spike hour of a 10× day is 57.9 new cases/s, of a 100× day 579/s). A key only one case writes (its
// case, its events, its idempotency key) does not grow with the rate: its figure is that case's own burst,
// at most its WCU within the second it is opened. Later changes of the sample cases (replies, resolutions)
// are not in the sample: they come at the day's average rate, a tenth of the spike's (SCALE.md).
// The keys are reported by shape (ids replaced), so a sharded key shows as one shape with its busiest shard.
import { DescribeTableCommand, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { isObj, list } from '#local/dynamodb-tables.ts';
import { benchCloud } from './local-cloud.ts';
import { storageClient } from './intake.ts';
import { itemSize } from './write-units.ts';

type Item = Record<string, AttributeValue>;

/** The new-case rates the issue asks about: 10× and 100× a normal day's spike hour (SCALE.md's load table). */
export const SPIKE_RATES = { '10×': 57.9, '100×': 579 } as const;
export const PARTITION_WCU = 1000;

const CATEGORIES = ['gifts_coins', 'refund', 'payment_dispute', 'account_access', 'payout', 'unauthorized_charge', 'fraud_scam', 'safety', 'other'];

interface Write {
  table: string;
  key: Item;
  /** Put's item (its size is known at the call). */
  item?: Item;
  transactional: boolean;
}

function writesOf(target: string, body: unknown): Write[] {
  if (!isObj(body)) return [];
  const op = target.split('.').at(-1);
  const keyOf = (item: Item): Item => ({ pk: item.pk!, ...(item.sk && { sk: item.sk }) });
  switch (op) {
    case 'PutItem':
      return [{ table: String(body.TableName), key: keyOf(body.Item as Item), item: body.Item as Item, transactional: false }];
    case 'UpdateItem':
    case 'DeleteItem':
      return [{ table: String(body.TableName), key: body.Key as Item, transactional: false }];
    case 'BatchWriteItem':
      return Object.entries(isObj(body.RequestItems) ? body.RequestItems : {}).flatMap(([table, requests]) =>
        list(requests).flatMap((r): Write[] => {
          if (!isObj(r)) return [];
          if (isObj(r.PutRequest)) return [{ table, key: keyOf(r.PutRequest.Item as Item), item: r.PutRequest.Item as Item, transactional: false }];
          if (isObj(r.DeleteRequest)) return [{ table, key: r.DeleteRequest.Key as Item, transactional: false }];
          return [];
        }),
      );
    case 'TransactWriteItems':
      return list(body.TransactItems).flatMap((t): Write[] => {
        if (!isObj(t)) return [];
        const w = (t.Put ?? t.Update ?? t.Delete) as Record<string, unknown> | undefined;
        if (!w) return [];
        return [{ table: String(w.TableName), key: w.Item ? keyOf(w.Item as Item) : (w.Key as Item), ...(w.Item ? { item: w.Item as Item } : {}), transactional: true }];
      });
    default:
      return [];
  }
}

/** A key's shape: the parts that name one case, event, person or message replaced, the rest (days, hours, shards, categories) kept. */
export function keyShape(pk: string): string {
  return pk
    .split('#')
    .map((part) => (/^\d{4}-\d{2}-\d{2}/.test(part) ? '<day…>' : /[0-9a-f]{8}-|^[0-9A-Z]{20,}$|@|^TD-|^\d{6,}$|^[A-Za-z0-9_-]{22,}$|^ses-|^<|[0-9a-f]{16,}/.test(part) ? '<id>' : part))
    .join('#');
}

export interface PartitionLoad {
  shape: string;
  /** Cases of the sample that wrote the busiest key of this shape. */
  writers: number;
  /** WCU per new case on the busiest key of this shape (over the sample). */
  wcuPerCase: number;
  /** WCU/s on that key at each spike rate (a per-case key stays at its own burst). */
  atRate: Record<keyof typeof SPIKE_RATES, number>;
}

export async function busiestPartitions(opts: { sample: number }): Promise<{ loads: PartitionLoad[]; sample: number; writes: number }> {
  const writes: Write[] = [];
  const { cloud } = await benchCloud({ onDynamoDbRequest: (target, body) => writes.push(...writesOf(target, body)) });
  try {
    const tag = `part${Date.now().toString(36)}`;
    const t0 = performance.now();
    // Posted 8 at a time, a mix of categories: the aggregator sees full batches, as it does in a spike.
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < opts.sample; i = next++) {
          const res = await fetch(`${cloud.urls.api}/inquiries`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: `${tag}-${i}@example.com`, subject: `Problem #${i}`, message: 'My coins never arrived after I paid.', category: CATEGORIES[i % CATEGORIES.length] }),
          });
          if (res.status !== 201) throw new Error(`POST /inquiries → ${res.status}: ${await res.text()}`);
          await res.arrayBuffer();
        }
      }),
    );
    const posted = performance.now();
    await cloud.settle();
    if (process.env.BENCH_VERBOSE) console.error(`partitions: posted in ${Math.round(posted - t0)} ms, settled in ${Math.round(performance.now() - posted)} ms`);

    // Sizes after the run, GSI keys from the template's tables.
    const client = storageClient(cloud);
    const indexes = new Map<string, { name: string; pk: string }[]>();
    for (const table of new Set(writes.map((w) => w.table))) {
      const described = await client.send(new DescribeTableCommand({ TableName: table }));
      indexes.set(
        table,
        (described.Table?.GlobalSecondaryIndexes ?? []).map((g) => ({ name: g.IndexName!, pk: g.KeySchema!.find((k) => k.KeyType === 'HASH')!.AttributeName! })),
      );
    }
    const finals = new Map<string, Item | undefined>();
    const id = (w: Write) => `${w.table}|${JSON.stringify(w.key)}`;
    const unique = [...new Map(writes.map((w) => [id(w), w])).values()];
    for (let i = 0; i < unique.length; i += 32) {
      await Promise.all(
        unique.slice(i, i + 32).map(async (w) => {
          const got = await client.send(new GetItemCommand({ TableName: w.table, Key: w.key, ConsistentRead: true }));
          finals.set(id(w), got.Item);
        }),
      );
    }
    client.destroy();
    const byKey = new Map<string, number>();
    const add = (key: string, wcu: number) => byKey.set(key, (byKey.get(key) ?? 0) + wcu);
    for (const w of writes) {
      const final = finals.get(id(w)) ?? w.item;
      const kb = Math.max(1, Math.ceil(Math.max(itemSize(final), itemSize(w.item)) / 1024));
      add(`${w.table}|${w.key.pk?.S}`, kb * (w.transactional ? 2 : 1));
      for (const gsi of indexes.get(w.table) ?? []) {
        const value = final?.[gsi.pk]?.S;
        if (value) add(`${w.table}.${gsi.name}|${value}`, kb);
      }
    }
    // Per shape, its busiest key.
    const shapes = new Map<string, { key: string; wcu: number }>();
    for (const [key, wcu] of byKey) {
      const [where, pk] = [key.slice(0, key.indexOf('|')), key.slice(key.indexOf('|') + 1)];
      const shape = `${where.replace(/^Storage|^Reporting/, '').replace(/[0-9A-F]{8}$/, '')} ${keyShape(pk)}`;
      if ((shapes.get(shape)?.wcu ?? -1) < wcu) shapes.set(shape, { key, wcu });
    }
    // A shape with an id in it is one case's (or requester's, message's) own key: it does not grow with the rate.
    const writersOf = (shape: string) => (shape.includes('<id>') ? 1 : opts.sample);
    const loads = [...shapes].map(([shape, { wcu }]): PartitionLoad => {
      const writers = writersOf(shape);
      const wcuPerCase = wcu / opts.sample;
      const atRate = Object.fromEntries(
        Object.entries(SPIKE_RATES).map(([name, rate]) => [name, writers === 1 ? wcu : wcuPerCase * rate]),
      ) as PartitionLoad['atRate'];
      return { shape, writers, wcuPerCase: writers === 1 ? wcu : wcuPerCase, atRate };
    });
    loads.sort((a, b) => b.atRate['100×'] - a.atRate['100×']);
    return { loads, sample: opts.sample, writes: writes.length };
  } finally {
    await cloud.stop();
  }
}
