// Evidence on a new case (issue 12, "Performance"): how long from a web-form post to the case carrying its
// `evidence.gathered` change, with a ledger of `transactions` rows over `users` accounts written straight into the
// ledger table (BatchWriteItem, bench/ledger.ts: the bench's time goes on what it measures, not on loading). Each
// sample is a complaint from one of the ledger's viewers naming one of their transactions and an amount, so the
// gathering does every read it can: the window by user, the named ids, the receipts of the creators they sent gifts
// to (a few stars with thousands of receipts among them), the accounts on their cards and devices with their cases.
// Measured from just before the POST until a consistent GetItem of the case shows the evidence (polled every 10 ms),
// `inFlight` complaints at a time; the stream consumers run (the outbox gathers), as they must.
import type { LocalCloud } from '#local/cloud.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { storageClient } from './intake.ts';
import { ledgerFixture, writeStraight } from './ledger.ts';
import { seededRandom } from './reporting.ts';
import { percentile } from './local-cloud.ts';

export interface EvidenceFigures {
  /** Rows per second of the straight load (not a target: the bench's own set-up). */
  loadPerSecond: number;
  p50: number;
  p99: number;
  samples: number;
  /** Transactions the gatherings read, on average (from the evidence.gathered changes' `transactionsRead`). */
  transactionsRead: number;
  /**
   * Samples with a gift_not_received finding. Every gift in this ledger has its receipt, so each one is a false
   * finding: a star creator's receipts beyond the first rows of the window read are not seen (see SCALE.md).
   */
  falseGiftFindings: number;
}

export async function evidenceLatency(cloud: LocalCloud, o: { users: number; transactions: number; samples: number; inFlight?: number; warmUp?: number }): Promise<EvidenceFigures> {
  const client = storageClient(cloud);
  // What earlier parts left on the streams (thousands of intake posts) drains first: a sample must not queue behind it.
  await cloud.settle();
  const tag = `ev${Date.now().toString(36)}`;
  const { rows, viewers } = ledgerFixture(tag, { users: o.users, transactions: o.transactions, now: Date.now() });
  const loadPerSecond = await writeStraight(client, cloud.nameOf('LedgerTransactions'), rows);
  const named = new Map<string, { transactionId: string; amount: number }>();
  for (const t of rows) if (t.kind === 'coin_purchase' && !named.has(t.userId)) named.set(t.userId, { transactionId: t.transactionId, amount: t.amount });
  const store = new DynamoCaseStore(cloud.nameOf('StorageCases'), cloud.nameOf('StorageProfiles'), client);
  const rnd = seededRandom(99);
  const complainers = Array.from({ length: (o.warmUp ?? 5) + o.samples }, () => {
    for (;;) {
      const userId = viewers[Math.floor(rnd() * viewers.length)]!;
      const purchase = named.get(userId);
      if (purchase) return { userId, ...purchase };
    }
  });

  const one = async (c: (typeof complainers)[number], i: number): Promise<{ ms: number; read: number; falseGift: boolean }> => {
    const t0 = performance.now();
    const res = await fetch(`${cloud.urls.api}/inquiries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `${tag}-${i}` },
      body: JSON.stringify({
        email: `${c.userId}@bench.example`,
        userId: c.userId,
        subject: 'Charged but no coins',
        message: `I paid $${c.amount} for coins (${c.transactionId}) and nothing arrived in my wallet.`,
        transactionId: c.transactionId,
      }),
    });
    const body = (await res.json()) as { caseId?: string };
    if (res.status !== 201 || !body.caseId) throw new Error(`POST /inquiries → ${res.status}: ${JSON.stringify(body)}`);
    for (;;) {
      const record = await store.getCase(body.caseId);
      if (record?.evidence) {
        if (!record.evidence.transactionIds.includes(c.transactionId)) throw new Error(`the evidence of ${body.caseId} misses the named ${c.transactionId}`);
        const ms = performance.now() - t0;
        const gathered = (await store.getCaseWithTimeline(body.caseId))?.events.find((e) => e.type === 'evidence.gathered');
        return { ms, read: Number(gathered?.data.transactionsRead ?? 0), falseGift: record.evidence.findings.some((f) => f.code === 'gift_not_received') };
      }
      if (performance.now() - t0 > 60_000) throw new Error(`no evidence on ${body.caseId} after 60 s: is the outbox parking records?`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  const warmUp = o.warmUp ?? 5;
  for (let i = 0; i < warmUp; i++) await one(complainers[i]!, i);
  const latencies: number[] = [];
  const reads: number[] = [];
  let falseGiftFindings = 0;
  let next = warmUp;
  await Promise.all(
    Array.from({ length: o.inFlight ?? 2 }, async () => {
      for (let i = next++; i < complainers.length; i = next++) {
        const { ms, read, falseGift } = await one(complainers[i]!, i);
        latencies.push(ms);
        reads.push(read);
        if (falseGift) falseGiftFindings++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { loadPerSecond, p50: percentile(latencies, 50), p99: percentile(latencies, 99), samples: latencies.length, transactionsRead: reads.reduce((a, b) => a + b, 0) / reads.length, falseGiftFindings };
}
