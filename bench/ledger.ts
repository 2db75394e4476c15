// The ledger's two ways in against the storage floor, on the same DynamoDB Local (issue 12, "Performance"):
//   floor   — the rows written straight into the ledger table with BatchWriteItem (25 a call, 16 in flight): the
//             most any way in could reach here, since it skips validation, idempotency and every hop
//   import  — one JSONL file of the same number of rows put under imports/ of the imports bucket: the bucket's
//             notification → the ledger-import function (every row validated, then conditional puts), until its report
//   bus     — the rows as transaction events, PutEvents to `trustdesk-ledger` (10 a call, 8 in flight) → the rule →
//             the ledger-ingest function, one event at a time, until the local cloud has settled every delivery
// Each as rows per second and as a ratio to the floor (target ≥ 0.7). Fresh rows per run (a unique tag), so no
// way in meets rows it has seen. Also the straight loader the evidence bench uses for its 200k-row ledger.
// The rows are shaped like the demo's (scripts/demo-month.ts): coin purchases, gifts with their receipts,
// subscriptions and payouts, over a population with a few star creators whose receipts pile up.
import { BatchWriteItemCommand, GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { marshall } from '@aws-sdk/util-dynamodb';
import { LEDGER_DETAIL_TYPES, LEDGER_EVENT_SOURCE, STATUS_RANK, type LedgerTransaction } from '#domain/ledger/transaction.ts';
import type { LocalCloud } from '#local/cloud.ts';
import { ledgerSortKey } from '#lib/adapters/ledger-layout.ts';
import { loadLedgerFile } from '../scripts/ledger-load.ts';
import { storageClient } from './intake.ts';
import { seededRandom } from './reporting.ts';

const DAY_MS = 86_400_000;
const COIN_PACKS = [0.99, 4.99, 9.99, 19.99, 49.99, 99.99];
const NETWORKS = ['visa', 'mastercard', 'amex', 'discover', 'apple', 'google', 'paypal'] as const;

export interface LedgerFixture {
  rows: LedgerTransaction[];
  /** Viewers (not creators), who complain in the evidence bench. */
  viewers: string[];
}

/**
 * `transactions` rows over `users` accounts in the `days` before `now`: one creator in 40 (the first 5 of them
 * stars receiving a fifth of all gifts), two accounts in 50 sharing a card, everyone on a device of their own.
 * Ids carry the tag and keep every digit run short of a card number's 13 (the ledger refuses those).
 */
export function ledgerFixture(tag: string, o: { users: number; transactions: number; now: number; days?: number; seed?: number }): LedgerFixture {
  const rnd = seededRandom(o.seed ?? 12);
  const days = o.days ?? 30;
  const user = (i: number) => `u_${tag}_${i}`;
  const isCreator = (i: number) => i % 40 === 0;
  const creators = Array.from({ length: Math.ceil(o.users / 40) }, (_, k) => k * 40);
  const viewers = Array.from({ length: o.users }, (_, i) => i).filter((i) => !isCreator(i));
  const instrument = (i: number) => `fp_${tag}_${i % 50 === 1 ? i - 1 : i}`;
  const device = (i: number) => `dev_${tag}_${i}`;
  const rows: LedgerTransaction[] = [];
  let serial = 0;
  const id = () => `tx_${tag}_${++serial}`;
  while (rows.length < o.transactions) {
    const at = new Date(o.now - Math.floor(rnd() * days * DAY_MS)).toISOString();
    const v = viewers[Math.floor(rnd() * viewers.length)]!;
    const kind = rnd();
    if (kind < 0.5) {
      rows.push({ transactionId: id(), userId: user(v), kind: 'coin_purchase', amount: COIN_PACKS[Math.floor(rnd() * COIN_PACKS.length)]!, currency: 'USD', status: 'succeeded', occurredAt: at, instrument: instrument(v), deviceId: device(v), network: NETWORKS[v % NETWORKS.length]! });
    } else if (kind < 0.85) {
      const c = rnd() < 0.2 ? creators[Math.floor(rnd() * 5)]! : creators[Math.floor(rnd() * creators.length)]!;
      const amount = Math.round((1 + rnd() * 40) * 100) / 100;
      const sent = id();
      rows.push({ transactionId: sent, userId: user(v), kind: 'gift_sent', amount, currency: 'USD', status: 'succeeded', occurredAt: at, counterpartyUserId: user(c), deviceId: device(v) });
      rows.push({ transactionId: id(), userId: user(c), kind: 'gift_received', amount, currency: 'USD', status: 'succeeded', occurredAt: at, counterpartyUserId: user(v), relatedTransactionId: sent });
    } else if (kind < 0.95) {
      rows.push({ transactionId: id(), userId: user(v), kind: 'subscription', amount: 4.99, currency: 'USD', status: 'succeeded', occurredAt: at, instrument: instrument(v), network: NETWORKS[v % NETWORKS.length]! });
    } else {
      const c = creators[Math.floor(rnd() * creators.length)]!;
      rows.push({ transactionId: id(), userId: user(c), kind: 'payout', amount: Math.round((50 + rnd() * 900) * 100) / 100, currency: 'USD', status: rnd() < 0.1 ? 'pending' : 'succeeded', occurredAt: at, expectedAt: new Date(Date.parse(at) + 3 * DAY_MS).toISOString() });
    }
  }
  return { rows: rows.slice(0, o.transactions), viewers: viewers.map(user) };
}

/** A row as the ledger adapter stores it (dynamodb-ledger.ts: the transaction, its index sort key `at`, its status `rank`). */
export const ledgerItem = (t: LedgerTransaction): Record<string, AttributeValue> =>
  marshall({ ...t, at: ledgerSortKey(t.occurredAt, t.transactionId), rank: STATUS_RANK[t.status] }, { removeUndefinedValues: true });

/** BatchWriteItem, 25 rows a call, `inFlight` calls at a time, unprocessed items sent again; rows per second. */
export async function writeStraight(client: DynamoDBClient, table: string, rows: LedgerTransaction[], inFlight = 16): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const writer = async () => {
    while (next < rows.length) {
      const batch = rows.slice(next, next + 25);
      next += 25;
      let pending = batch.map((t) => ({ PutRequest: { Item: ledgerItem(t) } }));
      while (pending.length > 0) {
        const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
        pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, writer));
  return (rows.length / (performance.now() - t0)) * 1000;
}

async function assertStored(client: DynamoDBClient, table: string, rows: LedgerTransaction[], how: string): Promise<void> {
  for (let i = 0; i < rows.length; i += Math.max(1, Math.floor(rows.length / 20))) {
    const out = await client.send(new GetItemCommand({ TableName: table, Key: { transactionId: { S: rows[i]!.transactionId } }, ConsistentRead: true }));
    if (!out.Item) throw new Error(`${how}: ${rows[i]!.transactionId} is not in the ledger`);
  }
}

export interface IngestionFigures {
  floor: number[];
  import: number[];
  bus: number[];
}

export async function ledgerIngestion(cloud: LocalCloud, o: { rows: number; repeats: number }): Promise<IngestionFigures> {
  const dynamo = storageClient(cloud);
  const table = cloud.nameOf('LedgerTransactions');
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const s3 = new S3Client({ region: 'us-east-1', endpoint: cloud.urls.s3, forcePathStyle: true, credentials });
  const bus = new EventBridgeClient({ region: 'us-east-1', endpoint: cloud.urls.events, credentials });
  const bucket = cloud.nameOf('LedgerImportBucket');
  const base = Date.now().toString(36);
  const fresh = (way: string, r: number) => ledgerFixture(`${base}${way}${r}`, { users: 2_000, transactions: o.rows, now: Date.now(), seed: r + 1 }).rows;

  const ways = {
    floor: async (rows: LedgerTransaction[], _name: string) => writeStraight(dynamo, table, rows),
    import: async (rows: LedgerTransaction[], name: string) => {
      const t0 = performance.now();
      const { report } = await loadLedgerFile({ s3, bucket, name: `${name}.jsonl`, body: new TextEncoder().encode(rows.map((t) => JSON.stringify(t)).join('\n')), pollMs: 20, timeoutMs: 5 * 60_000 });
      const perSecond = (rows.length / (performance.now() - t0)) * 1000;
      if (report.status !== 'imported' || report.recorded !== rows.length) throw new Error(`the import of ${name} reported ${JSON.stringify(report)}`);
      return perSecond;
    },
    bus: async (rows: LedgerTransaction[], _name: string) => {
      const t0 = performance.now();
      let next = 0;
      const publisher = async () => {
        while (next < rows.length) {
          const batch = rows.slice(next, next + 10);
          next += 10;
          const out = await bus.send(
            new PutEventsCommand({ Entries: batch.map((t) => ({ EventBusName: 'trustdesk-ledger', Source: LEDGER_EVENT_SOURCE, DetailType: LEDGER_DETAIL_TYPES[t.status], Detail: JSON.stringify(t) })) }),
          );
          if (out.FailedEntryCount) throw new Error(`PutEvents refused ${out.FailedEntryCount} entries`);
        }
      };
      await Promise.all(Array.from({ length: 8 }, publisher));
      await cloud.settle(); // every delivery handled: the rows are in the ledger
      return (rows.length / (performance.now() - t0)) * 1000;
    },
  };
  const figures: IngestionFigures = { floor: [], import: [], bus: [] };
  // Warm the functions and the table first: a cold bundle import is not ingestion.
  for (const way of ['floor', 'import', 'bus'] as const) await ways[way](fresh(`w${way}`, 0).slice(0, 200), `bench-${base}-warm`);
  for (let r = 0; r < o.repeats; r++) {
    // Alternate the order so drift (a growing table, a warming JIT) favours none of them.
    for (const way of r % 2 === 0 ? (['floor', 'import', 'bus'] as const) : (['bus', 'import', 'floor'] as const)) {
      const rows = fresh(way, r);
      figures[way].push(await ways[way](rows, `bench-${base}-${r}`));
      await assertStored(dynamo, table, rows, way);
    }
  }
  return figures;
}
