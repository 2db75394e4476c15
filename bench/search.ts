// Search by each exact key (GET /cases?q=) with a big table: `cases` cases written straight into the cases
// table (the items intake's transaction writes for search — case, reference, search keys — in BatchWriteItem,
// not through the API, to keep the bench's time), then `samples` searches per key through the local API,
// sequential, after a warm-up. The stream consumers are held meanwhile: the bulk load is not traffic.
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { openCase } from '#domain/intake.ts';
import type { LocalCloud } from '#local/cloud.ts';
import { caseItem, keys, searchKeysOf, toItem, type Item } from '#lib/adapters/dynamodb-intake.ts';
import { newCaseId, newReference } from '#lib/ids.ts';
import { policies } from '#lib/policies.ts';
import { storageClient } from './intake.ts';
import { percentile } from './local-cloud.ts';

export const SEARCH_KEYS = ['reference', 'caseId', 'email', 'userId', 'transactionId'] as const;

/** The items that find a case, as intake writes them. */
function itemsOf(tag: string, i: number): { items: Item[]; terms: Record<(typeof SEARCH_KEYS)[number], string> } {
  const email = `${tag}-${i}@bench.example`;
  const { record } = openCase(
    { channel: 'web', requester: { email, userId: `${tag}-user-${i}` }, subject: 'Coins missing', message: 'My coins did not arrive.', transactionId: `${tag}-txn-${i}` },
    { caseId: newCaseId(), reference: newReference(), now: new Date(), priorComplaints: [], policies },
  );
  const items = [caseItem(record), toItem({ ...keys.reference(record.reference), itemType: 'reference', caseId: record.caseId }), ...searchKeysOf(record).map((k) => toItem({ ...k, itemType: 'search-key', caseId: record.caseId }))];
  return { items, terms: { reference: record.reference, caseId: record.caseId, email, userId: record.requester.userId!, transactionId: record.transactionId! } };
}

export async function searchLatency(cloud: LocalCloud, opts: { cases: number; samples: number; inFlight?: number }): Promise<Record<(typeof SEARCH_KEYS)[number], { p50: number; p99: number }>> {
  const client = storageClient(cloud);
  const table = cloud.nameOf('StorageCases');
  const tag = `search-${Date.now().toString(36)}`;
  const wanted = new Map<number, Record<(typeof SEARCH_KEYS)[number], string>>();
  const every = Math.max(1, Math.floor(opts.cases / opts.samples));
  cloud.pauseStreams();
  let next = 0;
  const writer = async () => {
    while (next < opts.cases) {
      const batch: Item[] = [];
      // 25 writes a BatchWriteItem: 6 cases of 4 items.
      for (let k = 0; k < 6 && next < opts.cases; k++) {
        const i = next++;
        const { items, terms } = itemsOf(tag, i);
        if (i % every === 0) wanted.set(i, terms);
        batch.push(...items);
      }
      let unprocessed: Item[] = batch;
      while (unprocessed.length > 0) {
        const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: unprocessed.map((Item) => ({ PutRequest: { Item } })) } }));
        unprocessed = (out.UnprocessedItems?.[table] ?? []).map((r) => r.PutRequest!.Item!);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.inFlight ?? 16 }, writer));
  const token = ((await (await fetch(`${cloud.urls.api}/local/token?role=agent`)).json()) as { token: string }).token;
  const search = async (q: string) => {
    const res = await fetch(`${cloud.urls.api}/cases?${new URLSearchParams({ q })}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { items?: unknown[] };
    if (res.status !== 200 || body.items?.length !== 1) throw new Error(`search for a ${q} answered ${res.status} with ${body.items?.length ?? 0} cases`);
  };
  const terms = [...wanted.values()];
  for (const t of terms.slice(0, 20)) await search(t.reference); // warm-up
  const result = {} as Record<(typeof SEARCH_KEYS)[number], { p50: number; p99: number }>;
  for (const key of SEARCH_KEYS) {
    const latencies: number[] = [];
    for (const t of terms) {
      const t0 = performance.now();
      await search(t[key]);
      latencies.push(performance.now() - t0);
    }
    latencies.sort((a, b) => a - b);
    result[key] = { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  }
  return result;
}
