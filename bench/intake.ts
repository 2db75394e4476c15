// Intake against its storage ceiling, on the same DynamoDB Local and at the same concurrency:
//   intake  — POST /inquiries through the local API (HTTP adapter → bundled handler → DynamoDB)
//   floor   — exactly the DynamoDB calls one new inquiry makes (1 BatchGetItem + 1 TransactWriteItems),
//             issued directly with no HTTP and no handler
//   putItem — one raw PutItem of a case-sized item
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { openCase, rememberComplaint } from '#domain/intake.ts';
import type { LocalCloud } from '#local/cloud.ts';
import { DynamoCaseStore } from '#lib/adapters/dynamodb.ts';
import { newCaseId, newReference } from '#lib/ids.ts';
import { policies } from '#lib/policies.ts';
import { percentile } from './local-cloud.ts';

export interface RunFigures {
  perSecond: number;
  p50: number;
  p99: number;
}

/** `total` operations with `inFlight` at a time; latency of each and the overall rate. */
export async function run(total: number, inFlight: number, op: (i: number) => Promise<void>): Promise<RunFigures> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let i = next++; i < total; i = next++) {
        const start = performance.now();
        await op(i);
        latencies.push(performance.now() - start);
      }
    }),
  );
  const elapsed = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  return { perSecond: (total / elapsed) * 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const inquiry = (tag: string, i: number) => ({
  email: `${tag}-${i}@example.com`,
  subject: `Coins missing after purchase #${i}`,
  message: 'I bought 500 coins with my card yesterday and they never arrived in my wallet.',
  amount: 4.99,
  currency: 'USD',
});

export function intakeOp(cloud: LocalCloud, tag: string) {
  return async (i: number) => {
    const res = await fetch(`${cloud.urls.api}/inquiries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(inquiry(tag, i)) });
    if (res.status !== 201) throw new Error(`POST /inquiries → ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  };
}

export function storageClient(cloud: LocalCloud): DynamoDBClient {
  return new DynamoDBClient({ region: 'us-east-1', endpoint: cloud.urls.dynamodb, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/** The store's own calls for one new inquiry, counted by an SDK middleware. */
export function floorOp(cloud: LocalCloud, tag: string, calls: { count: number }) {
  const client = storageClient(cloud);
  client.middlewareStack.add(
    (next) => async (args) => {
      calls.count++;
      return next(args);
    },
    { step: 'initialize', name: 'countRoundTrips' },
  );
  const store = new DynamoCaseStore(cloud.nameOf('StorageCases'), cloud.nameOf('StorageProfiles'), client);
  return async (i: number) => {
    const q = inquiry(tag, i);
    const now = new Date();
    const context = await store.loadIntakeContext({ email: q.email });
    const { record, event } = openCase(
      { channel: 'web', requester: { email: q.email }, subject: q.subject, message: q.message, amount: q.amount, currency: q.currency },
      { caseId: newCaseId(), reference: newReference(), now, priorComplaints: context.recent, policies },
    );
    const outcome = await store.createCase({
      record,
      event,
      idempotency: { key: `bench:${tag}:${i}`, fingerprint: tag, expiresAt: Math.floor(now.getTime() / 1000) + 3600 },
      requesterVersion: context.requesterVersion,
      recent: rememberComplaint(context.recent, { caseId: record.caseId, reference: record.reference, category: record.category, openedAt: record.openedAt }, now, 30),
      messageIds: [],
    });
    if (outcome.kind !== 'created') throw new Error(`floor write ${outcome.kind}`);
  };
}

export function putItemOp(cloud: LocalCloud, tag: string) {
  const client = storageClient(cloud);
  const table = cloud.nameOf('StorageCases');
  return async (i: number) => {
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: marshall({ pk: `BENCH#${tag}#${i}`, sk: 'PUT', itemType: 'bench', ...inquiry(tag, i), padding: 'x'.repeat(1200) }),
      }),
    );
  };
}
